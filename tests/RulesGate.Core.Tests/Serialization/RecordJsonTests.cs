using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Promotion;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Serialization;

/// <summary>Projections are written by source-generated System.Text.Json and read back strictly.</summary>
public sealed class RecordJsonTests
{
    private static readonly PolicyLedgerRecord Record = PolicyLedgerRecord.New("alpha") with
    {
        DeclaredStage = PromotionStage.LimitedLive,
        Approvals = ["compliance", "risk"],
        EvidenceId = "dd-1",
        Checklist = new Dictionary<string, string> { ["risk_audit"] = "done", ["leakage_checks"] = "done" },
        ThresholdOverrides = new Dictionary<string, double> { ["z"] = 0.05, ["a"] = 2 },
        History = [new LedgerTransition("promotion", PromotionStage.Pilot, PromotionStage.LimitedLive, "2026-03-01T00:00:00.0000000Z", "ops", ["risk"], "dd-1", """{"max_position_pct":0.05}""")],
    };

    [Fact]
    public void LedgerRecord_RoundTripsWithSnakeCaseSortedMapsAndStagesByName()
    {
        var json = RecordJson.Write(Record);
        var read = RecordJson.Read<PolicyLedgerRecord>(json);

        Assert.Equal(json, RecordJson.Write(read));
        Assert.Contains("\"declared_stage\":\"limited_live\"", json, StringComparison.Ordinal);
        Assert.Contains("\"checklist\":{\"leakage_checks\":\"done\",\"risk_audit\":\"done\"}", json, StringComparison.Ordinal);
        Assert.Contains("\"threshold_overrides\":{\"a\":2,\"z\":0.05}", json, StringComparison.Ordinal);
        Assert.Contains("\"policy_delta\":{\"max_position_pct\":0.05}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("version", json, StringComparison.Ordinal);
        Assert.DoesNotContain("current_stage", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Instance_KeepsItsDueTimeInTheOneTimestampFormat()
    {
        var due = new DateTimeOffset(2026, 11, 5, 9, 0, 0, TimeSpan.Zero);
        var instance = new WorkflowInstance("wf:a", "wf", 1, "abc", "workflows/wf.yaml", "a", "olga", "review", "2026-11-02T09:00:00.0000000Z", due, [], [], 42);

        var json = instance.Json();

        Assert.Contains("\"due\":\"2026-11-05T09:00:00.0000000Z\"", json, StringComparison.Ordinal);
        Assert.Equal(instance with { Seq = 7 }, WorkflowInstance.Parse(json, 7) with { Votes = instance.Votes, History = instance.History });
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"active":true,"since":null}""")]
    [InlineData("""{"active":true,"since":null,"cause":null}""")]
    [InlineData("""{"active":"yes","since":null,"cause":"x"}""")]
    [InlineData("""{"active":true,"since":null,"cause":"x","extra":1}""")]
    public void Read_AnythingButAWholeRecord_IsRefused(string json) =>
        Assert.ThrowsAny<JsonException>(() => RecordJson.Read<KillSwitchState>(json));

    [Fact]
    public void Read_AStageThatDoesNotExist_IsRefused()
    {
        var json = RecordJson.Write(Record).Replace("\"limited_live\"", "\"orbit\"", StringComparison.Ordinal);

        Assert.ThrowsAny<Exception>(() => RecordJson.Read<PolicyLedgerRecord>(json));
    }
}
