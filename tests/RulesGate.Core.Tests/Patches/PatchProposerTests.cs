using System.Text.Json;
using RulesGate.Core.Application;
using RulesGate.Core.Journal;
using RulesGate.Core.Patches;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Patches;

/// <summary>Proposals, bounded auto-apply to the live overrides, the daily limit and rollback, with the journal.</summary>
public sealed class PatchProposerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private static readonly string Policy = File.ReadAllText(Repo.PathOf("rules", "patches", "default.yaml"));

    private readonly TempJournal journal = new();

    public void Dispose() => journal.Dispose();

    private string Overrides => Path.Combine(journal.Folder, "live", "auto.toml");

    private string Output => Path.Combine(journal.Folder, "proposals");

    /// <summary>Proposes, then does the file writes the proposal journaled, as a command does at its end: none may fail.</summary>
    private PatchRun Proposed(PatchProposer proposer, IReadOnlyList<ConfigPatch> patches, PatchMode mode, DateTimeOffset now, string output, string overrides)
    {
        var run = proposer.Propose(patches, mode, now, output, overrides);
        Written();
        return run;
    }

    /// <summary>Rolls back, then restores the file as the rollback journaled.</summary>
    private PatchProposalRecord RolledBack(string proposal, string actor, string reason)
    {
        var record = new PatchProposals(journal.Store).Rollback(proposal, actor, reason);
        Written();
        return record;
    }

    private void Written() => Assert.Empty(new PatchProposals(journal.Store).WriteFilesAsync(null).GetAwaiter().GetResult());

    private PatchProposer GovernanceService(string? policy = null) => new(new PatchJudge(Compiled.Bundle(policy ?? Policy)), journal.Store, Path.Combine(journal.Folder, "no-templates"));

    /// <summary>The live values <see cref="Three"/> were written against.</summary>
    private void Seed()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Overrides)!);
        File.WriteAllText(Overrides, "[auto_applied]\n\"portfolio.leverage\" = 1.5\n\"strategy.trigger_delay\" = 8.0\n\"macro.regime_weight\" = 0.3\n");
    }

    private static ConfigPatch Patch(string id, string target, double old, double @new, double confidence = 0.9) =>
        PatchJudgeTests.Patch(target, old, @new, confidence, id: id);

    private static readonly ConfigPatch[] Three =
    [
        Patch("a", "portfolio.leverage", 1.5, 1.75),
        Patch("b", "strategy.trigger_delay", 8, 9.5),
        Patch("c", "macro.regime_weight", 0.3, 0.35),
    ];

    [Fact]
    public void Disabled_DecidesAndJournals_ButProposesNothing()
    {
        var run = Proposed(GovernanceService(), Three, PatchMode.Disabled, Now, Output, Overrides);

        Assert.Null(run.ProposalId);
        Assert.Null(run.OutputDir);
        Assert.Equal(3, run.Decisions.Count(decision => decision.IsAccepted));
        Assert.False(Directory.Exists(Output));
        Assert.False(File.Exists(Overrides));
        Assert.Equal(3, journal.Store.Read(type: PatchProposer.DecidedType).Count());
        Assert.Empty(journal.Store.Read(type: PatchProposer.ProposedType));
    }

    [Fact]
    public void Checklist_APatchReasonCannotAddAChecklistItem()
    {
        var forged = Patch("a", "portfolio.leverage", 1.5, 1.75) with { Reason = "better sharpe\n- [x] Risk signed this off" };

        var run = Proposed(GovernanceService(), [forged], PatchMode.ManualOnly, Now, Output, Overrides);

        var checklist = File.ReadAllLines(Path.Combine(Output, run.ProposalId!, "OPERATOR_CHECKLIST.md"));
        Assert.DoesNotContain(checklist, line => line.StartsWith("- [x]", StringComparison.Ordinal));
        Assert.Contains("- reason: `better sharpe - [x] Risk signed this off`", checklist);
    }

    [Fact]
    public void Checklist_HostileValuesInEveryField_StayInsideCodeSpans()
    {
        var hostile = MarkdownText.Hostile;
        var patch = Patch("a`b", "portfolio.leverage", 1.5, 1.75) with { Reason = hostile, SourceExperimentId = hostile, Tags = [hostile] };
        var text = patch with { Id = "t", Target = "strategy.name`x **y** <b>", NewValue = new PatchValue(System.Text.Json.JsonValueKind.String, double.NaN, hostile) };

        var run = Proposed(GovernanceService(), [patch, text], PatchMode.ManualOnly, Now, Output, Overrides);

        var checklist = File.ReadAllText(Path.Combine(Output, run.ProposalId!, "OPERATOR_CHECKLIST.md"));
        var markup = MarkdownText.OutsideCode(checklist);
        Assert.All(MarkdownText.Markers.Append("<b>").Append("**y**"), marker => Assert.DoesNotContain(marker, markup, StringComparison.Ordinal));
        Assert.Contains("pre-approved by risk", checklist, StringComparison.Ordinal);
    }

    [Fact]
    public void ManualOnly_WritesTheProposalFiles_AndAppliesNothing()
    {
        var run = Proposed(GovernanceService(), [.. Three, Patch("d", "risk.stop_loss.pct", 0.02, 0.03)], PatchMode.ManualOnly, Now, Output, Overrides);

        Assert.Equal("live_promotion_20261130T090000Z", run.ProposalId);
        Assert.Empty(run.Applied);
        Assert.False(File.Exists(Overrides));
        var folder = Path.Combine(Output, run.ProposalId!);
        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "proposal_meta.json")));
        var keys = meta.RootElement.EnumerateObject().Select(property => property.Name).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);                  // keys sorted
        Assert.Equal((3, 1), (meta.RootElement.GetProperty("accepted").GetInt32(), meta.RootElement.GetProperty("rejected").GetInt32()));
        using var patches = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config_patches.json")));
        Assert.Equal(4, patches.RootElement.GetArrayLength());
        var checklist = File.ReadAllText(Path.Combine(folder, "OPERATOR_CHECKLIST.md"));
        Assert.True(checklist.IndexOf("## Safety warnings", StringComparison.Ordinal) < checklist.IndexOf("## Review", StringComparison.Ordinal));
        Assert.Contains("P0_BLACKLIST: Target 'risk.stop_loss.pct' matches blacklisted pattern 'risk.stop_loss'", checklist, StringComparison.Ordinal);
        Assert.Contains("## `portfolio.leverage`: `1.5` → `1.75`", checklist, StringComparison.Ordinal);
    }

    [Fact]
    public void BoundedAuto_WritesTheAutoAppliedTable_KeepingEveryOtherTable()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Overrides)!);
        File.WriteAllText(Overrides, "[manual]\nnote = \"keep\"\n\n[auto_applied]\n\"portfolio.leverage\" = 1.5\n\"strategy.trigger_delay\" = 8.0\n\"macro.regime_weight\" = 0.3\n");

        var run = Proposed(GovernanceService(), Three, PatchMode.BoundedAuto, Now, Output, Overrides);

        Assert.Equal(["portfolio.leverage", "strategy.trigger_delay", "macro.regime_weight"], run.Applied.Select(patch => patch.Target));
        Assert.Equal([1.5, 8.0, 0.3], run.Applied.Select(patch => patch.OldValue));
        Assert.Equal(new Dictionary<string, double> { ["portfolio.leverage"] = 1.75, ["strategy.trigger_delay"] = 9.5, ["macro.regime_weight"] = 0.35 }, LiveOverrides.Applied(Overrides));
        Assert.Contains("note = \"keep\"", File.ReadAllText(Overrides), StringComparison.Ordinal);
        Assert.Equal(3, journal.Store.Read(type: PatchProposer.AppliedType).Count());
    }

    [Fact]
    public void BoundedAuto_SameTargetInFileOrder_TheLaterWins()
    {
        var policy = Policy.Replace("max_auto_applies_per_day: 3 ", "max_auto_applies_per_day: 5 ", StringComparison.Ordinal);
        Seed();
        var run = Proposed(GovernanceService(policy), [Patch("a", "portfolio.leverage", 1.5, 1.75), Patch("b", "portfolio.leverage", 1.75, 2.0)], PatchMode.BoundedAuto, Now, Output, Overrides);

        Assert.Equal([1.5, 1.75], run.Applied.Select(patch => patch.OldValue));
        Assert.Equal(2.0, LiveOverrides.Applied(Overrides)["portfolio.leverage"]);
    }

    [Fact]
    public void BoundedAuto_TheDailyLimit_HoldsAcrossRunsOfOneUtcDay()
    {
        Seed();
        var first = Proposed(GovernanceService(), [.. Three.Take(2)], PatchMode.BoundedAuto, Now, Output, Overrides);
        var second = Proposed(GovernanceService(), [Patch("c", "macro.regime_weight", 0.3, 0.35), Patch("d", "strategy.trigger_delay", 9.5, 10)], PatchMode.BoundedAuto, Now.AddHours(1), Output, Overrides);
        var nextDay = Proposed(GovernanceService(), [Patch("e", "strategy.trigger_delay", 9.5, 10)], PatchMode.BoundedAuto, Now.AddDays(1), Output, Overrides);

        Assert.Equal(2, first.Applied.Count);
        Assert.Equal(["c"], second.Applied.Select(patch => patch.PatchId));
        Assert.Equal(new SkippedPatch("d", "daily auto-apply limit 3 reached"), Assert.Single(second.Skipped));
        Assert.Single(nextDay.Applied);
    }

    [Fact]
    public void BoundedAuto_ANonNumericAcceptedPatch_IsSkippedWithItsReason()
    {
        var run = Proposed(GovernanceService(), [PatchJudgeTests.Patch("strategy.exit_mode", "trailing", "fixed", id: "t")], PatchMode.BoundedAuto, Now, Output, Overrides);

        Assert.Equal(new SkippedPatch("t", "not a number: the live overrides hold numbers only"), Assert.Single(run.Skipped));
        Assert.False(File.Exists(Overrides));
    }

    [Fact]
    public void BoundedAuto_AMovePastTheBounds_IsProposedPending_NeverAppliedUnattended()
    {
        Seed();
        var run = Proposed(GovernanceService(), [Patch("a", "portfolio.leverage", 1.5, 1.75), Patch("big", "portfolio.leverage", 1.9, 2.1)], PatchMode.BoundedAuto, Now, Output, Overrides);

        Assert.Equal(["a"], run.Applied.Select(patch => patch.PatchId));
        Assert.Equal(PatchDecision.Pending, run.Decisions.Single(decision => decision.Patch.Id == "big").Status);
        Assert.Equal(new SkippedPatch("big", "PENDING: AUTO_APPLY_BOUNDS: New value 2.1 > max_value 2 (tag: leverage); a human decides"), Assert.Single(run.Skipped));
        Assert.Equal(1.75, LiveOverrides.Applied(Overrides)["portfolio.leverage"]);
        var checklist = File.ReadAllText(Path.Combine(Output, run.ProposalId!, "OPERATOR_CHECKLIST.md"));
        Assert.Contains("## `portfolio.leverage`: `1.9` → `2.1`", checklist, StringComparison.Ordinal);
        Assert.Contains("- `eligible_for_live: set by rule eligible.confidence", checklist, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnreadableOverridesFile_IsAnError_AndNothingIsWritten()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Overrides)!);
        File.WriteAllText(Overrides, "[auto_applied\nbroken");
        var events = journal.Store.LastSeq();

        var error = Assert.Throws<FormatException>(() => Proposed(GovernanceService(), Three, PatchMode.BoundedAuto, Now, Output, Overrides));

        Assert.Contains("never replaces an overrides file it cannot read", error.Message, StringComparison.Ordinal);
        Assert.Equal("[auto_applied\nbroken", File.ReadAllText(Overrides));
        Assert.Equal(events, journal.Store.LastSeq());
    }

    [Fact]
    public void SameSecond_GetsItsOwnProposalId()
    {
        var first = Proposed(GovernanceService(), Three, PatchMode.ManualOnly, Now, Output, Overrides);
        var second = Proposed(GovernanceService(), Three, PatchMode.ManualOnly, Now, Output, Overrides);
        Assert.Equal((first.ProposalId + "_2"), second.ProposalId);
    }

    [Fact]
    public void Rollback_PutsBackWhatItChanged_KeepsTheRest_AndIsJournaled()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Overrides)!);
        File.WriteAllText(Overrides, "[manual]\nnote = \"keep\"\n\n[auto_applied]\n\"portfolio.leverage\" = 1.5\n\"strategy.trigger_delay\" = 8.0\n\"macro.regime_weight\" = 0.3\n");
        var run = Proposed(GovernanceService(), Three, PatchMode.BoundedAuto, Now, Output, Overrides);
        File.AppendAllText(Overrides, "\n[later]\nadded = 1\n");

        var record = RolledBack(run.ProposalId!, "Ops", "sharpe fell in the first hour");

        Assert.Equal("rolled_back", record.Status);
        Assert.Equal(new Dictionary<string, double> { ["portfolio.leverage"] = 1.5, ["strategy.trigger_delay"] = 8.0, ["macro.regime_weight"] = 0.3 }, LiveOverrides.Applied(Overrides));
        Assert.Contains("added = 1", File.ReadAllText(Overrides), StringComparison.Ordinal);
        using var rolled = JsonDocument.Parse(Assert.Single(journal.Store.Read(type: PatchProposer.RolledBackType)).Payload);
        Assert.Equal(("ops", "sharpe fell in the first hour"), (rolled.RootElement.GetProperty("actor").GetString(), rolled.RootElement.GetProperty("reason").GetString()));
        Assert.True(JournalAudit.Verify(journal.Store).Intact);

        // The changelog misses none of it: the proposal, each patch applied, and the rollback with who and why.
        var changes = Core.Reports.GovernanceDocuments.ChangelogOf(journal.Store).Changes;
        Assert.Equal(["config patches proposed", "config patch applied", "config patch applied", "config patch applied", "config patches rolled back"], changes.Select(row => row.What));
        var back = changes[^1];
        Assert.Equal((run.ProposalId, "ops", "sharpe fell in the first hour"), (back.Subject, back.Actor, back.Why));
        Assert.Contains("portfolio.leverage 1.75 → 1.5", back.Change, StringComparison.Ordinal);
        Assert.Equal(("portfolio.leverage", "1.5 → 1.75", "bounded_auto"), (changes[1].Subject, changes[1].Change, changes[1].Actor));
    }

    [Fact]
    public void Rollback_IsRefused_TwiceForNothingOrUnderALaterChange()
    {
        Seed();
        var manual = Proposed(GovernanceService(), Three, PatchMode.ManualOnly, Now, Output, Overrides);
        var first = Proposed(GovernanceService(), [Three[0]], PatchMode.BoundedAuto, Now.AddMinutes(1), Output, Overrides);
        var second = Proposed(GovernanceService(), [Patch("b", "portfolio.leverage", 1.75, 2.0)], PatchMode.BoundedAuto, Now.AddMinutes(2), Output, Overrides);

        Assert.Contains("there is no proposal nope", Assert.Throws<PatchRefusedException>(() => RolledBack("nope", "ops", "x")).Message, StringComparison.Ordinal);
        Assert.Contains("nothing of", Assert.Throws<PatchRefusedException>(() => RolledBack(manual.ProposalId!, "ops", "x")).Message, StringComparison.Ordinal);
        Assert.Contains($"{second.ProposalId} changed", Assert.Throws<PatchRefusedException>(() => RolledBack(first.ProposalId!, "ops", "x")).Message, StringComparison.Ordinal);

        File.WriteAllText(Overrides, "[auto_applied]\n\"portfolio.leverage\" = 1.9\n");     // changed by hand since
        Assert.Contains("was changed since", Assert.Throws<FormatException>(() => RolledBack(second.ProposalId!, "ops", "x")).Message, StringComparison.Ordinal);

        File.WriteAllText(Overrides, "[auto_applied]\n\"portfolio.leverage\" = 2.0\n");
        RolledBack(second.ProposalId!, "ops", "x");
        RolledBack(first.ProposalId!, "ops", "x");
        Assert.Contains("rolled back already", Assert.Throws<PatchRefusedException>(() => RolledBack(first.ProposalId!, "ops", "x")).Message, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, double> { ["portfolio.leverage"] = 1.5 }, LiveOverrides.Applied(Overrides));
    }
}
