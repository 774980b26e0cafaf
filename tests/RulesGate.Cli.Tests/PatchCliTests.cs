using System.Text.Json;
using Microsoft.Data.Sqlite;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>The config-patch loop end to end: propose in each mode, the approval workflow, show and rollback.</summary>
public sealed class PatchCliTests : IDisposable
{
    private const string Patches = "samples/patches/patches.jsonl";

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-patch-").FullName;

    public PatchCliTests()
    {
        SqliteJournal.Create(Journal).Dispose();
        File.Copy(Path.Combine(CliTests.Root, "samples/patches/auto.toml"), Overrides);   // the live values the sample patches start from
    }

    private string Journal => Path.Combine(folder, "journal.db");

    private string Overrides => Path.Combine(folder, "auto.toml");

    private static string Seed => File.ReadAllText(Path.Combine(CliTests.Root, "samples/patches/auto.toml"));

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
    public void ManualOnly_AnApprovalGivenBeforeTheProposal_ApprovesNothing()
    {
        // The attack: guess the id, start its approval, have risk approve it, then propose as the approver.
        const string guessed = "live_promotion_20261130T090000Z";
        Assert.Equal(0, CliTests.Run("workflow", "start", "--workflow", "config-patch-approval", "--subject", guessed, "--actor", "mallory", "--journal", Journal).Exit);
        CliTests.Run(["workflow", "approve", "--instance", $"config-patch-approval:{guessed}", "--actor", "raj", "--role", "risk", "--reason", "ok", "--journal", Journal, .. Signers.As("raj")]);
        Assert.Equal("approved", JsonDocument.Parse(CliTests.Run("workflow", "show", "--instance", $"config-patch-approval:{guessed}", "--json", "--journal", Journal).Out).RootElement.GetProperty("state").GetString());

        var (code, output, _) = CliTests.Run("patches", "propose", Patches, "--mode", "manual_only", "--journal", Journal, "--out", Path.Combine(folder, "out"), "--overrides", Overrides, "--actor", "raj");

        Assert.Equal(0, code);
        using var run = JsonDocument.Parse(output);
        var proposal = run.RootElement.GetProperty("proposal_id").GetString()!;
        Assert.NotEqual(guessed, proposal);                       // the guessed id is out of use
        Assert.Equal(2, CliTests.Run("patches", "show", "--proposal", guessed, "--journal", Journal).Exit);
        var own = CliTests.Run(["workflow", "approve", "--instance", $"config-patch-approval:{proposal}", "--actor", "raj", "--role", "risk", "--reason", "mine", "--journal", Journal, .. Signers.As("raj")]);
        Assert.Equal(1, own.Exit);                                // the proposal's requester may not approve it
        Assert.Equal(Seed, File.ReadAllText(Overrides));
    }

    [Fact]
    public void ManualOnly_IsSettledUnderThePolicyThatJudgedIt_KeptInTheJournal_WhateverIsOnDiskNow()
    {
        var pinned = Path.Combine(folder, "pinned.yaml");
        File.WriteAllText(pinned, File.ReadAllText(Path.Combine(CliTests.Root, "rules/patches/default.yaml")).Replace("version: 2", "version: 3", StringComparison.Ordinal));
        Assert.Equal(0, CliTests.Run("patches", "propose", Patches, "--mode", "manual_only", "--policy", pinned, "--journal", Journal, "--out", Path.Combine(folder, "out"), "--overrides", Overrides, "--now", "2026-11-30T09:00:00Z").Exit);
        File.Delete(pinned);

        // The default file is on disk now; the proposal is judged again under the one that judged it, from the journal.
        var (code, output, _) = CliTests.Run(["workflow", "approve", "--instance", "config-patch-approval:live_promotion_20261130T090000Z", "--actor", "raj", "--role", "risk", "--reason", "checked", "--journal", Journal, .. Signers.As("raj")]);

        Assert.Equal(0, code);
        Assert.True(output.Contains("live_promotion_20261130T090000Z: applied; 7 applied to", StringComparison.Ordinal), output);     // the PENDING moves too: a person approved them
        Assert.NotEqual(Seed, File.ReadAllText(Overrides));
    }

    [Fact]
    public void ManualOnly_ApprovedInASignalsFile_IsAppliedAsOnTheCommandLine()
    {
        Assert.Equal(0, CliTests.Run("patches", "propose", Patches, "--mode", "manual_only", "--journal", Journal, "--out", Path.Combine(folder, "out"), "--overrides", Overrides, "--now", "2026-11-30T09:00:00Z").Exit);
        var votes = Path.Combine(folder, "votes.jsonl");
        File.WriteAllText(votes, """{"signal":"approve","instance":"config-patch-approval:live_promotion_20261130T090000Z","actor":"raj","role":"risk","reason":"checked","key":"v-1"}""" + "\n");
        Assert.Equal(0, CliTests.Run("key", "sign", votes, "--key", Signers.Key("raj"), "--roles", Signers.Roles, "--journal", Journal, "--out", votes + ".signed").Exit);

        var (code, _, error) = CliTests.Run("workflow", "signals", votes + ".signed", "--roles", Signers.Roles, "--journal", Journal);

        Assert.True(code == 0, error);
        using var shown = JsonDocument.Parse(CliTests.Run("patches", "show", "--proposal", "live_promotion_20261130T090000Z", "--journal", Journal).Out);
        Assert.Equal(("applied", "approved by raj (risk): checked"), (shown.RootElement[0].GetProperty("status").GetString(), shown.RootElement[0].GetProperty("settled_by").GetString()));
        Assert.NotEqual(Seed, File.ReadAllText(Overrides));
    }

