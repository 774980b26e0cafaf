using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Workflows;
using RulesGate.Tests.Shared;

namespace RulesGate.Server.Tests;

/// <summary>
/// The service runs the governance process by itself: its timers fire without <c>workflow tick</c>, and the effects
/// of a transition run beside the journal's writer, so a webhook that never answers holds up no order.
/// </summary>
public sealed class WorkflowBackgroundTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Serve_FiresAnApprovalTimeout_WhenItIsDue()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var server = new RunningServer(time: clock);
        var started = await server.Post("/v1/instances", """{"workflow": "config-patch-approval", "subject": "proposal-9"}""", server.RheaToken);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        using (var before = await server.Get("/metrics", null))
        {
            Assert.Contains("rulesgate_approvals_overdue 0", await before.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Two days on, nobody has answered: the server escalates to the risk lead by itself. The background may be
        // setting its next wait on this fake clock just as it jumps: each look moves it on a little, so a wait set after
        // the jump ends too (the server's longest wait is 30 s).
        clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));
        Assert.True(SpinWait.SpinUntil(() =>
        {
            if (server.Journal.Read(type: "workflow.escalated").Any())
            {
                return true;
            }

            clock.Advance(TimeSpan.FromSeconds(1));
            return false;
        }, Patience), "no escalation after the timeout was due");

        var escalated = server.Journal.Read(type: "workflow.escalated").Single();
        Assert.Equal("workflow:config-patch-approval:proposal-9", escalated.Stream);
        using var metrics = await server.Get("/metrics", null);
        var scraped = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("rulesgate_workflow_timers_fired_total 1", scraped, StringComparison.Ordinal);
        Assert.Contains("rulesgate_approvals_overdue 1", scraped, StringComparison.Ordinal);     // escalated, and still unanswered
    }

    [Fact]
    public async Task Serve_AHungWebhook_HoldsUpNoDecision_AndItsNoticeIsDeliveredLater()
    {
        var hung = new Hung();
        using var webhook = new WorkflowWebhook(new Uri("http://hooks.invalid/rg"), new WebhookRetry(0, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)), hung);
        await using var server = new RunningServer(webhook: webhook);

        try
        {
            // live-pipeline's L5_paper notifies on entry: walk an instance there.
            (await server.Post("/v1/instances", """{"workflow": "live-pipeline", "subject": "s-1"}""", server.RheaToken)).EnsureSuccessStatusCode();
            string[] kinds = LivePipelineEvidence.Kinds[..5];
            string[] fields = LivePipelineEvidence.Fields[..5];
            for (var i = 0; i < kinds.Length; i++)
            {
                // Within the patience: were the notice posted on the writer, the evidence that causes it would wait for the webhook.
                (await server.Post("/v1/evidence", $$"""{"subject": "s-1", "kind": "{{kinds[i]}}", "evidence": {{fields[i]}}}""", server.AutomationToken).WaitAsync(Patience)).EnsureSuccessStatusCode();
            }

            // The notice is being posted, and the webhook does not answer.
            await hung.Called.Task.WaitAsync(Patience);

            // An order is judged and journaled meanwhile: the effect does not hold the writer.
            var decided = await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken).WaitAsync(Patience);
            Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
            Assert.False(hung.Answer.Task.IsCompleted);

            // The webhook answers at last: the notice is closed as delivered.
            hung.Answer.SetResult();
            Assert.True(SpinWait.SpinUntil(() => server.Journal.Read(type: WorkflowEffects.DoneType).Any(), Patience), "the delivered notice was never closed");
        }
        finally
        {
            hung.Answer.TrySetResult();     // a failing run must not leave the server waiting on the webhook as it stops
        }
    }

    /// <summary>A webhook that takes every notice and answers only when told to.</summary>
    private sealed class Hung : HttpMessageHandler
    {
        public TaskCompletionSource Called { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Called.TrySetResult();
            await Answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        }
    }

    [Fact]
    public async Task Serve_ACanaryComponentThatStopsReporting_FailsItsChecks_AndTripsTheKillSwitch()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var server = new RunningServer(time: clock, governanceEdit: policy => policy.Replace("    failure_threshold: 3 ", "    report_every_seconds: 30\n    failure_threshold: 3 ", StringComparison.Ordinal));
        var reported = await server.Post("/v1/canary", """{"component": "exchange", "ok": true}""", server.AutomationToken);
        Assert.Equal(HttpStatusCode.OK, reported.StatusCode);

        // The exchange says nothing more: the server's watchdog counts each interval it misses as a failed check.
        Assert.True(SpinWait.SpinUntil(() =>
        {
            clock.Advance(TimeSpan.FromSeconds(8));
            return server.Journal.Read(type: GateJournal.TrippedType).Any();
        }, Patience), "the silent component never tripped the kill switch");

        var checks = server.Journal.Read(type: CanaryMonitor.CheckType).Skip(1).Take(3).ToList();
        Assert.All(checks, check => Assert.Contains("no report for", check.Payload, StringComparison.Ordinal));
        Assert.Contains("Canary: exchange failed 3 checks", server.Journal.Read(type: GateJournal.TrippedType).Single().Payload, StringComparison.Ordinal);
        using var killSwitch = await server.Get("/v1/killswitch", server.ReaderToken);
        Assert.Contains("\"active\":true", await killSwitch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var decided = await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken);
        Assert.Contains("\"DENY\"", await decided.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
