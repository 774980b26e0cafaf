using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Rules;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Application;

/// <summary>
/// A proposed rule change: assessed before anyone votes (its checklist holds its impact and diff), approved by a quorum
/// that never counts its proposer, and put live no earlier than the time its proposal names, and never over a newer version.
/// </summary>
public sealed class RuleChangesTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider clock = new(Now) { AutoAdvanceAmount = TimeSpan.FromMilliseconds(1) };
    private readonly TempJournal journal;
    private readonly WorkflowRuntime runtime;
    private readonly WorkflowDefinition workflow;
    private readonly RuleBundle live = Policy(1, "0.10");

    public RuleChangesTests()
    {
        journal = new TempJournal(clock);
        var roles = WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml"));
        var loader = new WorkflowLoader(Compiled.Engine, roles);
        workflow = loader.Load(Repo.PathOf("workflows", RuleChanges.Workflow + ".yaml")).Value!;
        runtime = new WorkflowRuntime(journal.Store, loader, roles, clock, Artifacts, activity: RuleChanges.Activity(journal.Store));
    }

    public void Dispose() => journal.Dispose();

    private string Artifacts => Path.Combine(journal.Folder, "artifacts");

    /// <summary>The standard capital policy at <paramref name="version"/>, its position cap <paramref name="cap"/> of equity.</summary>
    private static RuleBundle Policy(int version, string cap) => Compiled.Bundle(File.ReadAllText(Repo.PathOf("rules", "capital", "default.yaml"))
        .Replace("version: 1", $"version: {version}", StringComparison.Ordinal)
        .Replace("max_position_pct: 0.10 ", $"max_position_pct: {cap} ", StringComparison.Ordinal));

    private RuleChangeRecord Propose(RuleBundle candidate, string requester, DateTimeOffset? liveAt = null)
    {
        var assessment = RuleChangeAssessment.Of(journal.Store, Compiled.Engine, live, candidate, clock.GetUtcNow());
        var (record, fresh) = RuleChanges.Propose(journal.Store, new RuleChangeProposal(candidate, "rules/capital/default.yaml", live.Identity, requester, liveAt, assessment), Artifacts, Path.Combine(journal.Folder, "no-templates"));
        Assert.True(fresh);
        runtime.Start(workflow, record.Subject, requester);
        return record;
    }

    private void Approve(RuleChangeRecord record, params string[] approvers)
    {
        foreach (var approver in approvers)
        {
            runtime.Vote($"{RuleChanges.Workflow}:{record.Subject}", Actor.Authenticated(approver), "risk", approve: true, "checklist read");
        }
    }

    /// <summary>Journals buys of <paramref name="quantities"/> MSFT (at 400, on 100,000 of equity) as the live file decides them.</summary>
    private void Decide(params double[] quantities)
    {
        var gate = new CapitalGate(live);
        foreach (var (qty, i) in quantities.Select((qty, i) => (qty, i)))
        {
            var context = Some.Context(Some.Intent(qty: qty) with { IntentId = $"o-{i}" });
            GateJournal.Record(journal.Store, gate, context, gate.Decide(context), runId: null);
        }
    }

    [Fact]
    public void ItsProposer_NeverApprovesIt()
    {
        var record = Propose(Policy(2, "0.50"), "rhea");

        var refused = Assert.Throws<WorkflowRefusedException>(() => Approve(record, "rhea"));

        Assert.Contains("rhea", refused.Message, StringComparison.Ordinal);
        Assert.Equal("proposed", RuleChanges.Find(journal.Store, record.Subject)!.Status);
    }

    [Fact]
    public async Task ItsChecklist_HoldsItsImpactOnHistory_AndWhereTheFilesDiffer()
    {
        Decide(10, 50, 75);      // 4%, 20% and 30% of equity: the first passes both caps, the others only the looser one
        clock.Advance(TimeSpan.FromMinutes(1));

        var record = Propose(Policy(2, "0.50"), "olga");
        await runtime.Effects.RunPendingAsync();

        Assert.Equal(Path.Combine(Artifacts, "rule-changes", $"{record.Subject}.md"), record.Checklist);
        var checklist = File.ReadAllText(record.Checklist!);
        Assert.Contains("| 1 | Its impact on history", checklist, StringComparison.Ordinal);
        Assert.Contains("3 judged, 2 change (66.67%)", checklist, StringComparison.Ordinal);
        Assert.Contains("| `MODIFY → ALLOW` | 2 |", checklist, StringComparison.Ordinal);
        Assert.Contains("| `buy ACME (base)` | `intent.qty` |", checklist, StringComparison.Ordinal);
        Assert.StartsWith("impact: 2 of 3 decisions of the 7 days before it change (MODIFY → ALLOW 2)", record.Assessed, StringComparison.Ordinal);
        Assert.Contains("diff: ", record.Assessed, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutHistory_ItsChecklistSaysTheImpactIsUnknown_NotNil()
    {
        var record = Propose(Policy(2, "0.50"), "olga");
        var written = runtime.Effects.Prepare(runtime.Effects.Pending().Single(pending => pending.Instance == record.Subject));

        var text = Assert.IsType<EffectJob.Replace>(written).Bytes;
        var checklist = System.Text.Encoding.UTF8.GetString(text);
        Assert.Contains("0 judged, 0 change (-)", checklist, StringComparison.Ordinal);
        Assert.Contains("| ✗ |", checklist, StringComparison.Ordinal);
        Assert.Contains("the impact on history is unknown, not nil", checklist, StringComparison.Ordinal);
    }

    [Fact]
    public void Approved_ItWaitsForTheTimeItsProposalNames()
    {
        var at = Now + TimeSpan.FromHours(2);
        var record = Propose(Policy(2, "0.50"), "olga", at);

        Approve(record, "rhea", "raj");

        Assert.Equal("approved", RuleChanges.Find(journal.Store, record.Subject)!.Status);
        Assert.Empty(RuleChanges.Approved(journal.Store, at - TimeSpan.FromSeconds(1)));
        Assert.Equal(at, RuleChanges.NextLive(journal.Store));
        var due = Assert.Single(RuleChanges.Approved(journal.Store, at));
        Assert.Equal(record.Subject, due.Record.Subject);
        Assert.Equal(RuleChanges.Find(journal.Store, record.Subject)!.Sha256, AtomicFile.Hash(due.Bytes));
    }

    [Fact]
    public void AnApprovedChange_NotNewerThanTheLiveFile_IsSuperseded_NeverPutLive()
    {
        var (first, second) = (Policy(2, "0.50"), Policy(2, "0.20"));   // one version, two contents
        var record = Propose(second, "olga");
        Approve(record, "rhea", "raj");

        Assert.Null(RuleChanges.Stale(record, live));
        var stale = RuleChanges.Stale(RuleChanges.Find(journal.Store, record.Subject)!, first);
        Assert.NotNull(stale);
        journal.Store.Append([stale.Entry], null, (scope, appended) => stale.Project(scope, appended[0]));

        var settled = RuleChanges.Find(journal.Store, record.Subject)!;
        Assert.Equal("superseded", settled.Status);
        Assert.Contains($"{first.Identity} went live first", settled.SettledBy, StringComparison.Ordinal);
        Assert.Empty(RuleChanges.Approved(journal.Store, Now + TimeSpan.FromDays(1)));
    }
}
