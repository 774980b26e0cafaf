using RulesGate.Core.Application;
using RulesGate.Core.Patches;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Patches;

/// <summary>
/// The files a proposal writes (its folder, the live overrides) are effects of its transaction: a process that dies
/// at any step after the commit (before the write, between the temporary file and the rename, after the rename and
/// before the effect is closed) leaves a state the next command completes, so the files and the journal agree.
/// </summary>
public sealed class PatchFileEffectsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private const string Seeded = "[auto_applied]\n\"portfolio.leverage\" = 1.5\n\"strategy.trigger_delay\" = 8.0\n\"macro.regime_weight\" = 0.3\n";

    private readonly TempJournal journal = new();

    public PatchFileEffectsTests()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Overrides)!);
        File.WriteAllText(Overrides, Seeded);
    }

    public void Dispose() => journal.Dispose();

    private string Overrides => Path.Combine(journal.Folder, "live", "auto.toml");

    private string Output => Path.Combine(journal.Folder, "proposals");

    private PatchProposer GovernanceService() => new(new PatchJudge(Compiled.Bundle(File.ReadAllText(Repo.PathOf("rules", "patches", "default.yaml")))), journal.Store, Path.Combine(journal.Folder, "no-templates"));

    /// <summary>Commits a bounded_auto proposal of two patches and dies before any of its files is written.</summary>
    private PatchRun Committed(DateTimeOffset? at = null, params ConfigPatch[] patches) =>
        GovernanceService().Propose(patches.Length > 0 ? patches : [PatchJudgeTests.Patch("portfolio.leverage", 1.5, 1.75, 0.9, id: "a"), PatchJudgeTests.Patch("strategy.trigger_delay", 8, 9.5, 0.9, id: "b")], PatchMode.BoundedAuto, at ?? Now, Output, Overrides);

    private IReadOnlyList<(PendingEffect Effect, bool Dead)> NextCommand() => new PatchProposals(journal.Store).WriteFilesAsync(null).GetAwaiter().GetResult();

    /// <summary>The proposal's <c>files_not_written</c>, as <c>patches show</c> prints them.</summary>
    private System.Text.Json.JsonElement Unwritten(string proposal)
    {
        var proposals = new PatchProposals(journal.Store);
        using var shown = System.Text.Json.JsonDocument.Parse(proposals.Json([proposals.Find(proposal)!], withDecisions: false));
        return shown.RootElement[0].GetProperty("files_not_written").Clone();
    }

    /// <summary>The bytes the journal says the overrides file should hold: its pending write's.</summary>
    private byte[] Journaled() => new WorkflowEffects(journal.Store).Upcoming(Overrides, _ => null)!;

    [Fact]
    public void Crash_AfterTheCommit_BeforeAnyWrite_TheNextCommandWritesEveryFile()
    {
        var run = Committed();
        Assert.Equal(Seeded, File.ReadAllText(Overrides));
        Assert.False(Directory.Exists(run.OutputDir));
        Assert.Equal(4, new WorkflowEffects(journal.Store).Pending().Count);     // three proposal files and the overrides
        Assert.Equal(4, Unwritten(run.ProposalId!).GetArrayLength());            // and 'patches show' says so

        Assert.Empty(NextCommand());

        Assert.Equal(0, Unwritten(run.ProposalId!).GetArrayLength());

        Assert.Equal(new Dictionary<string, double> { ["portfolio.leverage"] = 1.75, ["strategy.trigger_delay"] = 9.5, ["macro.regime_weight"] = 0.3 }, LiveOverrides.Applied(Overrides));
        Assert.True(File.Exists(Path.Combine(run.OutputDir!, "OPERATOR_CHECKLIST.md")));
        Assert.Empty(new WorkflowEffects(journal.Store).Pending());
        Assert.Equal("rolled_back", new PatchProposals(journal.Store).Rollback(run.ProposalId!, "ops", "the files and the journal agree").Status);
    }

    [Fact]
    public void Crash_BetweenTheTemporaryFileAndTheRename_TheNextCommandWritesItWhole()
    {
        Committed();
        var journaled = Journaled();
        var stray = Path.Combine(Path.GetDirectoryName(Overrides)!, $".auto.toml.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(stray, journaled[..10]);      // half written when the process died

        Assert.Empty(NextCommand());

        Assert.Equal(journaled, File.ReadAllBytes(Overrides));
        Assert.False(File.Exists(stray));
    }

    [Fact]
    public void Crash_AfterTheRename_BeforeTheEffectIsClosed_IsClosedWithoutWritingAgain()
    {
        Committed();
        File.WriteAllBytes(Overrides, Journaled());        // renamed into place, not yet closed
        var written = File.GetLastWriteTimeUtc(Overrides);
        File.SetLastWriteTimeUtc(Overrides, written.AddDays(-1));

        Assert.Empty(NextCommand());

        Assert.Equal(written.AddDays(-1), File.GetLastWriteTimeUtc(Overrides));     // left alone: it holds the bytes already
        Assert.Contains(journal.Store.Read(type: WorkflowEffects.DoneType), done => done.Stream.StartsWith("patches:", StringComparison.Ordinal));
    }

    [Fact]
    public void AFileChangedBeforeItsWrite_IsNotOverwritten_AndTheFailureSaysSo()
    {
        var run = Committed();
        File.WriteAllText(Overrides, "[auto_applied]\n\"portfolio.leverage\" = 3.0\n");    // someone else's change, in between

        var failing = NextCommand();

        var (effect, dead) = Assert.Single(failing);
        Assert.False(dead);
        Assert.Equal(run.ProposalId, effect.Effect is WorkflowEffect.WriteFile ? effect.Instance : null);
        Assert.Contains("was changed since this change was planned", effect.Error, StringComparison.Ordinal);
        Assert.Equal("[auto_applied]\n\"portfolio.leverage\" = 3.0\n", File.ReadAllText(Overrides));
        Assert.Single(journal.Store.Read(type: "effect.write_failed"));
        var shown = Assert.Single(Unwritten(run.ProposalId!).EnumerateArray());
        Assert.Equal(Path.GetFullPath(Overrides), shown.GetProperty("path").GetString());
        Assert.StartsWith("failed 1 time (", shown.GetProperty("standing").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ASecondProposal_PlannedWhileTheFirstsWriteIsPending_BuildsOnIt()
    {
        Committed();
        var second = Committed(Now.AddHours(1), PatchJudgeTests.Patch("macro.regime_weight", 0.3, 0.35, 0.9, id: "c"));
        Assert.Single(second.Applied);

        Assert.Empty(NextCommand());

        Assert.Equal(new Dictionary<string, double> { ["portfolio.leverage"] = 1.75, ["strategy.trigger_delay"] = 9.5, ["macro.regime_weight"] = 0.35 }, LiveOverrides.Applied(Overrides));
    }

    [Fact]
    public void AnOutboxEntryRedirectedBehindTheJournalsBack_WritesNothing_AndSaysSo()
    {
        Committed();
        var elsewhere = Path.Combine(journal.Folder, "elsewhere.toml");
        var outbox = new WorkflowEffects(journal.Store);
        var overrides = outbox.Pending().Single(pending => pending.Effect is WorkflowEffect.WriteFile file && file.Path == Path.GetFullPath(Overrides));
        var document = journal.Store.Load(WorkflowEffects.Outbox, overrides.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture))!;
        journal.Store.Append([new RulesGate.Core.Journal.JournalEntry("test", "test.tamper", "{}")], project: (scope, events) =>
            scope.Store(WorkflowEffects.Outbox, document.Id, document.Value.Replace(System.Text.Json.JsonEncodedText.Encode(Path.GetFullPath(Overrides)).ToString(), System.Text.Json.JsonEncodedText.Encode(elsewhere).ToString(), StringComparison.Ordinal), events[0].Seq));

        var failing = NextCommand();

        Assert.Contains(failing, item => item.Effect.Error is { } error && error.Contains("is not the one event", StringComparison.Ordinal));
        Assert.False(File.Exists(elsewhere));
        Assert.Equal(Seeded, File.ReadAllText(Overrides));
    }
}
