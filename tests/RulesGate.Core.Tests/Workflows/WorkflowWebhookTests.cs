using System.Net.Sockets;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;
using RulesGate.Storage.Sqlite;
using RulesGate.Tests.Shared;

namespace RulesGate.Core.Tests.Workflows;

public sealed class WorkflowWebhookTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-hook-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private static WorkflowDefinition LivePipeline() => new WorkflowLoader(Compiled.Engine).Load(Repo.PathOf("workflows", "live-pipeline.yaml")).Value!;

    private static readonly string[] Kinds = LivePipelineEvidence.Kinds[..5];

    private static readonly string[] Fields = LivePipelineEvidence.Fields[..5];

    /// <summary>Walks a live-pipeline instance into L5_paper, whose entry notifies.</summary>
    private static void IntoPaper(WorkflowRuntime runtime)
    {
        runtime.Start(LivePipeline(), "s-1", "olga");
        for (var i = 0; i < Kinds.Length; i++)
        {
            runtime.Evidence("s-1", Kinds[i], JsonDocument.Parse(Fields[i]).RootElement);
        }
    }

    [Fact]
    public async Task Notify_PostsTheNoticeOnceDurable()
    {
        var url = $"http://127.0.0.1:{FreePort()}/hook/";
        using var listener = new HttpListener();
        listener.Prefixes.Add(url);
        listener.Start();
        var received = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            context.Response.StatusCode = 204;
            context.Response.Close();
            return (context.Request.ContentType, body);
        });
        using var store = SqliteJournal.Create(Path.Combine(folder, "journal.db"));
        var runtime = new WorkflowRuntime(store, new WorkflowLoader(Compiled.Engine), new WorkflowRoles(new Dictionary<string, IReadOnlySet<string>>()), webhook: new WorkflowWebhook(new Uri(url)));

        IntoPaper(runtime);
        Assert.Equal(1, await runtime.Effects.RunPendingAsync());
        var (type, body) = await received.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("application/json", type, StringComparison.Ordinal);
        Assert.Equal("""{"instance":"live-pipeline:s-1","workflow":"live-pipeline@3","subject":"s-1","state":"L5_paper","text":"Paper burn-in started."}""", body);
        Assert.Contains(store.Read("workflow:live-pipeline:s-1"), e => e.Type == "workflow.notice");
        Assert.DoesNotContain(store.Read(), e => e.Type == "workflow.webhook_failed");
    }

    [Fact]
    public async Task Notify_UnreachableWebhook_IsJournaledAndTheStepStands()
    {
        using var store = SqliteJournal.Create(Path.Combine(folder, "journal.db"));
        var runtime = new WorkflowRuntime(store, new WorkflowLoader(Compiled.Engine), new WorkflowRoles(new Dictionary<string, IReadOnlySet<string>>()), webhook: new WorkflowWebhook(new Uri($"http://127.0.0.1:{FreePort()}/nobody/"), new WebhookRetry(Retries: 1, FirstDelay: TimeSpan.FromMilliseconds(1))));

        IntoPaper(runtime);
        await runtime.Effects.RunPendingAsync();

        Assert.Equal("L5_paper", runtime.Find("live-pipeline:s-1")!.State);
        var failed = Assert.Single(store.Read(), e => e.Type == "workflow.webhook_failed");
        Assert.Contains("Paper burn-in started.", failed.Payload, StringComparison.Ordinal);
        Assert.True(JournalVerifier.Verify(store).Intact);
    }

    [Fact]
    public void FromEnvironment_UnsetIsNone_BadIsAnError()
    {
        Assert.Null(WorkflowWebhook.FromEnvironment(_ => null));
        Assert.Equal("https://hooks.example/rg", WorkflowWebhook.FromEnvironment(_ => " https://hooks.example/rg ")!.Url.ToString());
        Assert.Throws<FormatException>(() => WorkflowWebhook.FromEnvironment(_ => ""));
        Assert.Throws<FormatException>(() => WorkflowWebhook.FromEnvironment(_ => "ftp://x"));
    }
}
