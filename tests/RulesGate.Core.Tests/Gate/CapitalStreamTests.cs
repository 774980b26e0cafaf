using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Core.Tests.Gate;

public sealed class CapitalStreamTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-stream-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    internal static CapitalStream SampleStream(JournalStore? journal = null, ExecutionState? execution = null)
    {
        var samples = Repo.PathOf("samples", "capital");
        var policy = CapitalPolicies.Load(Compiled.Engine, Path.Combine(samples, "policygate-policy.yaml"));
        Assert.True(policy.Succeeded, string.Join("\n", policy.Diagnostics));
        return new CapitalStream(
            new CapitalGate(policy.Value!),
            Read(Path.Combine(samples, "portfolio.json"), CapitalContextJson.ReadPortfolio),
            Read(Path.Combine(samples, "market.json"), CapitalContextJson.ReadMarket),
            execution ?? Read(Path.Combine(samples, "execution.json"), CapitalContextJson.ReadExecution),
            "run-test",
            journal);
    }

    internal static List<CapitalDecision> RunSample(CapitalStream stream) =>
        [.. File.ReadAllLines(Repo.PathOf("samples", "capital", "intents.jsonl")).Select((line, i) => stream.Next(line, i + 1))];

    private static T Read<T>(string path, Func<System.Text.Json.JsonElement, T> read)
    {
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
        return read(document.RootElement);
    }

    [Theory]
    [InlineData("[]", 0)]
    [InlineData("[[\"2026-11-20T14:29:00Z\", \"EXP-001\"], [1795185000.5, \"LOSS-001\"]]", 2)]
    [InlineData("3", 3)]
    public void ReadExecution_ViolationsAsPolicyGateListOrCount_AreCounted(string violations, int count)
    {
        using var json = System.Text.Json.JsonDocument.Parse($$"""{"orders_last_60s_global": 0, "violations_last_window": {{violations}}, "kill_switch_active": false}""");

        var execution = CapitalContextJson.ReadExecution(json.RootElement);

        Assert.Equal(count, execution.ViolationsLastWindow);
        Assert.Equal(violations.StartsWith('[') ? count : 0, execution.ViolationTimes.Count);
    }

    [Theory]
    [InlineData("[[\"2026-11-20T14:29:00+01:00\", \"EXP-001\"]]")]
    [InlineData("[[\"2026-11-20T14:29:00Z\"]]")]
    [InlineData("[[\"2026-11-20T14:29:00Z\", 7]]")]
    [InlineData("[\"EXP-001\"]")]
    public void ReadExecution_MalformedViolationList_IsRefused(string violations)
    {
        using var json = System.Text.Json.JsonDocument.Parse($$"""{"violations_last_window": {{violations}}}""");

        Assert.Throws<FormatException>(() => CapitalContextJson.ReadExecution(json.RootElement));
    }

    [Fact]
    public void Run_ViolationListSeedsTheWindowWithItsOwnTimes()
    {
        // Nine violations 100 s before the first intent trip the switch (limit 10, window 120 s) with one more; nine from 200 s before do not.
        string Window(int secondsBefore) => "[" + string.Join(", ", Enumerable.Repeat($"[\"{new DateTimeOffset(2026, 11, 20, 14, 30, 5, TimeSpan.Zero).AddSeconds(-secondsBefore):yyyy-MM-ddTHH:mm:ssZ}\", \"EXP-001\"]", 9)) + "]";
        bool Trips(int secondsBefore)
        {
            using var json = System.Text.Json.JsonDocument.Parse($$"""{"orders_last_60s_global": 0, "violations_last_window": {{Window(secondsBefore)}}, "kill_switch_active": false}""");
            return RunSample(SampleStream(execution: CapitalContextJson.ReadExecution(json.RootElement))).Take(3).Any(decision => decision.KillSwitchTriggered);
        }

        Assert.True(Trips(100));
        Assert.False(Trips(200));
    }

    [Fact]
    public void Run_SampleStream_EvolvesStateThroughTheBroker()
    {
        var stream = SampleStream();
        var decisions = RunSample(stream);
        var summary = stream.Summary();

        Assert.Equal(20, summary.TotalIntents);
        Assert.Equal(9, summary.Decisions[CapitalVerdict.Allow]);
        Assert.Equal(3, summary.Decisions[CapitalVerdict.Modify]);
        Assert.Equal(8, summary.Decisions[CapitalVerdict.Deny]);
        Assert.Equal(12, summary.OrdersSubmitted);
        Assert.Equal(11, summary.OrdersFilled);
        // The limit buy of i-003 rests below the price; the limit sell of i-004 fills: 200 − 150.
        Assert.Equal(50, summary.FinalPositions["AAPL"]);
        Assert.False(summary.FinalPositions.ContainsKey("MSFT"));
        Assert.Equal(-500 - 400 - 182.25108225, summary.FinalPositions["TLT"], 6);
        Assert.Equal(decisions.Count, summary.TotalIntents);
    }

    [Fact]
    public void Run_OrderCounts_SlideOverSixtySecondsOfIntentTime()
    {
        var decisions = RunSample(SampleStream());

        // 6 mean-revert orders from the execution state plus i-003, i-004, i-010, i-011 reach the limit of 10 …
        Assert.Equal("EXEC-002", Assert.Single(decisions[11].Violations).RuleId);
        Assert.Equal("EXEC-002", Assert.Single(decisions[12].Violations).RuleId);
        // … and 60 s after the stream began, the execution state's orders leave the window.
        Assert.Equal(CapitalVerdict.Allow, decisions[13].Decision);
    }

    [Fact]
    public void Run_MalformedLine_IsDeniedWithItsOwnRuleAndTheRunGoesOn()
    {
        var decisions = RunSample(SampleStream());

        var malformed = decisions[8];
        Assert.Equal(CapitalVerdict.Deny, malformed.Decision);
        Assert.Equal("i-009", malformed.IntentId);
        var violation = Assert.Single(malformed.Violations);
        Assert.Equal(CapitalStream.MalformedRule, violation.RuleId);
        Assert.Contains("line 9", violation.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(CapitalVerdict.Allow, decisions[9].Decision);
    }

    [Fact]
    public void Run_ViolationsWithinTheWindow_TripTheKillSwitchForTheRestOfTheRun()
    {
        var stream = SampleStream();
        var decisions = RunSample(stream);

        Assert.Equal(17, decisions.FindIndex(d => d.KillSwitchTriggered));
        Assert.All(decisions.Skip(18), d => Assert.Equal("KILL-001", d.Violations[0].RuleId));
        Assert.True(stream.Summary().KillSwitchActive);
    }

    [Fact]
    public void Run_TripRule_LatchesInTheJournalAcrossRestarts()
    {
        var path = Path.Combine(folder, "journal.db");
        var gate = Standard.Gate;
        var crashing = Some.Portfolio(equity: 85_000, startOfDay: 85_000, peak: 100_000);
        using (var journal = SqliteJournal.Create(path))
        {
            var stream = new CapitalStream(gate, crashing, Some.Market(), ExecutionState.Idle, "run-1", journal);
            var first = stream.Next(Line("a", 0), 1);
            Assert.Equal(["LOSS-002"], first.Violations.Select(v => v.RuleId));
            Assert.True(first.KillSwitchTriggered);
        }

        using (var reopened = SqliteJournal.Create(path))
        {
            Assert.True(GateJournal.State(reopened).Active);
            var healthy = new CapitalStream(gate, Some.Portfolio(), Some.Market(), ExecutionState.Idle, "run-2", reopened);
            Assert.Equal("KILL-001", healthy.Next(Line("b", 5), 1).Violations[0].RuleId);

            var reset = GateJournal.Reset(reopened, Actor.Authenticated("ops-lead"), "drawdown reviewed", WorkflowRoles.None);
            Assert.False(reset.Active);
            Assert.Contains("ops-lead", reset.Cause, StringComparison.Ordinal);
            var after = new CapitalStream(gate, Some.Portfolio(), Some.Market(), ExecutionState.Idle, "run-3", reopened);
            Assert.Equal(CapitalVerdict.Allow, after.Next(Line("c", 10), 1).Decision);
            Assert.Single(reopened.Read(type: GateJournal.TrippedType));
            Assert.Single(reopened.Read(type: GateJournal.ResetType));
        }
    }

    private static string Line(string id, int second) =>
        $$"""{"intent_id":"{{id}}","timestamp":"2026-01-15T15:30:{{second:00}}Z","strategy_id":"trend","account_id":"a","instrument":{"symbol":"MSFT"},"side":"buy","order_type":"market","qty":1}""";
}