    [Theory]
    [InlineData("1.9", "2.0", "stale: its old_value 1.9 is not the live value 1")]          // a false old value hides a 1.0 → 2.0 step
    [InlineData("\"unknown\"", "2.0", "stale: its old_value unknown is not the live value 1")]
    [InlineData("null", "2.0", "step 1 from the live value 1 is past max_step 0.25")]
    public void BoundedAuto_StepIsJudgedFromTheLiveValue_NotThePatchsOldValue(string old, string @new, string reason)
    {
        File.WriteAllText(Overrides, "[auto_applied]\n\"portfolio.leverage\" = 1.0\n");
        var patches = Path.Combine(folder, "lever.jsonl");
        File.WriteAllText(patches, $"{{\"id\": \"p-1\", \"target\": \"portfolio.leverage\", \"old_value\": {old}, \"new_value\": {@new}, \"status\": \"APPLIED_OFFLINE\", \"generated_at\": \"2026-11-28T08:01:00Z\", \"reason\": \"r\", \"source_experiment_id\": \"e\", \"confidence_score\": 0.9, \"meta\": {{\"is_live_ready\": true}}}}\n");

        var (code, output, _) = CliTests.Run("patches", "propose", patches, "--mode", "bounded_auto", "--journal", Journal, "--out", Path.Combine(folder, "out"), "--overrides", Overrides, "--now", "2026-11-30T09:00:00Z");

        Assert.Equal(0, code);
        using var run = JsonDocument.Parse(output);
        Assert.Empty(run.RootElement.GetProperty("applied").EnumerateObject());
        Assert.Contains(run.RootElement.GetProperty("skipped").EnumerateArray(), skip => skip.GetProperty("reason").GetString()!.StartsWith(reason, StringComparison.Ordinal));
        Assert.Equal("[auto_applied]\n\"portfolio.leverage\" = 1.0\n", File.ReadAllText(Overrides));
    }

    [Fact]
    public void BoundedAuto_OldValueNullForANewTarget_IsJudgedByItsBounds()
    {
        File.WriteAllText(Overrides, "");
        var patches = Path.Combine(folder, "first.jsonl");
        File.WriteAllText(patches, "{\"id\": \"p-1\", \"target\": \"portfolio.leverage\", \"old_value\": null, \"new_value\": 1.25, \"status\": \"APPLIED_OFFLINE\", \"generated_at\": \"2026-11-28T08:01:00Z\", \"reason\": \"r\", \"source_experiment_id\": \"e\", \"confidence_score\": 0.9, \"meta\": {\"is_live_ready\": true}}\n");

        var (code, output, _) = CliTests.Run("patches", "propose", patches, "--mode", "bounded_auto", "--journal", Journal, "--out", Path.Combine(folder, "out"), "--overrides", Overrides, "--now", "2026-11-30T09:00:00Z");

        Assert.Equal(0, code);
        using var run = JsonDocument.Parse(output);
        Assert.Equal(["portfolio.leverage"], run.RootElement.GetProperty("applied").EnumerateObject().Select(property => property.Name));
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
        Assert.Equal(Seed, File.ReadAllText(Overrides));
        var instance = "config-patch-approval:live_promotion_20261130T090000Z";
        Assert.Contains($"--instance {instance}", hint, StringComparison.Ordinal);

        var (own, refusal, _) = CliTests.Run(["workflow", "approve", "--instance", instance, "--actor", "learning-loop", "--role", "risk", "--reason", "mine", "--journal", Journal, .. Signers.As("learning-loop")]);
        var (approved, applied, _) = CliTests.Run(["workflow", "approve", "--instance", instance, "--actor", "raj", "--role", "risk", "--reason", "checked", "--journal", Journal, .. Signers.As("raj")]);

        Assert.Equal(1, own);
        Assert.Contains("Refused", refusal, StringComparison.Ordinal);
        Assert.Equal(0, approved);
        Assert.True(applied.Contains("live_promotion_20261130T090000Z: applied; 7 applied to", StringComparison.Ordinal), applied);     // the PENDING moves too: a person approved them
        using (var shown = JsonDocument.Parse(CliTests.Run("patches", "show", "--proposal", "live_promotion_20261130T090000Z", "--journal", Journal).Out))
        {
            Assert.Equal("approved by raj (risk): checked", shown.RootElement[0].GetProperty("settled_by").GetString());
            Assert.Equal(13, shown.RootElement[0].GetProperty("decisions").GetArrayLength());
        }

        var (rolled, message, _) = CliTests.Run("patches", "rollback", "--proposal", "live_promotion_20261130T090000Z", "--actor", "raj", "--reason", "drawdown after the change", "--journal", Journal);
        Assert.Equal(0, rolled);
        Assert.True(message.Contains("5 targets", StringComparison.Ordinal), message);
        Assert.Contains("\"portfolio.leverage\" = 1.5", File.ReadAllText(Overrides), StringComparison.Ordinal);
        Assert.Equal(0, CliTests.Run("journal", "verify", "--journal", Journal).Exit);
    }

    [Fact]
    public void ManualOnly_Rejected_AppliesNothing()
    {
        Propose("manual_only");
        var (code, output, _) = CliTests.Run(["workflow", "reject", "--instance", "config-patch-approval:live_promotion_20261130T090000Z", "--actor", "rhea", "--role", "risk", "--reason", "not during the earnings week", "--journal", Journal, .. Signers.As("rhea")]);

        Assert.Equal(0, code);
        Assert.Contains("live_promotion_20261130T090000Z: rejected.", output, StringComparison.Ordinal);
        Assert.Equal(Seed, File.ReadAllText(Overrides));
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
