using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
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

/// <summary>A rule change proposed over HTTP by a principal: assessed, approved by others, and live at the time it names.</summary>
public sealed class RuleChangeOverHttpTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly RunningServer server;

    public RuleChangeOverHttpTests() => server = new RunningServer(reloadable: true, governedRules: true, time: clock);

    public ValueTask DisposeAsync() => server.DisposeAsync();

    private static async Task<JsonElement> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<string> Verdict() =>
        (await Json(await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken))).GetProperty("decision").GetProperty("decision").GetString()!;

    /// <summary>The live policy at <paramref name="version"/> with a position cap of <paramref name="cap"/>.</summary>
    private string Policy(int version, string cap) => File.ReadAllText(server.PolicyPath)
        .Replace("version: 1", $"version: {version}", StringComparison.Ordinal).Replace("max_position_pct: 0.10 ", $"max_position_pct: {cap} ", StringComparison.Ordinal);

    private Task<HttpResponseMessage> Propose(string rules, string token, string? liveAt = null) =>
        server.Post("/v1/rule-changes", JsonSerializer.Serialize(new Dictionary<string, string?> { ["rules"] = rules, ["live_at"] = liveAt }.Where(pair => pair.Value is not null).ToDictionary()), token);

    private Task<HttpResponseMessage> Vote(string instance, string token, string reason) =>
        server.Post($"/v1/instances/{instance}/approve", JsonSerializer.Serialize(new { role = "risk", reason }), token);

    /// <summary>Waits for <paramref name="done"/>, moving the fake clock on a little at each look so the server's background waits end.</summary>
    private bool Eventually(Func<bool> done) => SpinWait.SpinUntil(() =>
    {
        if (done())
        {
            return true;
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        return false;
    }, Patience);

    [Fact]
    public async Task AProposalByAPrincipal_IsAssessed_ApprovedByOthers_AndGoesLiveAtTheTimeItNames()
    {
        Assert.Equal("MODIFY", await Verdict());
        Assert.Equal("MODIFY", await Verdict());
        clock.Advance(TimeSpan.FromMinutes(1));
        var at = clock.GetUtcNow() + TimeSpan.FromHours(1);

        var response = await Propose(Policy(2, "0.50"), server.AdminToken, at.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var proposed = await Json(response);
        var change = proposed.GetProperty("change");
        var subject = change.GetProperty("subject").GetString()!;
        Assert.Equal("ops", change.GetProperty("requester").GetString());
        Assert.Equal("proposed", change.GetProperty("status").GetString());
        Assert.StartsWith("impact: 2 of 2 decisions of the 7 days before it change (MODIFY → ALLOW 2)", change.GetProperty("assessed").GetString(), StringComparison.Ordinal);
        var checklist = change.GetProperty("checklist").GetString()!;
        Assert.True(Eventually(() => File.Exists(checklist)), "the checklist was never written");
        Assert.Contains("2 judged, 2 change (100%)", File.ReadAllText(checklist), StringComparison.Ordinal);

        // Its proposer holds no risk role (and, holding one, would still be refused as its requester); the quorum is two others.
        var instance = proposed.GetProperty("instance").GetString()!;
        var own = await Vote(instance, server.AdminToken, "my own change");
        Assert.Equal(HttpStatusCode.Conflict, own.StatusCode);
        Assert.Contains("ops does not hold the role risk", (await Json(own)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Vote(instance, server.RheaToken, "impact reviewed")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Vote(instance, server.RajToken, "diff reviewed")).StatusCode);

        // Approved, and not live before its time.
        var approved = await Json(await server.Get($"/v1/rule-changes/{subject}", server.ReaderToken));
        Assert.Equal("approved", approved.GetProperty("status").GetString());
        Assert.Equal("MODIFY", await Verdict());

        clock.Advance(TimeSpan.FromHours(1));
        Assert.True(Eventually(() => server.Journal.Read(type: EventTypes.RulesChanged).Any()), "the change never went live at its time");
        Assert.Equal("ALLOW", await Verdict());
        Assert.True(Eventually(() => File.ReadAllText(server.PolicyPath).Contains("max_position_pct: 0.50 ", StringComparison.Ordinal)), "the live change was never written to the rule file, so a restart would load the old one");
        // Written to the file the server runs and watches, no other: not the one its first version was compiled from.
        Assert.Contains("max_position_pct: 0.10 ", File.ReadAllText(Path.Combine(RunningServer.Root, "rules", "capital", "default.yaml")), StringComparison.Ordinal);
        var listed = await Json(await server.Get("/v1/rule-changes", server.ReaderToken));
        Assert.Equal("live", Assert.Single(listed.GetProperty("changes").EnumerateArray()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task AProposal_NotNewer_Broken_Untimed_OrNotAnAdmins_IsRefusedWithWhy()
    {
        var same = await Propose(Policy(1, "0.50"), server.AdminToken);
        var broken = await Propose(Policy(2, "0.50").Replace("rules:", "rulez:", StringComparison.Ordinal), server.AdminToken);
        var trader = await Propose(Policy(2, "0.50"), server.TraderToken);
        var when = await Propose(Policy(2, "0.50"), server.AdminToken, "tomorrow");

        Assert.Equal(HttpStatusCode.BadRequest, same.StatusCode);
        Assert.Contains("is not newer than the live capital-default@1#", (await Json(same)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.EndsWith("/invalid_rules", (await Json(broken)).GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, trader.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, when.StatusCode);
        Assert.Contains("live_at", (await Json(when)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(server.Journal.Read(type: EventTypes.RulesProposed));
    }

    [Fact]
    public async Task OfTwoApprovedChangesOfOneVersion_TheSecondIsSuperseded_NeverLive()
    {
        var first = (await Json(await Propose(Policy(2, "0.50"), server.AdminToken))).GetProperty("instance").GetString()!;
        var second = (await Json(await Propose(Policy(2, "0.45"), server.AdminToken))).GetProperty("instance").GetString()!;
        foreach (var instance in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.OK, (await Vote(instance, server.RheaToken, "ok")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Vote(instance, server.RajToken, "ok")).StatusCode);
        }

        var changes = (await Json(await server.Get("/v1/rule-changes", server.ReaderToken))).GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("status").GetString()).ToList();
        Assert.Equal(["live", "superseded"], changes);
        Assert.Single(server.Journal.Read(type: EventTypes.RulesChanged));
    }

    [Fact]
    public async Task AGovernanceFile_IsAGovernedChangeToo_LiveOnceApproved_AndOnDisk()
    {
        var text = File.ReadAllText(server.GovernancePath).Replace("version: 1", "version: 2", StringComparison.Ordinal);

        var response = await Propose(text, server.AdminToken);

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var proposed = await Json(response);
        Assert.Equal(server.GovernancePath, proposed.GetProperty("change").GetProperty("file").GetString());
        Assert.Contains("impact and diff judge capital policies", proposed.GetProperty("change").GetProperty("assessed").GetString(), StringComparison.Ordinal);
        var instance = proposed.GetProperty("instance").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await Vote(instance, server.RheaToken, "ok")).StatusCode);
        Assert.DoesNotContain("governance-default\",version=\"2\"", await (await server.Get("/metrics", null)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Vote(instance, server.RajToken, "ok")).StatusCode);

        Assert.Contains("rulesgate_rule_bundle_info{id=\"governance-default\",version=\"2\"", await (await server.Get("/metrics", null)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(Eventually(() => File.ReadAllText(server.GovernancePath).Contains("version: 2", StringComparison.Ordinal)), "the live governance file was never written");
        Assert.Equal(server.GovernancePath, JsonDocument.Parse(server.Journal.Read(type: EventTypes.RulesReloaded).Single().Payload).RootElement.GetProperty("file").GetString());
    }
}
