using System.Text.Json;
using Microsoft.Data.Sqlite;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>The config-patch loop end to end: propose in each mode, the approval workflow, show and rollback.</summary>
public sealed class PatchCliTests : IDisposable
{
    private const string Patches = "samples/patches/patches.jsonl";

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-patch-").FullName;

    public PatchCliTests() => SqliteJournal.Create(Journal).Dispose();

    private string Journal => Path.Combine(folder, "journal.db");

    private string Overrides => Path.Combine(folder, "auto.toml");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private (int Exit, string Out, string Err) Propose(string mode, string now = "2026-11-30T09:00:00Z") =>
        CliTests.Run("patches", "propose", Patches, "--mode", mode, "--journal", Journal, "--out", Path.Combine(folder, "out"), "--overrides", Overrides, "--now", now);

    [Fact]
    public void BoundedAuto_AppliesThreeWithinBounds_AndSaysWhyTheRestWasNot()
    {
        var (code, output, _) = Propose("bounded_auto");

        Assert.Equal(0, code);
        using var run = JsonDocument.Parse(output);
        var root = run.RootElement;
        Assert.Equal(("live_promotion_20261130T090000Z", "bounded_auto"), (root.GetProperty("proposal_id").GetString(), root.GetProperty("mode").GetString()));
        Assert.Equal(["portfolio.leverage", "strategy.trigger_delay", "macro.regime_weight"], root.GetProperty("applied").EnumerateObject().Select(property => property.Name));
        Assert.Contains(root.GetProperty("skipped").EnumerateArray(), skip => skip.GetProperty("reason").GetString() == "daily auto-apply limit 3 reached");
        Assert.Equal(13, root.GetProperty("decisions").GetArrayLength());     // patch-013 is only PROPOSED: not a candidate
        Assert.Contains("\"portfolio.leverage\" = 1.75", File.ReadAllText(Overrides), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "out", "live_promotion_20261130T090000Z", "OPERATOR_CHECKLIST.md")));
    }

    [Theory]
    [InlineData("2020-01-01T00:00:00Z", "is earlier than the journal's last event")]
    [InlineData("2099-01-01T00:00:00Z", "is later than this machine's clock")]
    [InlineData("9999-12-31T23:30:00Z", "is later than this machine's clock")]
    public void BoundedAuto_NowOnAnotherDay_IsRefusedSoTheDailyLimitHolds(string now, string refusal)
    {
        Assert.Equal(0, Propose("bounded_auto").Exit);
        var applied = File.ReadAllText(Overrides);

        var (code, output, error) = Propose("bounded_auto", now);

        Assert.Equal((2, ""), (code, output));
        Assert.Contains(refusal, error, StringComparison.Ordinal);
        Assert.Equal(applied, File.ReadAllText(Overrides));
    }

    [Fact]
    public void Disabled_ProposesNothing()
    {
        var (code, output, _) = Propose("disabled");

        Assert.Equal(0, code);
        using var run = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Null, run.RootElement.GetProperty("proposal_id").ValueKind);
        Assert.False(Directory.Exists(Path.Combine(folder, "out")));
    }

    [Fact]
    public void ManualOnly_WaitsForRisk_ThenApprovingApplies_AndRollbackRestores()
    {
        var (code, _, hint) = Propose("manual_only");
        Assert.Equal(0, code);
        Assert.False(File.Exists(Overrides));
        var instance = "config-patch-approval:live_promotion_20261130T090000Z";
        Assert.Contains($"--instance {instance}", hint, StringComparison.Ordinal);

        var (own, refusal, _) = CliTests.Run("workflow", "approve", "--instance", instance, "--actor", "learning-loop", "--role", "risk", "--reason", "mine", "--journal", Journal);
        var (approved, applied, _) = CliTests.Run("workflow", "approve", "--instance", instance, "--actor", "raj", "--role", "risk", "--reason", "checked", "--journal", Journal);

        Assert.Equal(1, own);
        Assert.Contains("Refused", refusal, StringComparison.Ordinal);
        Assert.Equal(0, approved);
        Assert.Contains("live_promotion_20261130T090000Z: applied; 3 applied to", applied, StringComparison.Ordinal);
        using (var shown = JsonDocument.Parse(CliTests.Run("patches", "show", "--proposal", "live_promotion_20261130T090000Z", "--journal", Journal).Out))
        {
            Assert.Equal("approved by raj (risk): checked", shown.RootElement[0].GetProperty("settled_by").GetString());
            Assert.Equal(13, shown.RootElement[0].GetProperty("decisions").GetArrayLength());
        }

        var (rolled, message, _) = CliTests.Run("patches", "rollback", "--proposal", "live_promotion_20261130T090000Z", "--actor", "raj", "--reason", "drawdown after the change", "--journal", Journal);
        Assert.Equal(0, rolled);
        Assert.Contains("3 targets", message, StringComparison.Ordinal);
        Assert.DoesNotContain("portfolio.leverage", File.ReadAllText(Overrides), StringComparison.Ordinal);
        Assert.Equal(0, CliTests.Run("journal", "verify", "--journal", Journal).Exit);
    }

    [Fact]
    public void ManualOnly_Rejected_AppliesNothing()
    {
        Propose("manual_only");
        var (code, output, _) = CliTests.Run("workflow", "reject", "--instance", "config-patch-approval:live_promotion_20261130T090000Z", "--actor", "rhea", "--role", "risk", "--reason", "not during the earnings week", "--journal", Journal);

        Assert.Equal(0, code);
        Assert.Contains("live_promotion_20261130T090000Z: rejected.", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Overrides));
    }

    [Fact]
    public void AMalformedLine_JudgesNothing_AndAnUnreadableOverridesFileIsAnError()
    {
        var bad = Path.Combine(folder, "bad.jsonl");
        File.WriteAllLines(bad, [File.ReadLines(Path.Combine(CliTests.Root, Patches)).First(), "{\"id\":\"x\"}"]);
        var (code, _, error) = CliTests.Run("patches", "propose", bad, "--journal", Journal, "--out", Path.Combine(folder, "out"));

        Assert.Equal(2, code);
        Assert.Contains($"{bad}:2: patch.status: required.", error, StringComparison.Ordinal);

        File.WriteAllText(Overrides, "not = = toml");
        var (broken, _, why) = Propose("bounded_auto");
        Assert.Equal(2, broken);
        Assert.Contains("never replaces an overrides file it cannot read", why, StringComparison.Ordinal);
        Assert.Equal("not = = toml", File.ReadAllText(Overrides));
    }
}
