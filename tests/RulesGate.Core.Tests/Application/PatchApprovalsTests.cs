using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Application;
using RulesGate.Core.Patches;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Application;

/// <summary>
/// Settling a config-patch proposal is the approval workflow's activity: planned with the vote that makes the approval
/// final and written in that vote's transaction, so no crash can leave an approval given and its proposal unsettled.
/// </summary>
public sealed class PatchApprovalsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    // Every reading of the clock moves it on: two transactions never share a stamp, so one stamp means one transaction.
    private readonly FakeTimeProvider clock = new(Now) { AutoAdvanceAmount = TimeSpan.FromMilliseconds(1) };
    private readonly TempJournal journal;
    private readonly WorkflowRuntime runtime;
    private readonly WorkflowDefinition approval;

    public PatchApprovalsTests()
    {
        journal = new TempJournal(clock);
        var roles = WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml"));
        var loader = new WorkflowLoader(Compiled.Engine, roles);
        approval = loader.Load(Repo.PathOf("workflows", PatchProposer.ApprovalWorkflow + ".yaml")).Value!;
        runtime = new WorkflowRuntime(journal.Store, loader, roles, clock, Path.Combine(journal.Folder, "artifacts"), activity: PatchApprovals.Activity(journal.Store, Compiled.Engine));
        Directory.CreateDirectory(Path.GetDirectoryName(Overrides)!);
        File.WriteAllText(Overrides, "[auto_applied]\n\"portfolio.leverage\" = 1.5\n");
    }

    public void Dispose() => journal.Dispose();

    private string Overrides => Path.Combine(journal.Folder, "live", "auto.toml");

    private string Propose()
    {
        var judge = new PatchJudge(Compiled.Bundle(File.ReadAllText(Repo.PathOf("rules", "patches", "default.yaml"))));
        return new PatchProposer(judge, journal.Store, Path.Combine(journal.Folder, "no-templates"))
            .Propose([Patches.PatchJudgeTests.Patch("portfolio.leverage", 1.5, 1.75, 0.9, id: "a")], PatchMode.ManualOnly, Now, Path.Combine(journal.Folder, "out"), Overrides,
                id => runtime.Start(approval, id, "learning-loop"))
            .ProposalId!;
    }

    [Fact]
    public async Task Approval_AppliesItsProposal_InTheVotesOwnTransaction()
    {
        var proposal = Propose();
        clock.Advance(TimeSpan.FromMinutes(5));

        var voted = runtime.Vote($"{PatchProposer.ApprovalWorkflow}:{proposal}", Actor.Authenticated("raj"), "risk", approve: true, "bounds checked").Instance;

        Assert.Equal("approved", voted.State);
        var vote = Assert.Single(journal.Store.Read(type: "workflow.approved"));
        var settled = Assert.Single(journal.Store.Read(type: PatchProposer.ApprovedType));
        var applied = Assert.Single(journal.Store.Read(type: PatchProposer.AppliedType));
        // One commit: one stamp, and nothing of another transaction between the vote and what it led to.
        Assert.Equal([vote.Time], new[] { settled.Time, applied.Time }.Distinct());
        Assert.DoesNotContain(journal.Store.Read(new RulesGate.Core.Journal.EventFilter(From: vote.Seq, To: applied.Seq)), e => e.Time != vote.Time);
        Assert.Equal(("applied", "approved by raj (risk): bounds checked"), (new PatchProposals(journal.Store).Find(proposal)!.Status, new PatchProposals(journal.Store).Find(proposal)!.SettledBy));
        Assert.Equal(1.5, LiveOverrides.Applied(Overrides)["portfolio.leverage"]);      // the file is the outbox's to write, after the commit
        await runtime.Effects.RunPendingAsync();
        Assert.Equal(1.75, LiveOverrides.Applied(Overrides)["portfolio.leverage"]);
    }

    [Fact]
    public void Rejection_IsRecordedWithTheVote_AndAppliesNothing()
    {
        var proposal = Propose();

        runtime.Vote($"{PatchProposer.ApprovalWorkflow}:{proposal}", Actor.Authenticated("raj"), "risk", approve: false, "too big a step today");

        var vote = Assert.Single(journal.Store.Read(type: "workflow.rejected"));
        var rejected = Assert.Single(journal.Store.Read(type: PatchProposer.RejectedType));
        Assert.Equal(vote.Time, rejected.Time);
        Assert.Equal("rejected", new PatchProposals(journal.Store).Find(proposal)!.Status);
        Assert.Equal(1.5, LiveOverrides.Applied(Overrides)["portfolio.leverage"]);
    }
}
