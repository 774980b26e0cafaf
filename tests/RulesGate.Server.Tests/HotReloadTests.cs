using System.Net;
using System.Text.Json;
using RulesGate.Core.Gate;

namespace RulesGate.Server.Tests;

/// <summary>Hot reload: a changed file goes live for the next decision, journaled; a bad one keeps the live version, raises the alert and is journaled once.</summary>
public sealed class HotReloadTests : IDisposable
{
    private readonly RunningServer server = new(reloadable: true);

    public void Dispose() => server.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<JsonElement> Reload() => await Json(await server.Post("/v1/reload", "{}", server.AdminToken));

    private async Task<string> Verdict() =>
        (await Json(await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken))).GetProperty("decision").GetProperty("decision").GetString()!;

    private async Task<string> Metrics() => await (await server.Get("/metrics", token: null)).Content.ReadAsStringAsync();

    private void Edit(string from, string to) => Edit(server, from, to);

    private static void Edit(RunningServer running, string from, string to)
    {
        var text = File.ReadAllText(running.PolicyPath);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(running.PolicyPath, text.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reload_AChangedPolicy_JudgesTheNextDecision_AndIsJournaledBeforeIt()
    {
        Assert.Equal("MODIFY", await Verdict());   // 40% of equity against a 10% limit
        Edit("version: 1", "version: 2");
        Edit("max_position_pct: 0.10 ", "max_position_pct: 0.50 ");

        var report = await Reload();
        var verdict = await Verdict();
        var metrics = await Metrics();

        Assert.Equal("capital-default@2", report.GetProperty("loaded")[0].GetString()![..17]);
        Assert.Equal("ALLOW", verdict);
        Assert.Contains("rulesgate_rule_bundle_info{id=\"capital-default\",version=\"2\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("rulesgate_rule_bundle_info{id=\"capital-default\",version=\"1\"", metrics, StringComparison.Ordinal);
        var events = server.Journal.Read().ToList();
        var reloaded = events.Single(e => e.Type == HotReload.ReloadedType);
        var last = events.Last(e => e.Type == GateJournal.DecisionType);
        Assert.True(reloaded.Seq < last.Seq);
        Assert.Contains("capital-default@2", last.Payload, StringComparison.Ordinal);
        Assert.Contains("capital-default@1", reloaded.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_ABrokenPolicy_KeepsTheLiveOne_RaisesTheAlert_AndIsJournaledOnce()
    {
        Edit("version: 1", "version: 2");
        Edit("when: Metrics.NewPositionPct > Params.Exposure.MaxPositionPct", "when: Metrics.NewPositionPct > Params.Exposure.NoSuchLimit");

        var first = await Reload();
        var again = await Reload();
        var verdict = await Verdict();
        var stale = await Metrics();
        Edit("Params.Exposure.NoSuchLimit", "Params.Exposure.MaxPositionPct");
        var mended = await Reload();
        var fresh = await Metrics();

        Assert.Contains("NoSuchLimit", first.GetProperty("failed")[0].GetProperty("problem").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, again.GetProperty("failed").GetArrayLength());
        Assert.Equal("MODIFY", verdict);   // the live version judged it
        Assert.Contains($"rulesgate_rule_file_stale{{file=\"{server.PolicyPath}\"}} 1", stale, StringComparison.Ordinal);
        Assert.Single(server.Journal.Read(), e => e.Type == HotReload.FailedType);
        Assert.Equal(0, mended.GetProperty("failed").GetArrayLength());
        Assert.Contains($"rulesgate_rule_file_stale{{file=\"{server.PolicyPath}\"}} 0", fresh, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_ABrokenWorkflow_KeepsItsLiveDefinition_AndAFixedOneStartsNewInstancesAtItsVersion()
    {
        var path = Path.Combine(server.WorkflowsPath, "config-patch-approval.yaml");
        var text = File.ReadAllText(path);
        File.WriteAllText(path, text.Replace("quorum: 1", "quorum: many", StringComparison.Ordinal));

        var broken = await Reload();
        var started = await server.Post("/v1/instances", """{"workflow": "config-patch-approval", "subject": "p-1"}""", server.AutomationToken);
        File.WriteAllText(path, text.Replace("version: 1", "version: 2", StringComparison.Ordinal));
        var fixedReport = await Reload();
        var second = await Json(await server.Post("/v1/instances", """{"workflow": "config-patch-approval", "subject": "p-2"}""", server.AutomationToken));

        Assert.Equal(path, broken.GetProperty("failed")[0].GetProperty("file").GetString());
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal(1, (await Json(started)).GetProperty("version").GetInt32());
        Assert.StartsWith("config-patch-approval@2", fixedReport.GetProperty("loaded")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(2, second.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Reload_AChangedPolicyWhoseVersionDidNotRise_IsRefused_UntilItRises()
    {
        Edit("max_position_pct: 0.10 ", "max_position_pct: 0.50 ");

        var refused = await Reload();
        var verdict = await Verdict();
        var stale = await Metrics();
        Edit("version: 1", "version: 2");
        var raised = await Reload();

        var problem = refused.GetProperty("failed")[0].GetProperty("problem").GetString();
        Assert.Contains("its content changed but its version did not rise: capital-default@1#", problem, StringComparison.Ordinal);
        Assert.Contains("set metadata.version to 2 (or higher) to put it live", problem, StringComparison.Ordinal);
        Assert.Equal(0, refused.GetProperty("loaded").GetArrayLength());
        Assert.Equal("MODIFY", verdict);    // the live version, at 10%, judged it
        Assert.Contains($"rulesgate_rule_file_stale{{file=\"{server.PolicyPath}\"}} 1", stale, StringComparison.Ordinal);
        Assert.Single(server.Journal.Read(), e => e.Type == HotReload.FailedType && e.Payload.Contains("version did not rise", StringComparison.Ordinal));
        Assert.StartsWith("capital-default@2", raised.GetProperty("loaded")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("ALLOW", await Verdict());
    }

    [Fact]
    public async Task Reload_AnEditUndone_IsTheLiveFileAgain_NotStale()
    {
        var text = File.ReadAllText(server.PolicyPath);
        Edit("max_position_pct: 0.10 ", "max_position_pct: 0.50 ");
        await Reload();
        File.WriteAllText(server.PolicyPath, text);

        var undone = await Reload();

        Assert.Equal((0, 0), (undone.GetProperty("loaded").GetArrayLength(), undone.GetProperty("failed").GetArrayLength()));
        Assert.Contains($"rulesgate_rule_file_stale{{file=\"{server.PolicyPath}\"}} 0", await Metrics(), StringComparison.Ordinal);
        Assert.Equal("MODIFY", await Verdict());
    }

    [Fact]
    public async Task Reload_IsForAdmins()
    {
        var response = await server.Post("/v1/reload", "{}", server.RiskToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Watch_AFileSaved_IsReloadedWithoutBeingAsked_ByTheServersOwnWatcher()
    {
        await using var watching = new RunningServer(reloadable: true, watchFiles: TimeSpan.FromMilliseconds(50));
        var reloaded = new TaskCompletionSource<ReloadReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        watching.Reload.Reloaded += report =>
        {
            if (report.Loaded.Count > 0)
            {
                reloaded.TrySetResult(report);
            }
        };

        Edit(watching, "version: 1", "version: 3");
        var report = await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.StartsWith("capital-default@3", report.Loaded[0], StringComparison.Ordinal);
        var verdict = await Json(await watching.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), watching.TraderToken));
        Assert.Equal("MODIFY", verdict.GetProperty("decision").GetProperty("decision").GetString());
    }
}
