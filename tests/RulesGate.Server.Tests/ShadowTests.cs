using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using RulesGate.Core;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Rules;

namespace RulesGate.Server.Tests;

/// <summary>Shadow evaluation: a candidate judges every order beside the live file, off the order path, and each disagreement is journaled and counted.</summary>
public sealed class ShadowTests : IAsyncDisposable
{
    private readonly RunningServer server = new(reloadable: true);

    public ValueTask DisposeAsync() => server.DisposeAsync();

    /// <summary>The candidate: the default capital rules with positions capped at 5% of equity instead of 10%.</summary>
    private static string Candidate => File.ReadAllText(Path.Combine(RunningServer.Root, "samples", "capital", "candidate.yaml"));

    private static async Task<JsonElement> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static string Body(string rules) => JsonSerializer.Serialize(new Dictionary<string, string> { ["rules"] = rules, ["file"] = "candidate.yaml" });

    /// <summary>The sample request for <paramref name="qty"/> MSFT at 400 against 100,000 of equity, as intent <paramref name="id"/>.</summary>
    private static string Request(string id, int qty) =>
        RunningServer.Sample("request-oversized-buy.json").Replace("\"demo-001\"", $"\"{id}\"", StringComparison.Ordinal).Replace("\"qty\": 100", $"\"qty\": {qty}", StringComparison.Ordinal);

    private async Task<HttpResponseMessage> Delete(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/v1/shadow");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await server.Client.SendAsync(request);
    }

    [Fact]
    public async Task Shadow_UnderConcurrentLoad_JournalsExactlyTheOrdersTheCandidateDecidesOtherwise_AndLeavesTheLiveDecisionsAlone()
    {
        var started = await server.Post("/v1/shadow", Body(Candidate), server.AdminToken);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);

        // 280 orders at once, from 2% to 40% of equity: both files allow up to 5%, only the live one up to 10%.
        int[] quantities = [5, 10, 15, 20, 30, 50, 100];
        var orders = Enumerable.Range(0, 280).Select(i => ($"shadow-{i}", quantities[i % quantities.Length])).ToList();
        var answers = await Task.WhenAll(orders.Select(async order => await Json(await server.Post("/v1/decisions", Request(order.Item1, order.Item2), server.TraderToken))));
        await server.Host.Shadow.Drained();

        // The oracle: each order judged by both files directly.
        var engine = new RuleEngine(BuiltInKinds.Registry);
        var live = new CapitalGate(CapitalPolicies.Load(engine, Path.Combine(RunningServer.Root, "rules", "capital", "default.yaml")).Value!);
        var candidate = new CapitalGate(CapitalPolicies.Load(engine, Path.Combine(RunningServer.Root, "samples", "capital", "candidate.yaml")).Value!);
        var expected = orders.Where(order =>
        {
            var context = CapitalContextJson.ReadRequest(JsonDocument.Parse(Request(order.Item1, order.Item2)).RootElement);
            return RuleImpact.Summary(live.Decide(context)) != RuleImpact.Summary(candidate.Decide(context));
        }).Select(order => order.Item1).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(200, expected.Count);    // 15 shares and up: 5 of the 7 sizes

        var disagreed = server.Journal.Read(type: EventTypes.ShadowDisagreed).Select(e => JsonDocument.Parse(e.Payload).RootElement).ToList();
        Assert.Equal(expected, disagreed.Select(e => e.GetProperty("intent_id").GetString()!).Order(StringComparer.Ordinal));
        var one = disagreed.First(e => e.GetProperty("intent_id").GetString() == "shadow-2");    // 15 shares: 6% of equity
        Assert.Equal("ALLOW", one.GetProperty("live_summary").GetString());
        Assert.Equal("MODIFY to 12.5 (EXP-001)", one.GetProperty("shadow_summary").GetString());
        Assert.Equal("MODIFY", one.GetProperty("shadow_decision").GetProperty("decision").GetString());
        Assert.StartsWith("capital-default@2#", one.GetProperty("candidate").GetString(), StringComparison.Ordinal);

        // The live file alone decided every answer.
        Assert.All(answers.Zip(orders), pair => Assert.Equal(
            RuleImpact.Summary(live.Decide(CapitalContextJson.ReadRequest(JsonDocument.Parse(Request(pair.Second.Item1, pair.Second.Item2)).RootElement))),
            Summary(pair.First.GetProperty("decision"))));

        var state = await Json(await server.Get("/v1/shadow", server.ReaderToken));
        Assert.Equal((280, 200, 0), (state.GetProperty("judged").GetInt64(), state.GetProperty("disagreed").GetInt64(), state.GetProperty("dropped").GetInt64()));
        var metrics = await (await server.Get("/metrics", token: null)).Content.ReadAsStringAsync();
        Assert.Contains("rulesgate_shadow_judged_total 280", metrics, StringComparison.Ordinal);
        Assert.Contains("rulesgate_shadow_disagreements_total 200", metrics, StringComparison.Ordinal);
        Assert.Contains("rulesgate_shadow_dropped_total 0", metrics, StringComparison.Ordinal);
        Assert.Contains("rulesgate_shadow_info{candidate=\"capital-default@2#", metrics, StringComparison.Ordinal);
        var startedEvent = JsonDocument.Parse(Assert.Single(server.Journal.Read(type: EventTypes.ShadowStarted)).Payload).RootElement;
        Assert.Equal("ops", startedEvent.GetProperty("by").GetString());

        var stopped = await Delete(server.AdminToken);
        Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await Json(stopped)).GetProperty("candidate").ValueKind);
        var stoppedEvent = JsonDocument.Parse(Assert.Single(server.Journal.Read(type: EventTypes.ShadowStopped)).Payload).RootElement;
        Assert.Equal((280, 200, 0), (stoppedEvent.GetProperty("judged").GetInt64(), stoppedEvent.GetProperty("disagreed").GetInt64(), stoppedEvent.GetProperty("dropped").GetInt64()));
        Assert.DoesNotContain("rulesgate_shadow_info{", await (await server.Get("/metrics", token: null)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shadow_IsStartedAndStoppedByAdminsAlone_AndABrokenCandidateIsRefusedWithWhy()
    {
        var byTrader = await server.Post("/v1/shadow", Body(Candidate), server.TraderToken);
        var broken = await server.Post("/v1/shadow", Body(Candidate.Replace("when: Metrics.NewPositionPct > Params.Exposure.MaxPositionPct", "when: Metrics.NoSuchMetric > 1", StringComparison.Ordinal)), server.AdminToken);
        var none = await Delete(server.AdminToken);

        Assert.Equal(HttpStatusCode.Forbidden, byTrader.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("NoSuchMetric", (await Json(broken)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, none.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await Json(await server.Get("/v1/shadow", server.ReaderToken))).GetProperty("candidate").ValueKind);
        Assert.Empty(server.Journal.Read(type: EventTypes.ShadowStarted));
    }

    /// <summary>A decision as the API answers it, in the words <see cref="RuleImpact.Summary"/> uses.</summary>
    private static string Summary(JsonElement decision)
    {
        var verdict = decision.GetProperty("decision").GetString();
        var quantity = decision.GetProperty("modified_intent") is { ValueKind: JsonValueKind.Object } modified
            ? " to " + modified.GetProperty("qty").GetDouble().ToString("0.########", System.Globalization.CultureInfo.InvariantCulture)
            : "";
        var rules = decision.GetProperty("violations").EnumerateArray().Select(v => v.GetProperty("rule_id").GetString()).ToList();
        return verdict + quantity + (rules.Count == 0 ? "" : $" ({string.Join(", ", rules)})");
    }
}
