using System.Net;
using System.Text.Json;

namespace RulesGate.Server.Tests;

/// <summary>The governance API: intake, workflow instances and their votes with four eyes, the ledger, tokens and the journal's reads.</summary>
public sealed class GovernanceApiTests : IDisposable
{
    private readonly RunningServer server = new();

    public void Dispose() => server.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static string Lines(params string[] path) =>
        "[" + string.Join(",", RunningServer.Sample(path).Split('\n', StringSplitOptions.RemoveEmptyEntries)) + "]";

    private async Task<string> StartReview(string subject = "proposal-7")
    {
        var started = await server.Post("/v1/instances", $$"""{"workflow": "config-patch-approval", "subject": "{{subject}}"}""", server.RheaToken);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        return (await Json(started)).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Vote_ApprovingAPatchProposalOverHttp_AppliesItsPatches_AsOnTheCommandLine()
    {
        // The learning loop proposes (another process on the same journal), and its proposal starts its approval.
        var folder = Directory.CreateTempSubdirectory("rulesgate-patches-").FullName;
        var overrides = Path.Combine(folder, "auto.toml");
        File.Copy(Path.Combine(RunningServer.Root, "samples", "patches", "auto.toml"), overrides);
        var engine = new RulesGate.Core.Rules.RuleEngine(RulesGate.Core.BuiltInKinds.Registry);
        string proposal;
        using (var store = RulesGate.Storage.Sqlite.SqliteJournal.Open(server.JournalPath))
        {
            var judge = new RulesGate.Core.Patches.PatchJudge(engine.Load(Path.Combine(RunningServer.Root, "rules", "patches", "default.yaml")).Value!);
            var patches = File.ReadAllLines(Path.Combine(RunningServer.Root, "samples", "patches", "patches.jsonl")).Where(line => line.Length > 0)
                .Select(line => RulesGate.Core.Patches.ConfigPatch.Read(JsonDocument.Parse(line).RootElement)).ToList();
            var roles = RulesGate.Core.Workflows.WorkflowRoles.Load(Path.Combine(RunningServer.Root, "workflows", "roles.yaml"));
            var runtime = new RulesGate.Core.Workflows.WorkflowRuntime(store, new RulesGate.Core.Workflows.WorkflowLoader(engine, roles), roles);
            var approval = new RulesGate.Core.Workflows.WorkflowLoader(engine, roles).Load(Path.Combine(RunningServer.Root, "workflows", "config-patch-approval.yaml")).Value!;
            proposal = new RulesGate.Core.Application.PatchProposer(judge, store).Propose(patches, RulesGate.Core.Patches.PatchMode.ManualOnly, new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero),
                Path.Combine(folder, "out"), overrides, id => runtime.Start(approval, id, "learning-loop")).ProposalId!;
        }

        var before = File.ReadAllText(overrides);
        var approved = await server.Post($"/v1/instances/config-patch-approval:{proposal}/approve", """{"role": "risk", "reason": "bounds checked"}""", server.RajToken);

        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var record = new RulesGate.Core.Application.PatchProposals(server.Journal).Find(proposal)!;
        Assert.Equal(("applied", "approved by raj (risk): bounds checked"), (record.Status, record.SettledBy));

        // The file is written beside the writer, by the service's effects worker: the write of the overrides is closed once done.
        var outbox = new RulesGate.Core.Workflows.WorkflowEffects(server.Journal);
        Assert.True(SpinWait.SpinUntil(() => outbox.Pending().All(pending => pending.Instance != proposal), TimeSpan.FromSeconds(60)), "the proposal's files were never written");
        Assert.Empty(outbox.Failing(proposal));
        Assert.NotEqual(before, File.ReadAllText(overrides));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Changelog_OverHttp_IsTheCommandLinesJson_WithWhoApprovedWhat()
    {
        var id = await StartReview("proposal-40");
        Assert.True((await server.Post($"/v1/instances/{id}/approve", """{"role": "risk", "reason": "bounds read"}""", server.RajToken)).IsSuccessStatusCode);

        var response = await server.Get("/v1/changelog", server.ReaderToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(RulesGate.Core.Reports.ReportJson.Changelog(RulesGate.Core.Reports.GovernanceDocuments.ChangelogOf(server.Journal)), text);
        var approved = Assert.Single((await Json(response)).GetProperty("changes").EnumerateArray(), change => change.GetProperty("what").GetString() == "config-patch-approval approved");
        Assert.Equal("raj", approved.GetProperty("actor").GetString());
        Assert.Equal("review → approved", approved.GetProperty("change").GetString());
    }

    [Fact]
    public async Task Timeline_OverHttp_SaysAStrategysOrdersPerDay_AndWhatChanged_AsTheConsoleDoes()
    {
        await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken);
        await server.Post("/v1/outcomes", $$"""{"outcomes": {{Lines("governance", "outcomes-week1.jsonl")}}}""", server.AutomationToken);

        var response = await server.Get("/v1/governance/trend/timeline?days=7", server.ReaderToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var timeline = await Json(response);
        Assert.Equal("trend", timeline.GetProperty("strategy").GetString());
        var day = Assert.Single(timeline.GetProperty("days").EnumerateArray());
        Assert.Equal(1, day.GetProperty("decisions").GetInt32());
        Assert.Equal(1, day.GetProperty("verdicts").GetProperty("MODIFY").GetInt32());
        Assert.Contains(timeline.GetProperty("changes").EnumerateArray(), change => change.GetProperty("what").GetString() == "maturity-ladder moved");

        var (tooMany, unknown) = (await server.Get("/v1/governance/trend/timeline?days=400", server.ReaderToken), await server.Get("/v1/governance/nobody/timeline", server.ReaderToken));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("days: '400' is not a number of days; write one from 1 to 366.", await tooMany.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Vote_FourEyes_TheRequesterMayNotApprove_AndTheActorIsTheCaller()
    {
        var id = await StartReview();

        var own = await server.Post($"/v1/instances/{id}/approve", """{"role": "risk", "reason": "mine, looks fine"}""", server.RheaToken);
        var claimed = await server.Post($"/v1/instances/{id}/approve", """{"role": "risk", "reason": "as raj", "actor": "raj"}""", server.RheaToken);
        var notApprover = await server.Post($"/v1/instances/{id}/approve", """{"role": "risk", "reason": "bot"}""", server.AutomationToken);
        var approved = await server.Post($"/v1/instances/{id}/approve", """{"role": "risk", "reason": "bounds checked"}""", server.RajToken);
        var shown = await Json(await server.Get($"/v1/instances/{id}", server.ReaderToken));

        Assert.Equal(HttpStatusCode.Conflict, own.StatusCode);
        Assert.Equal("https://rulesgate.dev/problems/workflow_refused", (await Json(own)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, claimed.StatusCode);
        Assert.Contains("actor", (await Json(claimed)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, notApprover.StatusCode);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal("approved", shown.GetProperty("state").GetString());
        Assert.Equal("rhea", shown.GetProperty("requester").GetString());
        var step = shown.GetProperty("history").EnumerateArray().Last();
        Assert.Equal("raj", step.GetProperty("actor").GetString());
        Assert.Contains(server.Journal.Read(), e => e.Payload.Contains("bounds checked", StringComparison.Ordinal) && e.Payload.Contains("\"raj\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Vote_InARoleTheRolesFileDoesNotGiveTheCaller_IsRefused()
    {
        var id = await StartReview();

        var response = await server.Post($"/v1/instances/{id}/approve", """{"role": "compliance", "reason": "not mine to give"}""", server.RajToken);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("review", (await Json(await server.Get($"/v1/instances/{id}", server.ReaderToken))).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Reject_NeedsAReason_AndMovesToTheRejectState()
    {
        var id = await StartReview();

        var silent = await server.Post($"/v1/instances/{id}/reject", """{"role": "risk", "reason": "  "}""", server.RajToken);
        var rejected = await Json(await server.Post($"/v1/instances/{id}/reject", """{"role": "risk", "reason": "max_step too large"}""", server.RajToken));

        Assert.Equal(HttpStatusCode.BadRequest, silent.StatusCode);
        Assert.Equal("rejected", rejected.GetProperty("moved")[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task Instances_ListsWhatWaits_AndAnUnknownOneIs404()
    {
        var id = await StartReview();
        await StartReview("proposal-8");
        await server.Post($"/v1/instances/{id}/approve", """{"role": "risk", "reason": "ok"}""", server.RajToken);

        var waiting = await Json(await server.Get("/v1/instances?waiting=approval", server.ReaderToken));
        var all = await Json(await server.Get("/v1/instances", server.ReaderToken));
        var unknown = await server.Get("/v1/instances/nope", server.ReaderToken);
        var bad = await server.Get("/v1/instances?waiting=godot", server.ReaderToken);

        Assert.Equal(["proposal-8"], waiting.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("subject").GetString()));
        Assert.Equal(2, all.GetProperty("instances").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Start_TheSameKeyTwice_StartsOneInstance_AndAnUnknownWorkflowIs400()
    {
        var first = await Json(await server.Post("/v1/instances", """{"workflow": "live-pipeline", "subject": "trend", "key": "k-1"}""", server.AutomationToken));
        var again = await Json(await server.Post("/v1/instances", """{"workflow": "live-pipeline", "subject": "trend", "key": "k-1"}""", server.AutomationToken));
        var unknown = await server.Post("/v1/instances", """{"workflow": "no-such-flow", "subject": "trend"}""", server.AutomationToken);
        var trader = await server.Post("/v1/instances", """{"workflow": "live-pipeline", "subject": "x"}""", server.TraderToken);

        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, trader.StatusCode);
    }

    [Theory]
    [InlineData("/v1/instances", """{"workflow": "live-pipeline", "subject": "trend", "owner": "me"}""", "request.owner: unknown key; allowed: workflow, subject, key.")]
    [InlineData("/v1/instances", """{"subject": "trend"}""", "request.workflow: required.")]
    [InlineData("/v1/instances", """{"workflow": 7, "subject": "trend"}""", "request.workflow: expected text.")]
    [InlineData("/v1/instances", """{"workflow": null, "subject": "trend"}""", "request.workflow: may not be null.")]
    [InlineData("/v1/instances", """["live-pipeline"]""", "request: expected an object, found array.")]
    [InlineData("/v1/canary", """{"component": "exchange", "ok": "yes"}""", "request.ok: expected true or false.")]
    [InlineData("/v1/evidence", """{"subject": "trend", "kind": "scan", "evidence": [1]}""", "request.evidence: expected one JSON object, the evidence's fields.")]
    public async Task ABody_ThatIsNotTheRequest_IsRefusedInOneLineNamingTheField(string path, string body, string detail)
    {
        var response = await server.Post(path, body, server.AutomationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(detail, (await Json(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Evidence_MovesTheInstancesOfItsSubject_Once()
    {
        await server.Post("/v1/instances", """{"workflow": "live-pipeline", "subject": "trend"}""", server.AutomationToken);
        var body = """{"subject": "trend", "kind": "discovery", "evidence": {"candidates": 12, "manifest": "manifests/trend.json"}, "key": "scan-1"}""";

        var moved = await Json(await server.Post("/v1/evidence", body, server.AutomationToken));
        var again = await Json(await server.Post("/v1/evidence", body, server.AutomationToken));

        Assert.Equal("L1_data_prep", moved.GetProperty("moved")[0].GetProperty("state").GetString());
        Assert.True(again.GetProperty("already_handled").GetBoolean());
        Assert.Equal(0, again.GetProperty("moved").GetArrayLength());
    }

    [Fact]
    public async Task Diary_IsRecordedOnce_AndTheLedgerAssessesItsPolicies()
    {
        var entries = Lines("promotion", "diary.jsonl");
        var count = JsonDocument.Parse(entries).RootElement.GetArrayLength();

        var first = await Json(await server.Post("/v1/diary", $$"""{"entries": {{entries}}}""", server.AutomationToken));
        var again = await Json(await server.Post("/v1/diary", $$"""{"entries": {{entries}}}""", server.AutomationToken));
        var bad = await server.Post("/v1/diary", """{"entries": [{"entry_id": "x"}]}""", server.AutomationToken);
        var ledger = await Json(await server.Get("/v1/ledger", server.ReaderToken));
        var one = await Json(await server.Get("/v1/ledger/alpha-momentum", server.ReaderToken));
        var unknown = await server.Get("/v1/ledger/nope", server.ReaderToken);

        Assert.Equal(count, first.GetProperty("added").GetInt32());
        Assert.Equal(count, again.GetProperty("duplicates").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("entries[0]: ", (await Json(bad)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(ledger.GetProperty("policies").EnumerateArray(), p => p.GetProperty("ledger").GetProperty("policy_id").GetString() == "alpha-momentum");
        Assert.Equal("alpha-momentum", one.GetProperty("ledger").GetProperty("policy_id").GetString());
        Assert.True(one.GetProperty("assessment").TryGetProperty("recommended_stage", out _));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Outcomes_StartAndMoveTheLadder_AndMetricsShowEachStrategysStanding()
    {
        var outcomes = await Json(await server.Post("/v1/outcomes", $$"""{"outcomes": {{Lines("governance", "outcomes-week1.jsonl")}}}""", server.AutomationToken));
        await server.Post("/v1/tokens", """{"strategy_id": "trend", "symbol": "AAPL", "max_qty": 100}""", server.RiskToken);
        await server.Post("/v1/canary", """{"component": "exchange", "ok": false, "detail": "heartbeat missed"}""", server.AutomationToken);
        var metrics = await (await server.Get("/metrics", token: null)).Content.ReadAsStringAsync();

        Assert.Contains(outcomes.GetProperty("started").EnumerateArray(), instance => instance.GetProperty("id").GetString() == "maturity-ladder:trend");
        Assert.Contains(outcomes.GetProperty("moved").EnumerateArray(), instance => instance.GetProperty("id").GetString() == "maturity-ladder:trend");
        Assert.Contains("rulesgate_strategy_maturity_level{strategy=\"trend\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("rulesgate_strategy_sizing_cap{strategy=\"trend\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("rulesgate_strategy_tokens_active{strategy=\"trend\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("rulesgate_strategy_health_score{strategy=\"trend\"} 0.94\n", metrics, StringComparison.Ordinal);
        Assert.Contains("rulesgate_canary_consecutive_failures{component=\"exchange\"} 1\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outcomes_AndTokens_ShowInGovernance_WithoutASecret()
    {
        var outcomes = await Json(await server.Post("/v1/outcomes", $$"""{"outcomes": {{Lines("governance", "outcomes-week1.jsonl")}}}""", server.AutomationToken));
        var issued = await server.Post("/v1/tokens", """{"strategy_id": "trend", "symbol": "AAPL", "max_qty": 100}""", server.RiskToken);
        var byTrader = await server.Post("/v1/tokens", """{"strategy_id": "trend"}""", server.TraderToken);
        var token = await Json(issued);
        var report = await server.Get("/v1/governance/trend", server.ReaderToken);
        var text = await report.Content.ReadAsStringAsync();
        var revoked = await Json(await server.Post("/v1/tokens/revoke", """{"strategy_id": "trend", "all": true, "reason": "rotation"}""", server.RiskToken));
        var after = await Json(await server.Get("/v1/governance/trend", server.ReaderToken));

        Assert.True(outcomes.GetProperty("added").GetInt32() > 0);
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.Equal("risk-officer", token.GetProperty("token").GetProperty("issued_by").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, byTrader.StatusCode);
        Assert.Contains(token.GetProperty("token").GetProperty("id").GetString()!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(token.GetProperty("secret").GetString()!, text, StringComparison.Ordinal);
        Assert.Equal(1, revoked.GetProperty("revoked").GetInt32());
        Assert.Equal(0, after.GetProperty("tokens").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await server.Get("/v1/governance/nobody", server.ReaderToken)).StatusCode);
    }

    [Fact]
    public async Task Journal_FiltersEvents_AndExplainsADecisionRuleByRule()
    {
        var decided = await Json(await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken));
        var seq = decided.GetProperty("seq").GetInt64();

        var events = await Json(await server.Get("/v1/journal?type=gate.decision&limit=10", server.ReaderToken));
        var explained = await Json(await server.Get($"/v1/journal/{seq}", server.ReaderToken));
        var missing = await server.Get("/v1/journal/999999", server.ReaderToken);
        var badLimit = await server.Get("/v1/journal?limit=0", server.ReaderToken);

        Assert.Equal([seq], events.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal(seq, explained.GetProperty("event").GetProperty("seq").GetInt64());
        var rules = explained.GetProperty("explain").EnumerateArray().ToList();
        Assert.NotEmpty(rules);
        var fired = decided.GetProperty("decision").GetProperty("violations").EnumerateArray().Select(v => v.GetProperty("rule_id").GetString()).ToHashSet();
        Assert.Equal(fired, rules.Where(r => r.GetProperty("fired").ValueKind == JsonValueKind.True).Select(r => r.GetProperty("rule_id").GetString()).ToHashSet());
        Assert.All(rules, r => Assert.NotEmpty(r.GetProperty("lines").EnumerateArray()));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    [Fact]
    public async Task Decision_WithAGovernanceBlock_IsJudgedByBothGates_AndJournaledTogether()
    {
        var line = RunningServer.Sample("governance", "requests.jsonl").Split('\n')[0];
        var request = line[..line.LastIndexOf('}')] + """, "governance": {"order": {"leverage": 1}}}""";
        var stated = request.Replace("""{"order": {"leverage": 1}}""", """{"level": "L4_autonomous"}""", StringComparison.Ordinal);

        var response = await server.Post("/v1/decisions", request, server.TraderToken);
        var decided = await Json(response);
        var claimed = await server.Post("/v1/decisions", stated, server.TraderToken);

        Assert.True(response.StatusCode == HttpStatusCode.OK, decided.GetRawText());
        var seq = decided.GetProperty("seq").GetInt64();
        Assert.True(decided.GetProperty("decision").TryGetProperty("action", out _));
        Assert.Equal("g-001", decided.GetProperty("decision").GetProperty("capital").GetProperty("intent_id").GetString());
        var events = server.Journal.Read().ToList();
        Assert.Equal(Core.Gate.GateJournal.DecisionType, events.Single(e => e.Seq == seq).Type);
        Assert.Equal(Core.Governance.GovernanceJournal.DecisionType, events.Single(e => e.Seq == seq + 1).Type);
        Assert.Equal(HttpStatusCode.BadRequest, claimed.StatusCode);
        Assert.Contains("the strategy's state is the journal's", (await Json(claimed)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
