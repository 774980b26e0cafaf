using System.Net;
using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;
using RulesGate.Tests.Shared;

namespace RulesGate.Core.Tests.Workflows;

/// <summary>Effects run after commit from the journaled outbox: retried, journaled when they fail, never lost to a crash.</summary>
public sealed class WorkflowEffectsTests : IDisposable
{
    private static readonly WorkflowRoles NoRoles = new(new Dictionary<string, IReadOnlySet<string>>());

    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly TempJournal journal;

    public WorkflowEffectsTests() => journal = new TempJournal(clock);

    public void Dispose() => journal.Dispose();

    private string Artifacts => Path.Combine(journal.Folder, "artifacts");

    /// <summary>Answers each request with the next status in line, and counts them.</summary>
    private sealed class Scripted(params HttpStatusCode[] answers) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(answers[Math.Min(Calls++, answers.Length - 1)]));
    }

    private static WorkflowWebhook Hook(Scripted handler, int retries = 3) =>
        new(new Uri("http://hooks.invalid/rg"), new WebhookRetry(retries, TimeSpan.FromMilliseconds(1)), handler);

    private WorkflowRuntime Runtime(WorkflowWebhook? webhook = null, int attempts = 5) =>
        new(journal.Store, new WorkflowLoader(Compiled.Engine), NoRoles, clock, Artifacts, webhook, effectRetry: new EffectRetry(attempts, TimeSpan.FromMinutes(1)));

    /// <summary>Walks a live-pipeline instance into L5_paper, whose entry notifies.</summary>
    private static void IntoPaper(WorkflowRuntime runtime)
    {
        runtime.Start(new WorkflowLoader(Compiled.Engine).Load(Repo.PathOf("workflows", "live-pipeline.yaml")).Value!, "s-1", "olga");
        string[] kinds = LivePipelineEvidence.Kinds[..5];
        string[] fields = LivePipelineEvidence.Fields[..5];
        for (var i = 0; i < kinds.Length; i++)
        {
            runtime.Evidence("s-1", kinds[i], JsonDocument.Parse(fields[i]).RootElement);
        }
    }

    private IReadOnlyList<JournalEvent> OfType(string type) => [.. journal.Store.Read(type: type)];

    [Fact]
    public async Task Notify_TransientFailures_AreRetriedUntilDelivered()
    {
        var handler = new Scripted(HttpStatusCode.ServiceUnavailable, HttpStatusCode.InternalServerError, HttpStatusCode.NoContent);
        using var hook = Hook(handler);
        var runtime = Runtime(hook);

        IntoPaper(runtime);
        Assert.Equal(1, await runtime.Effects.RunPendingAsync());

        Assert.Equal(3, handler.Calls);
        Assert.Single(OfType(WorkflowEffects.DoneType));
        Assert.Empty(OfType("workflow.webhook_failed"));
        Assert.Empty(journal.Store.All(WorkflowEffects.Outbox));
        Assert.True(JournalVerifier.Verify(journal.Store).Intact, JournalVerifier.Verify(journal.Store).Problem);
    }

    [Fact]
    public async Task Notify_FailingAfterEveryRetry_IsJournaledWithItsErrorAndTriedAgainLater_ThenIsADeadLetterUntilRetried()
    {
        var handler = new Scripted(HttpStatusCode.BadGateway);
        using var hook = Hook(handler, retries: 2);
        var runtime = Runtime(hook, attempts: 2);

        IntoPaper(runtime);
        Assert.Equal(1, await runtime.Effects.RunPendingAsync());

        Assert.Equal(3, handler.Calls);
        var failed = JsonDocument.Parse(Assert.Single(OfType("workflow.webhook_failed")).Payload).RootElement;
        Assert.Equal("Paper burn-in started.", failed.GetProperty("text").GetString());
        Assert.Equal("http://hooks.invalid/rg", failed.GetProperty("url").GetString());
        Assert.Contains("502", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal((1, "2026-11-02T09:01:00.0000000Z", false), (failed.GetProperty("attempt").GetInt32(), failed.GetProperty("retry_at").GetString(), failed.GetProperty("dead_letter").GetBoolean()));
        Assert.Equal("L5_paper", runtime.Find("live-pipeline:s-1")!.State);
        var waiting = Assert.Single(runtime.Effects.Pending());
        Assert.Equal((1, clock.GetUtcNow().AddMinutes(1)), (waiting.Attempts, waiting.RetryAt));

        // Not due yet: nothing runs. Due: the second attempt fails too, and the attempts are spent.
        Assert.Equal(0, await runtime.Effects.RunPendingAsync());
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await runtime.Effects.RunPendingAsync());
        Assert.Equal(6, handler.Calls);
        Assert.Empty(runtime.Effects.Pending());
        var dead = Assert.Single(runtime.Effects.Dead());
        Assert.Equal(2, dead.Attempts);
        Assert.Contains("502", dead.Error, StringComparison.Ordinal);
        Assert.True(JsonDocument.Parse(OfType("workflow.webhook_failed")[^1].Payload).RootElement.GetProperty("dead_letter").GetBoolean());

        // Retried by someone, it runs again from the first attempt: delivered this time.
        runtime.Effects.Retry(dead.Seq, "ops", "webhook back");
        using var working = Hook(new Scripted(HttpStatusCode.NoContent));
        Assert.Equal(1, await Runtime(working).Effects.RunPendingAsync());
        Assert.Empty(runtime.Effects.Dead());
        Assert.Empty(runtime.Effects.Pending());
        Assert.Single(OfType(WorkflowEffects.RetriedType));
        Assert.Single(OfType(WorkflowEffects.DoneType));
        Assert.True(JournalVerifier.Verify(journal.Store).Intact, JournalVerifier.Verify(journal.Store).Problem);
    }

    [Fact]
    public async Task Effect_DoneButNotClosedBeforeACrash_IsNotDoneTwice()
    {
        var runtime = Runtime();
        var instance = runtime.Start(new WorkflowLoader(Compiled.Engine).Load(Repo.PathOf("workflows", "live-pipeline.yaml")).Value!, "s-1", "olga");
        var log = new WorkflowEffect.Log("""{"policy_id":"s-1"}""");
        journal.Store.Append([WorkflowEffects.Event(instance, log)], project: (scope, events) => WorkflowEffects.Enqueue(scope, events[0], instance, log));
        var pending = Assert.Single(runtime.Effects.Pending());

        // The line is appended, then the process dies before the effect is closed: the next run finds it logged.
        Assert.Null(await runtime.Effects.ExecuteAsync(runtime.Effects.Prepare(pending), CancellationToken.None));
        Assert.Equal(1, await runtime.Effects.RunPendingAsync());

        Assert.Equal(["""{"policy_id":"s-1"}"""], File.ReadAllLines(Path.Combine(Artifacts, "governance", "policy_promotions.log")));
        Assert.Empty(runtime.Effects.Pending());
    }

    [Fact]
    public async Task Notify_ClientError_IsNotRetried()
    {
        var handler = new Scripted(HttpStatusCode.BadRequest);
        using var hook = Hook(handler);
        var runtime = Runtime(hook);

        IntoPaper(runtime);
        await runtime.Effects.RunPendingAsync();

        Assert.Equal(1, handler.Calls);
        Assert.Single(OfType("workflow.webhook_failed"));
    }

    [Fact]
    public async Task Effects_AreNeverRunByTheSignal_TheyWaitInTheOutboxAcrossARestart_ThenRunOnce()
    {
        var handler = new Scripted(HttpStatusCode.NoContent);
        using var hook = Hook(handler);
        IntoPaper(Runtime(hook));

        // The transition is durable; its notice is journaled and pending, not yet posted: the runtime runs no effect itself.
        Assert.Equal(0, handler.Calls);
        var pending = Assert.Single(Runtime(hook).Effects.Pending());
        Assert.Equal(new WorkflowEffect.Notify("Paper burn-in started."), pending.Effect);
        Assert.Single(OfType(WorkflowEffects.EffectType));
        Assert.True(JournalVerifier.Verify(journal.Store).Intact, JournalVerifier.Verify(journal.Store).Problem);

        // A new process: its dispatcher finds the effect and runs it, once.
        var restarted = Runtime(hook);
        Assert.Equal(1, await restarted.Effects.RunPendingAsync());
        Assert.Equal(0, await restarted.Effects.RunPendingAsync());

        Assert.Equal(1, handler.Calls);
        Assert.Empty(restarted.Effects.Pending());
        Assert.True(JournalVerifier.Verify(journal.Store).Intact, JournalVerifier.Verify(journal.Store).Problem);
    }

    [Fact]
    public async Task Cancelled_LeavesEveryEffectPendingAndJournalsNothing()
    {
        var handler = new Scripted(HttpStatusCode.NoContent);
        using var hook = Hook(handler);
        var runtime = Runtime(hook);
        IntoPaper(runtime);
        var events = journal.Store.LastSeq();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runtime.Effects.RunPendingAsync(cancellation: cancelled.Token));

        Assert.Equal(0, handler.Calls);
        Assert.Equal(events, journal.Store.LastSeq());
        Assert.Single(runtime.Effects.Pending());
    }

    [Fact]
    public async Task Render_ThatCannotBeWritten_IsJournaledAndTheTransitionStands()
    {
        // The artifacts "journal.Folder" is a file: nothing can be rendered under it.
        File.WriteAllText(Artifacts, "not a journal.Folder");
        var runtime = Runtime();
        var instance = runtime.Start(new WorkflowLoader(Compiled.Engine).Load(Repo.PathOf("workflows", "live-pipeline.yaml")).Value!, "s-1", "olga");
        var render = new WorkflowEffect.Render("promotion_summary.md.sbn", instance.State);
        journal.Store.Append([WorkflowEffects.Event(instance, render)], project: (scope, events) => WorkflowEffects.Enqueue(scope, events[0], instance, render));

        Assert.Equal(1, await runtime.Effects.RunPendingAsync());

        var failed = JsonDocument.Parse(Assert.Single(OfType("workflow.render_failed")).Payload).RootElement;
        Assert.Equal(("promotion_summary.md.sbn", instance.Id), (failed.GetProperty("template").GetString(), failed.GetProperty("instance").GetString()));
        Assert.Equal(1, Assert.Single(runtime.Effects.Pending()).Attempts);
        Assert.Equal(instance.State, runtime.Find(instance.Id)!.State);
        Assert.True(JournalVerifier.Verify(journal.Store).Intact, JournalVerifier.Verify(journal.Store).Problem);
    }
}
