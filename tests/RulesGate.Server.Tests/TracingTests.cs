using System.Diagnostics;
using System.Net;
using OpenTelemetry.Trace;

namespace RulesGate.Server.Tests;

/// <summary>With tracing configured, a decision is traced through the gates and the journal, inside its request's span.</summary>
public sealed class TracingTests : IAsyncDisposable
{
    private readonly List<Activity> exported = [];
    private readonly RunningServer server;

    public TracingTests() => server = new RunningServer(tracing: tracer => tracer.AddInMemoryExporter(exported));

    public ValueTask DisposeAsync() => server.DisposeAsync();

    /// <summary>The spans exported so far of trace <paramref name="trace"/>: spans of other tests' servers in this process carry other traces.</summary>
    private List<Activity> Of(ActivityTraceId trace)
    {
        lock (exported)
        {
            return [.. exported.Where(span => span.TraceId == trace)];
        }
    }

    [Fact]
    public async Task ADecision_IsASpanInItsRequest_WithTheCapitalGateAndTheJournalCommitBeneath()
    {
        var trace = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions") { Content = new StringContent(RunningServer.Sample("request-oversized-buy.json"), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", server.TraderToken);
        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        using var response = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seq = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("seq").GetInt64();

        // The request's own span ends once it is answered: waited for, not slept on.
        Assert.True(SpinWait.SpinUntil(() => Of(trace).Any(span => span.Kind == ActivityKind.Server), TimeSpan.FromSeconds(30)), "the request's span was never exported");
        var spans = Of(trace);
        var http = Assert.Single(spans, span => span.Kind == ActivityKind.Server);
        var decide = Assert.Single(spans, span => span.OperationName == "rulesgate.decide");
        var gate = Assert.Single(spans, span => span.OperationName == "rulesgate.gate.capital");
        var commit = Assert.Single(spans, span => span.OperationName == "rulesgate.journal.commit");
        Assert.Equal(http.SpanId, decide.ParentSpanId);
        Assert.Equal((decide.SpanId, decide.SpanId), (gate.ParentSpanId, commit.ParentSpanId));
        Assert.Equal("MODIFY", decide.GetTagItem("rulesgate.verdict"));
        Assert.Equal("EXP-001", decide.GetTagItem("rulesgate.rules"));
        Assert.Equal(seq, decide.GetTagItem("rulesgate.seq"));
    }
}
