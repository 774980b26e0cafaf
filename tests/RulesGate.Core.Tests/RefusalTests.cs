using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests;

/// <summary>Expected refusals are one typed family with a reason code and the id refused; a claimed key is an outcome, not an error.</summary>
public sealed class RefusalTests : IDisposable
{
    private readonly TempJournal journal = new();

    public void Dispose() => journal.Dispose();

    private static WorkflowDefinition Ladder() => new WorkflowLoader(Compiled.Engine).Load(Repo.PathOf("workflows", "maturity-ladder.yaml")).Value!;

    [Fact]
    public void Refusals_CarryTheirReasonAndTheIdRefused()
    {
        var promotion = Assert.Throws<PromotionRefusedException>(() => PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", PromotionStage.LimitedLive, "ops")));
        var conflict = Assert.Throws<LedgerConflictException>(() => PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", PromotionStage.Paper, "ops", ["risk"], ExpectedVersion: 7)));
        var runtime = new WorkflowRuntime(journal.Store, new WorkflowLoader(Compiled.Engine), new WorkflowRoles(new Dictionary<string, IReadOnlySet<string>>()), artifacts: Path.Combine(journal.Folder, "artifacts"));
        var workflow = Assert.Throws<WorkflowRefusedException>(() => runtime.Vote("nope", Actor.Authenticated("rhea"), "risk", true, "ok"));
        var stream = Assert.Throws<JournalConflictException>(() => journal.Store.Append([new JournalEntry("s", "t", "{}")], expected: ("s", 3)));

        Assert.Equal(("promotion.refused", "alpha"), (promotion.Reason, promotion.Subject));
        Assert.Equal(("ledger.conflict", "alpha"), (conflict.Reason, conflict.Subject));
        Assert.Equal(("workflow.refused", "nope"), (workflow.Reason, workflow.Subject));
        Assert.Equal(("journal.conflict", "s"), (stream.Reason, stream.Subject));
        Assert.All(new RefusalException[] { promotion, conflict, workflow, stream }, refusal => Assert.False(string.IsNullOrWhiteSpace(refusal.Message)));
        Assert.Equal(0, journal.Store.LastSeq());
    }

    [Fact]
    public void Commit_OfASignalClaimedByAnotherProcessMeanwhile_WritesNothingAndSaysSo()
    {
        var planner = new WorkflowPlanner(journal.Store, TimeProvider.System);
        var ladder = Ladder();
        var committer = new WorkflowCommitter(journal.Store, new WorkflowEffects(journal.Store, Path.Combine(journal.Folder, "artifacts")), _ => [], _ => ladder, () => StandingDeclaration.None);
        var plan = planner.Start(ladder, "maturity-ladder:s-1", "s-1", "olga", planner.Snapshot("s-1"));

        // Another process claims the key after this plan was made.
        journal.Store.Append([new JournalEntry("other", "t", "{}")], project: (scope, events) => WorkflowCommitter.Claim(scope, "start:maturity-ladder:s-1", events[0].Seq));
        var events = journal.Store.LastSeq();

        Assert.Null(committer.Commit(plan, "start:maturity-ladder:s-1"));
        Assert.Equal(events, journal.Store.LastSeq());
        Assert.Empty(journal.Store.All(WorkflowInstance.Projection));
    }
}
