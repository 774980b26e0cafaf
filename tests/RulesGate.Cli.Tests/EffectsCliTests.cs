using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Journal;
using RulesGate.Core.Workflows;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>An effect that fails says so where people look: the command's output, <c>workflow show</c>, <c>effects list</c>; its attempts spent, it is a dead letter until retried.</summary>
public sealed class EffectsCliTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-effects-").FullName;

    public EffectsCliTests() => SqliteJournal.Create(Journal).Dispose();

    private string Journal => Path.Combine(folder, "journal.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private (int Exit, string Out, string Err) Run(params string[] args) => CliTests.Run([.. args, "--journal", Journal]);

    [Fact]
    public void ARenderThatFails_IsShownWithItsError_ThenIsADeadLetter_UntilRetried()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        using var machine = RunClock.UseMachine(clock);
        const string instance = "config-patch-approval:proposal-1";
        Assert.Equal(0, Run("workflow", "start", "--workflow", "config-patch-approval", "--subject", "proposal-1", "--actor", "olga").Exit);
        using (var store = SqliteJournal.Open(Journal))
        {
            // A render whose template is not there: what a workflow edited to name a missing template leaves behind.
            var started = WorkflowInstance.Of(store.Load(WorkflowInstance.Projection, instance)!);
            var render = new WorkflowEffect.Render("missing.md.sbn", started.State);
            store.Append([WorkflowEffects.Event(started, render)], project: (scope, events) => WorkflowEffects.Enqueue(scope, events[0], started, render));
        }

        var first = Run("effects", "run");
        var listed = Run("effects", "list");
        var shown = Run("workflow", "show", "--instance", instance);

        Assert.Equal(1, first.Exit);
        Assert.Matches(@"^effect \d+ of config-patch-approval:proposal-1: render missing\.md\.sbn for review: failed 1 time \(.*missing\.md\.sbn.*\); next attempt 2026-12-01T09:00:30\.0000000Z\n1 effect ran; 1 failing, 0 dead letters\.\n$", first.Out);
        Assert.EndsWith("1 pending, 0 dead letters.\n", listed.Out, StringComparison.Ordinal);
        Assert.Contains("render missing.md.sbn for review: failed 1 time", shown.Out, StringComparison.Ordinal);

        // Not due: nothing runs. Each due attempt fails, until the attempts are spent.
        Assert.EndsWith("0 effects ran; 1 failing, 0 dead letters.\n", Run("effects", "run").Out, StringComparison.Ordinal);
        for (var attempt = 2; attempt <= 5; attempt++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            Run("effects", "run");
        }

        var dead = Run("effects", "list");
        Assert.Matches(@"render missing\.md\.sbn for review: DEAD LETTER after 5 attempts: .*\n0 pending, 1 dead letter; retry one with 'rulesgate effects retry", dead.Out);
        Assert.Contains("DEAD LETTER after 5 attempts", Run("workflow", "show", "--instance", instance).Out, StringComparison.Ordinal);

        var seq = System.Text.RegularExpressions.Regex.Match(dead.Out, @"^effect (\d+)").Groups[1].Value;
        var retried = Run("effects", "retry", "--effect", seq, "--actor", "ops", "--reason", "template restored");
        var nothing = Run("effects", "retry", "--effect", "999999", "--actor", "ops", "--reason", "typo");

        Assert.Equal(1, retried.Exit);
        Assert.StartsWith($"Effect {seq}: failed again; effect {seq} of {instance}: render missing.md.sbn for review: failed 1 time", retried.Out, StringComparison.Ordinal);
        Assert.Equal((2, "rulesgate: There is no dead letter 999999; 'rulesgate effects list' shows them.\n"), (nothing.Exit, nothing.Err));
        Assert.Equal(0, Run("journal", "verify").Exit);
    }

    [Fact]
    public void ACommandThatMovesAnInstance_RunsItsEffectsBeforeItEnds_AndNamesEachThatDidNotRun()
    {
        // A workflow that renders as it starts, run where nothing can be rendered: 'artifacts' is a file.
        Directory.CreateDirectory(Path.Combine(folder, "wf"));
        File.WriteAllText(Path.Combine(folder, "wf", "drain.yaml"), """
            apiVersion: rulesgate/v1
            kind: Workflow
            metadata:
              id: drain-check
              version: 1
              description: renders its summary as it starts.
            subject: policy
            initial: started
            states:
              started:
                on_entry:
                  - render: promotion_summary.md.sbn
                after:
                  duration: P1D
                  to: done
              done:
                final: true
            """);
        File.WriteAllText(Path.Combine(folder, "artifacts"), "not a folder");

        var started = CliTests.RunIn(folder, null, "workflow", "start", "--workflow", "drain-check", "--subject", "p1", "--actor", "olga", "--workflows", "wf", "--journal", Journal);
        var listed = Run("effects", "list");

        Assert.Equal((0, "drain-check:p1: drain-check@1"), (started.Exit, started.Out[..29]));
        Assert.Matches(@"^rulesgate: not done: effect \d+ of drain-check:p1: render promotion_summary\.md\.sbn for started: failed 1 time \(.+\); next attempt .+\. 'rulesgate effects run' tries again; a server does by itself\.\n$", started.Err);
        Assert.EndsWith("1 pending, 0 dead letters.\n", listed.Out, StringComparison.Ordinal);
        Assert.Contains("failed 1 time", listed.Out, StringComparison.Ordinal);
    }
}
