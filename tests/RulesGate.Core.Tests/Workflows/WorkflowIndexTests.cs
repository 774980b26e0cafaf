using RulesGate.Core.Journal;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Workflows;

/// <summary>
/// Instances by subject and timers by due time, answered through an index written with each instance: the same
/// answers as reading every instance, on a new journal and on one made before the index, which its first workflow
/// commit indexes whole.
/// </summary>
public sealed class WorkflowIndexTests : IDisposable
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly TempJournal journal;
    private readonly WorkflowRuntime runtime;
    private readonly WorkflowDefinition approval = new WorkflowLoader(Compiled.Engine).Load(Repo.PathOf("workflows", "config-patch-approval.yaml")).Value!;

    public WorkflowIndexTests()
    {
        journal = new TempJournal(clock);
        runtime = new WorkflowRuntime(journal.Store, new WorkflowLoader(Compiled.Engine), WorkflowRoles.None, clock);
    }

    public void Dispose() => journal.Dispose();

    private static IEnumerable<string> Ids(IEnumerable<WorkflowInstance> instances) => instances.Select(instance => instance.Id);

    [Fact]
    public void AboutAndDue_AnswerAsReadingEveryInstanceWould()
    {
        runtime.Start(approval, "p-1", "olga");
        clock.Advance(TimeSpan.FromHours(1));
        runtime.Start(approval, "p-2", "olga");
        runtime.Start(approval, "p-1", "olga", key: "second");

        Assert.True(WorkflowIndex.Ready(journal.Store));
        Assert.Equal(["config-patch-approval:p-1", "config-patch-approval:p-1:second"], Ids(runtime.About("p-1")));
        Assert.Empty(runtime.About("p-"));
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 9, 0, 0, TimeSpan.Zero), runtime.NextDue());
        Assert.Equal(["config-patch-approval:p-1"], Ids(runtime.DueBy(new DateTimeOffset(2026, 11, 4, 9, 30, 0, TimeSpan.Zero))));

        // Fired, its timer is gone from the index; the others stay, earliest first (the same time: by id).
        Assert.Single(runtime.Tick(new DateTimeOffset(2026, 11, 4, 9, 30, 0, TimeSpan.Zero)));
        Assert.Equal(["config-patch-approval:p-1:second", "config-patch-approval:p-2"], Ids(runtime.DueBy(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero))));
        Assert.True(JournalVerifier.Verify(journal.Store).Intact, JournalVerifier.Verify(journal.Store).Problem);
    }

    [Fact]
    public void AJournalMadeBeforeTheIndex_IsReadWhole_ThenIndexedWholeByItsFirstCommit()
    {
        runtime.Start(approval, "p-1", "olga");
        runtime.Start(approval, "p-2", "olga");
        // As a journal written before the index was: the instances and no index.
        journal.Store.Append([new JournalEntry("test", "test.unindexed", "{}")], project: (scope, events) =>
        {
            foreach (var projection in new[] { WorkflowIndex.BySubject, WorkflowIndex.ByDue, WorkflowIndex.ByWait, WorkflowIndex.Marker })
            {
                foreach (var document in journal.Store.All(projection))
                {
                    scope.Delete(projection, document.Id, events[0].Seq);
                }
            }
        });

        Assert.False(WorkflowIndex.Ready(journal.Store));
        Assert.Equal(["config-patch-approval:p-2"], Ids(runtime.About("p-2")));

        runtime.Start(approval, "p-3", "olga");

        Assert.True(WorkflowIndex.Ready(journal.Store));
        Assert.Equal(3, journal.Store.All(WorkflowIndex.BySubject).Count);
        Assert.Equal(3, journal.Store.All(WorkflowIndex.ByDue).Count);
        Assert.Equal(3, runtime.AwaitingApproval());
        Assert.Equal(["config-patch-approval:p-1"], Ids(runtime.About("p-1")));
        Assert.True(JournalVerifier.Verify(journal.Store).Intact, JournalVerifier.Verify(journal.Store).Problem);
    }

    [Fact]
    public void Waiting_IsKeptAsInstancesMove_AndAJournalIndexedBeforeItIsIndexedAgain()
    {
        runtime.Start(approval, "p-1", "olga");
        runtime.Start(approval, "p-2", "olga");
        Assert.Equal(2, runtime.AwaitingApproval());
        Assert.Equal(["config-patch-approval:p-1", "config-patch-approval:p-2"], Ids(runtime.Waiting("approval")));

        // Its timeout fires: escalated, it still waits for an approval (of the escalation's role), its timer moved on.
        runtime.Tick(new DateTimeOffset(2026, 11, 4, 9, 30, 0, TimeSpan.Zero));
        Assert.Equal(Ids(runtime.List().Where(instance => runtime.Bookmarks(instance).Contains("approval")).OrderBy(instance => instance.Id, StringComparer.Ordinal)), Ids(runtime.Waiting("approval")));
        Assert.Equal(Ids(runtime.List().Where(instance => instance.Due is not null).OrderBy(instance => instance.Id, StringComparer.Ordinal)), Ids(runtime.Waiting("timer")));

        // As a journal indexed before instances were indexed by what they wait for: marker 1, no by_wait.
        journal.Store.Append([new JournalEntry("test", "test.v1", "{}")], project: (scope, events) =>
        {
            foreach (var document in journal.Store.All(WorkflowIndex.ByWait))
            {
                scope.Delete(WorkflowIndex.ByWait, document.Id, events[0].Seq);
            }

            scope.Store(WorkflowIndex.Marker, "", "1", events[0].Seq);
        });
        Assert.False(WorkflowIndex.Ready(journal.Store));
        Assert.Equal(2, runtime.AwaitingApproval());           // read whole meanwhile

        runtime.Start(approval, "p-3", "olga");

        Assert.True(WorkflowIndex.Ready(journal.Store));
        Assert.Equal(3, runtime.AwaitingApproval());
        Assert.True(JournalVerifier.Verify(journal.Store).Intact, JournalVerifier.Verify(journal.Store).Problem);
    }
}
