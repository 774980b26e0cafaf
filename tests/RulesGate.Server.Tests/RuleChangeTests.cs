using System.Net;
using System.Text.Json;
using RulesGate.Core.Journal;

namespace RulesGate.Server.Tests;

/// <summary>A rule change as a governed change: a saved rule file is proposed, and goes live only once its rule-change workflow's quorum approves.</summary>
public sealed class RuleChangeTests : IAsyncDisposable
{
    private readonly RunningServer server = new(reloadable: true, governedRules: true);

    public ValueTask DisposeAsync() => server.DisposeAsync();

    private static async Task<JsonElement> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<string> Verdict() =>
        (await Json(await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken))).GetProperty("decision").GetProperty("decision").GetString()!;

    /// <summary>Saves the policy at version 2 with a 50% position cap (the sample order, 40% of equity, then passes), and reloads: the proposal's instance id.</summary>
    private async Task<string> ProposeLooserCap()
    {
        var text = File.ReadAllText(server.PolicyPath);
        File.WriteAllText(server.PolicyPath, text.Replace("version: 1", "version: 2", StringComparison.Ordinal).Replace("max_position_pct: 0.10 ", "max_position_pct: 0.50 ", StringComparison.Ordinal));
        var report = await Json(await server.Post("/v1/reload", "{}", server.AdminToken));
        Assert.Equal(0, report.GetProperty("loaded").GetArrayLength());
        var proposed = Assert.Single(report.GetProperty("proposed").EnumerateArray()).GetString()!;
        Assert.StartsWith("capital-default@2#", proposed, StringComparison.Ordinal);
        return $"rule-change:{proposed.Replace('#', '-')}";
    }

    private Task<HttpResponseMessage> Vote(string instance, string token, bool approve, string reason) =>
        server.Post($"/v1/instances/{instance}/{(approve ? "approve" : "reject")}", JsonSerializer.Serialize(new { role = "risk", reason }), token);

    private IReadOnlyList<string> Types() => [.. server.Journal.Read().Select(e => e.Type).Where(type => type.StartsWith("rules.", StringComparison.Ordinal))];

    [Fact]
    public async Task ASavedFile_IsProposed_AndGoesLiveOnlyWhenItsQuorumApproves_JournaledWithWhoApproved()
    {
        var instance = await ProposeLooserCap();
        Assert.Equal("MODIFY", await Verdict());    // proposed, not live: the 10% cap still judges

        var waiting = await Json(await server.Get("/v1/instances?waiting=approval", server.ReaderToken));
        Assert.Contains(waiting.GetProperty("instances").EnumerateArray(), i => i.GetProperty("id").GetString() == instance);

        Assert.Equal(HttpStatusCode.OK, (await Vote(instance, server.RheaToken, approve: true, "impact reviewed")).StatusCode);
        Assert.Equal("MODIFY", await Verdict());    // one of the two risk approvals
        Assert.Equal(HttpStatusCode.OK, (await Vote(instance, server.RajToken, approve: true, "diff reviewed")).StatusCode);
        Assert.Equal("ALLOW", await Verdict());     // live for the next decision

        Assert.Equal([EventTypes.RulesProposed, EventTypes.RulesApproved, EventTypes.RulesReloaded, EventTypes.RulesChanged], Types());
        var approved = JsonDocument.Parse(server.Journal.Read(type: EventTypes.RulesApproved).Single().Payload).RootElement;
        Assert.Contains("rhea", approved.GetProperty("settled_by").GetString(), StringComparison.Ordinal);
        Assert.Contains("raj", approved.GetProperty("settled_by").GetString(), StringComparison.Ordinal);
        Assert.Equal("rules-watcher", approved.GetProperty("requester").GetString());
        Assert.Equal(server.PolicyPath, approved.GetProperty("file").GetString());
        var changed = JsonDocument.Parse(server.Journal.Read(type: EventTypes.RulesChanged).Single().Payload).RootElement;
        Assert.Equal("live", changed.GetProperty("status").GetString());
        var metrics = await (await server.Get("/metrics", token: null)).Content.ReadAsStringAsync();
        Assert.Contains("rulesgate_rule_bundle_info{id=\"capital-default\",version=\"2\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChangeItsQuorumRejects_NeverGoesLive()
    {
        var instance = await ProposeLooserCap();

        var vote = await Vote(instance, server.RheaToken, approve: false, "a 50% cap is too loose");
        Assert.True(vote.StatusCode == HttpStatusCode.OK, await vote.Content.ReadAsStringAsync());

        Assert.Equal("MODIFY", await Verdict());
        Assert.Equal([EventTypes.RulesProposed, EventTypes.RulesRejected], Types());
        var rejected = JsonDocument.Parse(server.Journal.Read(type: EventTypes.RulesRejected).Single().Payload).RootElement;
        Assert.Equal("rejected", rejected.GetProperty("status").GetString());
        Assert.Contains("a 50% cap is too loose", rejected.GetProperty("settled_by").GetString(), StringComparison.Ordinal);
    }
}
