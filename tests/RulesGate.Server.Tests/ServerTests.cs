using System.Net;
using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;

namespace RulesGate.Server.Tests;

/// <summary><c>rulesgate serve</c> over real HTTP: PolicyGate's endpoints as its clients know them, and /v1/decisions journaled before it answers.</summary>
public sealed class ServerTests : IDisposable
{
    private readonly RunningServer server = new();

    public void Dispose() => server.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static string Intent(string id = "test-001", string symbol = "NVDA", int qty = 10) =>
        $$"""{"intent_id": "{{id}}", "timestamp": "2026-11-20T14:30:05Z", "strategy_id": "momentum", "account_id": "DESK-1", "instrument": {"symbol": "{{symbol}}", "asset_class": "equity"}, "side": "buy", "order_type": "market", "qty": {{qty}}}""";

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task EveryEndpoint_WithoutAValidToken_Is401_AsPolicyGateSaysIt()
    {
        var none = await server.Get("/health", token: null);
        var wrong = await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), token: "rg_guessed");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("unauthorized", (await Json(none)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType!.MediaType);
        Assert.Empty(server.Journal.Read());
    }

    [Fact]
    public async Task Health_SaysWhatPolicyGateSays()
    {
        var health = await Json(await server.Get("/health", server.ReaderToken));

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("serve-test", health.GetProperty("run_id").GetString());
        Assert.Equal(64, health.GetProperty("policy_hash").GetString()!.Length);
        Assert.Equal(5, health.GetProperty("positions_count").GetInt32());
        Assert.False(health.GetProperty("kill_switch_active").GetBoolean());
        Assert.Equal(0, health.GetProperty("orders_last_60s_global").GetInt32());
    }

    [Fact]
    public async Task Intent_AllowsDeniesAndEvolvesTheStream_AsPolicyGateDoes()
    {
        var allowed = await Json(await server.Post("/intent", $$"""{"intent": {{Intent()}}}""", server.TraderToken));
        var unpriced = await Json(await server.Post("/intent", $$"""{"intent": {{Intent("test-002", "TSLA")}}}""", server.TraderToken));
        var market = """{"timestamp": "2026-11-20T14:30:00Z", "prices": {"TSLA": 400.0, "NVDA": 480.25}}""";
        var priced = await Json(await server.Post("/intent", $$"""{"intent": {{Intent("test-003", "TSLA")}}, "market_snapshot": {{market}} }""", server.TraderToken));
        var health = await Json(await server.Get("/health", server.TraderToken));

        Assert.Equal("ALLOW", allowed.GetProperty("decision").GetString());
        Assert.Equal("test-001", allowed.GetProperty("intent_id").GetString());
        Assert.True(allowed.GetProperty("eval_ms").GetDouble() >= 0);
        Assert.Equal("DENY", unpriced.GetProperty("decision").GetString());
        Assert.Contains(unpriced.GetProperty("violations").EnumerateArray(), violation => violation.GetProperty("rule_id").GetString() == "SYS-001");
        Assert.Equal("ALLOW", priced.GetProperty("decision").GetString());
        Assert.Equal(6, health.GetProperty("positions_count").GetInt32());   // NVDA joined the five sample positions
        Assert.Equal(2, health.GetProperty("orders_last_60s_global").GetInt32());
        Assert.Equal(3, server.Journal.Read("run:serve-test", GateJournal.DecisionType).Count());
    }

    [Theory]
    [InlineData("/intent", "not json", "application/json", "invalid_json")]
    [InlineData("/intent", """{"market_snapshot": null}""", "application/json", "invalid_json")]
    [InlineData("/intent", """{"intent": {"intent_id": "x"}}""", "application/json", "invalid_json")]
    [InlineData("/intent", """{"intent": {}}""", "text/plain", "invalid_content_type")]
    [InlineData("/intent", """{"intent": {}, "intent": {}}""", "application/json", "invalid_json")]
    public async Task Intent_BadBodies_Are400WithPolicyGatesCodes_AndJournalNothing(string path, string body, string type, string code)
    {
        var response = await server.Post(path, body, server.TraderToken, type);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (await Json(response)).GetProperty("error").GetString());
        Assert.Empty(server.Journal.Read());
    }

    [Theory]
    [InlineData("/v1/decisions", "\\ud800", "escapes half a character")]
    [InlineData("/v1/decisions", "\\udc00x", "escapes half a character")]
    [InlineData("/intent", "\\ud800", "escapes half a character")]
    [InlineData("/v1/decisions", "\xff", "not valid UTF-8")]
    [InlineData("/intent", "\xc3(", "not valid UTF-8")]
    public async Task Bodies_WithMalformedText_Are400NamingIt_AndJournalNothing(string path, string symbol, string problem)
    {
        var text = RunningServer.Sample("request-oversized-buy.json").Replace("\"MSFT\"", $"\"{symbol}\"", StringComparison.Ordinal);
        var bytes = System.Text.Encoding.Latin1.GetBytes(text);   // one byte per char: \xff stays the byte 0xFF
        var batch = System.Text.Encoding.Latin1.GetBytes("{\"requests\": [" + text + "]}");
        using var single = new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } };
        using var many = new ByteArrayContent(batch) { Headers = { ContentType = new("application/json") } };
        using var one = new HttpRequestMessage(HttpMethod.Post, path) { Content = single };
        using var all = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions:batch") { Content = many };
        one.Headers.Authorization = all.Headers.Authorization = new("Bearer", server.TraderToken);

        var answers = new[] { await server.Client.SendAsync(one), await server.Client.SendAsync(all) };

        foreach (var answer in answers)
        {
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Contains(problem, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Empty(server.Journal.Read());
    }

    [Fact]
    public async Task Bodies_Over64KB_Are413_WithOrWithoutAContentLength()
    {
        var big = "{\"intent\": {\"padding\": \"" + new string('x', 70_000) + "\"}}";
        var declared = await server.Post("/intent", big, server.TraderToken);
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions") { Content = new PushStreamContent(big) { Headers = { ContentType = new("application/json") } } };
        chunked.Headers.Authorization = new("Bearer", server.TraderToken);
        var streamed = await server.Client.SendAsync(chunked);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal("payload_too_large", (await Json(declared)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal(413, (await Json(streamed)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Decisions_AreJournaledBeforeTheAnswer_WhichCarriesTheSequenceNumber()
    {
        var response = await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken);
        var body = await Json(response);

        var recorded = server.Journal.Event(body.GetProperty("seq").GetInt64())!;
        using var payload = JsonDocument.Parse(recorded.Payload);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(GateJournal.DecisionType, recorded.Type);
        Assert.Equal("MODIFY", body.GetProperty("decision").GetProperty("decision").GetString());
        Assert.Equal(body.GetProperty("decision").GetProperty("violations").GetRawText(), payload.RootElement.GetProperty("decision").GetProperty("violations").GetRawText());
        Assert.True(JournalVerifier.Verify(server.Journal).Intact);
    }

    [Fact]
    public async Task Decisions_SentTogether_AreEachDurableOnce_InOneChain()
    {
        var body = RunningServer.Sample("request-oversized-buy.json");

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ => await Json(await server.Post("/v1/decisions", body, server.TraderToken))));

        var seqs = answers.Select(answer => answer.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(200, seqs.Distinct().Count());
        Assert.Equal(200, server.Journal.Read(type: GateJournal.DecisionType).Count());
        Assert.All(seqs, seq => Assert.Equal(GateJournal.DecisionType, server.Journal.Event(seq)!.Type));
        Assert.True(JournalVerifier.Verify(server.Journal).Intact);
    }

    [Fact]
    public async Task Batch_JudgesInOrder_JournalsAll_AndATripLatchesTheRequestsAfterIt()
    {
        var normal = RunningServer.Sample("request-oversized-buy.json");
        var crash = normal.Replace("\"peak_equity\": 104000", "\"peak_equity\": 200000", StringComparison.Ordinal);

        var response = await server.Post("/v1/decisions:batch", $$"""{"requests": [{{normal}}, {{crash}}, {{normal}}]}""", server.TraderToken);
        var decisions = (await Json(response)).GetProperty("decisions").EnumerateArray().ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, decisions.Count);
        Assert.Equal(decisions.Select(d => d.GetProperty("seq").GetInt64()).Order(), decisions.Select(d => d.GetProperty("seq").GetInt64()));
        Assert.Equal("MODIFY", decisions[0].GetProperty("decision").GetProperty("decision").GetString());
        Assert.True(decisions[1].GetProperty("decision").GetProperty("kill_switch_triggered").GetBoolean());
        Assert.Contains(decisions[2].GetProperty("decision").GetProperty("violations").EnumerateArray(), violation => violation.GetProperty("rule_id").GetString() == "KILL-001");
        Assert.Equal(3, server.Journal.Read(type: GateJournal.DecisionType).Count());
        Assert.True(JournalVerifier.Verify(server.Journal).Intact);
    }

    [Theory]
    [InlineData("""{"requests": []}""", "1 to 1000 requests")]
    [InlineData("""{"requests": [REQUEST, {"intent": {}}]}""", "requests[1]")]
    [InlineData("""{"requests": [REQUEST], "extra": 1}""", "extra")]
    public async Task Batch_BadRequests_AreProblems_AndNothingIsJournaled(string body, string named)
    {
        var response = await server.Post("/v1/decisions:batch", body.Replace("REQUEST", RunningServer.Sample("request-oversized-buy.json"), StringComparison.Ordinal), server.TraderToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, (await Json(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(server.Journal.Read());
    }

    [Fact]
    public async Task Decisions_NeedTheTraderRole_AndBadRequestsAreProblems()
    {
        var reader = await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.ReaderToken);
        var bad = await server.Post("/v1/decisions", """{"intent": {}}""", server.TraderToken);

        Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        Assert.Contains("'trader'", (await Json(reader)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType!.MediaType);
        Assert.Equal("https://rulesgate.dev/problems/invalid_json", (await Json(bad)).GetProperty("type").GetString());
        Assert.Empty(server.Journal.Read());
    }

    [Fact]
    public async Task KillSwitch_TrippedByADecision_IsResetOnlyByRisk_WithThePrincipalAsTheActor()
    {
        var crash = RunningServer.Sample("request-oversized-buy.json").Replace("\"peak_equity\": 104000", "\"peak_equity\": 200000", StringComparison.Ordinal);
        var tripped = await Json(await server.Post("/v1/decisions", crash, server.TraderToken));
        var active = await Json(await server.Get("/v1/killswitch", server.ReaderToken));
        var latched = await Json(await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken));
        var byTrader = await server.Post("/v1/killswitch/reset", """{"reason": "limits reviewed"}""", server.TraderToken);
        var noReason = await server.Post("/v1/killswitch/reset", """{"reason": " "}""", server.RiskToken);
        var reset = await Json(await server.Post("/v1/killswitch/reset", """{"reason": "limits reviewed", "actor": "someone-else"}""", server.RiskToken));
        var resetRight = await server.Post("/v1/killswitch/reset", """{"reason": "limits reviewed"}""", server.RiskToken);
        var after = await Json(await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken));

        Assert.True(tripped.GetProperty("decision").GetProperty("kill_switch_triggered").GetBoolean());
        Assert.True(active.GetProperty("active").GetBoolean());
        Assert.Contains(latched.GetProperty("decision").GetProperty("violations").EnumerateArray(), violation => violation.GetProperty("rule_id").GetString() == "KILL-001");
        Assert.Equal(HttpStatusCode.Forbidden, byTrader.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal("invalid_json", reset.GetProperty("title").GetString()!.Replace(' ', '_'));   // an actor in the body is refused: the actor is who called
        Assert.Equal(HttpStatusCode.OK, resetRight.StatusCode);
        Assert.False((await Json(resetRight)).GetProperty("active").GetBoolean());
        Assert.Equal("reset by risk-officer: limits reviewed", (await Json(await server.Get("/v1/killswitch", server.ReaderToken))).GetProperty("cause").GetString());
        Assert.Equal("MODIFY", after.GetProperty("decision").GetProperty("decision").GetString());
        using var recorded = JsonDocument.Parse(server.Journal.Read(GateJournal.KillSwitchKey, GateJournal.ResetType).Single().Payload);
        Assert.Equal("risk-officer", recorded.RootElement.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task KillSwitch_TrippedByAnotherProcess_IsHonouredHereWithinMoments()
    {
        var crash = RunningServer.Sample("request-oversized-buy.json").Replace("\"peak_equity\": 104000", "\"peak_equity\": 200000", StringComparison.Ordinal);
        using (var other = Storage.Sqlite.SqliteJournal.Open(server.JournalPath))
        using (var document = JsonDocument.Parse(crash))
        {
            // Another node judges a crash into the same journal, and latches the kill switch there.
            var gate = new CapitalGate(CapitalPolicies.Load(new Core.Rules.RuleEngine(Core.BuiltInKinds.Registry), Path.Combine(RunningServer.Root, "rules", "capital", "default.yaml")).Value!);
            var context = CapitalContextJson.ReadRequest(document.RootElement);
            GateJournal.Record(other, gate, context, gate.Decide(context), runId: null);
        }

        // The latch is read again every 100 ms: within moments, the next order here is denied by it.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        JsonElement decision;
        do
        {
            decision = (await Json(await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken))).GetProperty("decision");
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the latch set elsewhere was never seen");
        }
        while (!decision.GetProperty("violations").EnumerateArray().Any(v => v.GetProperty("rule_id").GetString() == "KILL-001"));

        Assert.Equal("DENY", decision.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task KillSwitch_TrippedThroughTheApi_DeniesPolicyGatesIntents_Too()
    {
        var crash = RunningServer.Sample("request-oversized-buy.json").Replace("\"peak_equity\": 104000", "\"peak_equity\": 200000", StringComparison.Ordinal);
        await server.Post("/v1/decisions", crash, server.TraderToken);

        var before = await Json(await server.Get("/health", server.TraderToken));
        var intent = await Json(await server.Post("/intent", $$"""{"intent": {{Intent()}}}""", server.TraderToken));

        Assert.True(before.GetProperty("kill_switch_active").GetBoolean());

        Assert.Equal("DENY", intent.GetProperty("decision").GetString());
        Assert.Contains(intent.GetProperty("violations").EnumerateArray(), violation => violation.GetProperty("rule_id").GetString() == "KILL-001");
        Assert.True((await Json(await server.Get("/health", server.TraderToken))).GetProperty("kill_switch_active").GetBoolean());
        Assert.True(JournalVerifier.Verify(server.Journal).Intact);
    }

    [Fact]
    public async Task Metrics_OnLoopbackWithoutAToken_CountWhatWasDecided()
    {
        await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken);
        await server.Post("/intent", $$"""{"intent": {{Intent()}}}""", server.TraderToken);

        var response = await server.Get("/metrics", token: null);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        Assert.Contains("""rulesgate_decisions_total{verdict="MODIFY",endpoint="decisions"} 1""", text, StringComparison.Ordinal);
        Assert.Contains("""rulesgate_decisions_total{verdict="ALLOW",endpoint="intent"} 1""", text, StringComparison.Ordinal);
        Assert.Contains("""rulesgate_rule_violations_total{rule="EXP-001"} 1""", text, StringComparison.Ordinal);
        Assert.Contains("rulesgate_journal_commit_seconds_count 1", text, StringComparison.Ordinal);
        Assert.Contains("rulesgate_evaluation_seconds_count 2", text, StringComparison.Ordinal);
        Assert.Contains("rulesgate_kill_switch_active 0", text, StringComparison.Ordinal);
        var hash = (await Json(await server.Get("/health", server.ReaderToken))).GetProperty("policy_hash").GetString();
        Assert.Contains($$"""rulesgate_rule_bundle_info{id="capital-default",version="1",sha256="{{hash}}"} 1""", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\nprocess_", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPaths_Are404_InTheShapeOfTheirSide()
    {
        var policyGate = await server.Get("/nope", server.TraderToken);
        var api = await server.Get("/v1/nope", server.TraderToken);

        Assert.Equal(HttpStatusCode.NotFound, policyGate.StatusCode);
        Assert.Equal("not_found", (await Json(policyGate)).GetProperty("error").GetString());
        Assert.Equal(404, (await Json(api)).GetProperty("status").GetInt32());
    }

    /// <summary>A body sent in chunks, without a Content-Length.</summary>
    private sealed class PushStreamContent(string text) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text)).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

/// <summary>A journal that cannot take a decision: the server answers 503 and gives no decision.</summary>
public sealed class UnwritableJournalTests
{
    [Fact]
    public async Task Decisions_WhenTheJournalRefusesTheWrite_Are503_AndNoDecisionIsGiven()
    {
        await using var server = new RunningServer(readOnlyJournal: true);

        var response = await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken);
        var body = await Json(response);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("https://rulesgate.dev/problems/journal_unavailable", body.GetProperty("type").GetString());
        Assert.False(body.TryGetProperty("decision", out _));
        var ready = await server.Get("/ready", token: null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.False((await Json(ready)).GetProperty("ready").GetBoolean());
        Assert.Contains("did not take the decision", (await Json(await server.Get("/ready", token: null))).GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_ComesBackByItself_WhenTheJournalTakesWritesAgain()
    {
        await using var server = new RunningServer();
        using var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={server.JournalPath};Pooling=False");
        holder.Open();
        using (var lockIt = holder.CreateCommand())
        {
            // Another process holds the journal's write lock past the busy timeout: what a full disk or a stuck database does to writes.
            lockIt.CommandText = "BEGIN IMMEDIATE;";
            lockIt.ExecuteNonQuery();
        }

        var refused = await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await server.Get("/ready", token: null)).StatusCode);

        using (var release = holder.CreateCommand())
        {
            release.CommandText = "ROLLBACK;";
            release.ExecuteNonQuery();
        }

        // No decision comes to clear it: the journal's probe does, within moments.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        HttpStatusCode status;
        while ((status = (await server.Get("/ready", token: null)).StatusCode) != HttpStatusCode.OK && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Yield();
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Ready_WhileTheJournalTakesDecisions()
    {
        await using var server = new RunningServer();

        await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken);
        var ready = await server.Get("/ready", token: null);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("""{"ready":true}""", await ready.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
}

/// <summary>More requests than the server takes at once: the rest are shed with a 503, nothing crashes, and nothing shed is journaled.</summary>
public sealed class OverloadTests
{
    [Fact]
    public async Task Requests_BeyondWhatIsTaken_AreShedWith503_AndTheOneInFlightStillCompletes()
    {
        await using var server = new RunningServer(inFlight: 1, waiting: 0);
        var body = RunningServer.Sample("request-oversized-buy.json");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The journal's writer is held, so a decision waits in its handler, on its one permit, until it is durable.
        var writer = server.Host.Exclusively(_ => release.Task.Wait(TimeSpan.FromSeconds(60)));
        var held = server.Post("/v1/decisions", body, server.TraderToken);

        // The held request has the one slot once the server lets it in.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (server.Host.Metrics.WorkingNow < 1)
        {
            await Task.Yield();
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the held request never reached the server");
        }

        var shed = await server.Post("/v1/decisions", body, server.TraderToken);
        var health = await server.Get("/health", server.TraderToken);
        release.SetResult();
        await writer;
        var done = await held;
        var after = await server.Post("/v1/decisions", body, server.TraderToken);
        var metrics = await (await server.Get("/metrics", token: null)).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        Assert.Equal("1", shed.Headers.GetValues("Retry-After").Single());
        Assert.Equal("https://rulesgate.dev/problems/overloaded", JsonDocument.Parse(await shed.Content.ReadAsStringAsync()).RootElement.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains("rulesgate_requests_shed_total 1", metrics, StringComparison.Ordinal);
        Assert.Equal(2, server.Journal.Read(type: GateJournal.DecisionType).Count());
    }
}

/// <summary>A client that stops sending holds its slot only until the server's grace is over; then the next request is served.</summary>
public sealed class SlowClientTests
{
    private static async Task<string> Send(RunningServer server, string text)
    {
        var address = new Uri(server.Address);
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(text));
        await stream.FlushAsync();

        // Then nothing more: read what the server says until it closes the connection.
        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ABodyThatStopsComing_Is408_AndFreesItsSlot()
    {
        await using var server = new RunningServer(inFlight: 1, waiting: 0, slowClient: TimeSpan.FromSeconds(2));
        var body = RunningServer.Sample("request-oversized-buy.json");
        var half = body[..(body.Length / 2)];

        var answer = await Send(server, $"POST /v1/decisions HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {server.TraderToken}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{half}");
        var after = await server.Post("/v1/decisions", body, server.TraderToken);

        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Single(server.Journal.Read(type: GateJournal.DecisionType));
    }

    /// <summary>Opens a connection and sends <paramref name="text"/>, then nothing more; the connection stays open.</summary>
    private static async Task<System.Net.Sockets.TcpClient> Hold(RunningServer server, string text)
    {
        var address = new Uri(server.Address);
        var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        await client.GetStream().WriteAsync(System.Text.Encoding.ASCII.GetBytes(text));
        await client.GetStream().FlushAsync();
        return client;
    }

    [Fact]
    public async Task HalfSentBodiesAndSignIns_HoldNoSlot_WhileANormalClientGetsItsDecisions()
    {
        // Tight limits, and a grace long enough that every stalled client is still sending while the normal one is served.
        await using var server = new RunningServer(inFlight: 2, waiting: 2, slowClient: TimeSpan.FromSeconds(30));
        var body = RunningServer.Sample("request-oversized-buy.json");
        var held = new List<System.Net.Sockets.TcpClient>();
        for (var i = 0; i < 100; i++)
        {
            held.Add(await Hold(server, $"POST /v1/decisions HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {server.TraderToken}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body[..(body.Length / 2)]}"));
            held.Add(await Hold(server, "POST /console/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 16000\r\n\r\ntoken=rg_"));
        }

        try
        {
            var answers = new List<HttpStatusCode>();
            for (var i = 0; i < 10; i++)
            {
                answers.Add((await server.Post("/v1/decisions", body, server.TraderToken)).StatusCode);
            }

            Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
            Assert.Equal(10, server.Journal.Read(type: GateJournal.DecisionType).Count());
        }
        finally
        {
            held.ForEach(client => client.Dispose());
        }
    }

    [Fact]
    public async Task HeadersThatStopComing_AreCutOff()
    {
        await using var server = new RunningServer(slowClient: TimeSpan.FromSeconds(2));

        var answer = await Send(server, $"POST /v1/decisions HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {server.TraderToken}\r\n");
        var after = await server.Get("/health", server.TraderToken);

        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }
}
