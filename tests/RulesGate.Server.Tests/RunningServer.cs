using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using RulesGate.Core;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Promotion;
using RulesGate.Core.Workflows;
using RulesGate.Core.Journal;
using RulesGate.Core.Rules;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Server.Tests;

/// <summary>
/// A real server on a free loopback port, with a journal, the repository's workflows, roles and governance, and
/// principals: a trader, a reader, a risk officer, an automation, and approvers named as in <c>workflows/roles.yaml</c>
/// (rhea and raj hold risk; rhea may also start instances).
/// </summary>
public sealed class RunningServer : IAsyncDisposable
{
    public static readonly string Root = FindRoot();

    private static readonly Lazy<CapitalGate> Compiled = new(() =>
        new CapitalGate(CapitalPolicies.Load(new RuleEngine(BuiltInKinds.Registry), Path.Combine(Root, "rules", "capital", "default.yaml")).Value!));

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-server-").FullName;
    private readonly WebApplication app;
    private readonly GateHost host;

    /// <param name="reloadable">Run copies of the capital policy and the workflows in the server's folder (<see cref="PolicyPath"/>, <see cref="WorkflowsPath"/>), to change them and reload.</param>
    /// <param name="slowClient">How long a slow client is waited for (the server's default when null).</param>
    /// <param name="time">The desk's clock (a fake one moves workflow timers); the system's when null.</param>
    /// <param name="webhook">Where workflow notices are posted; none when null.</param>
    /// <param name="tls">Serve HTTPS with this certificate, and with <paramref name="clientAuthorities"/> ask every client for one of theirs; <see cref="Client"/> is then of no use, make one that trusts it.</param>
    private readonly RequestLog? requests;

    public RunningServer(bool readOnlyJournal = false, int inFlight = 1024, int waiting = 4096, bool reloadable = false, TimeSpan? slowClient = null, System.Security.Cryptography.X509Certificates.X509Certificate2? tls = null, System.Security.Cryptography.X509Certificates.X509Certificate2Collection? clientAuthorities = null, TimeProvider? time = null, WorkflowWebhook? webhook = null, TimeSpan? watchFiles = null, Func<string, string>? governanceEdit = null, bool grpc = false, bool governedRules = false, bool requestLog = false, Action<OpenTelemetry.Trace.TracerProviderBuilder>? tracing = null)
    {
        TraderToken = Principals.NewToken();
        ReaderToken = Principals.NewToken();
        RiskToken = Principals.NewToken();
        AutomationToken = Principals.NewToken();
        AdminToken = Principals.NewToken();
        RheaToken = Principals.NewToken();
        RajToken = Principals.NewToken();
        var principals = Path.Combine(folder, "principals.json");
        File.WriteAllText(principals, $$"""
            {"principals": [
              {"name": "Desk-Bot", "roles": ["trader"], "token_sha256": "{{Principals.HashOf(TraderToken)}}"},
              {"name": "auditor", "roles": ["reader"], "token_sha256": "{{Principals.HashOf(ReaderToken)}}"},
              {"name": "Risk-Officer", "roles": ["risk"], "token_sha256": "{{Principals.HashOf(RiskToken)}}"},
              {"name": "feed-bot", "roles": ["automation"], "token_sha256": "{{Principals.HashOf(AutomationToken)}}"},
              {"name": "Rhea", "roles": ["automation", "approver"], "token_sha256": "{{Principals.HashOf(RheaToken)}}"},
              {"name": "raj", "roles": ["approver"], "token_sha256": "{{Principals.HashOf(RajToken)}}"},
              {"name": "ops", "roles": ["admin"], "token_sha256": "{{Principals.HashOf(AdminToken)}}"}
            ]}
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(principals, UnixFileMode.UserRead | UnixFileMode.UserWrite);   // a principals file others may write is refused
        }

        JournalPath = Path.Combine(folder, "journal.db");
        SqliteJournal.Create(JournalPath).Dispose();
        var served = SqliteJournal.Open(JournalPath, time, readOnly: readOnlyJournal);     // its events stamped by the server's clock
        Journal = SqliteJournal.Open(JournalPath, readOnly: true);
        PolicyPath = Path.Combine(Root, "rules", "capital", "default.yaml");
        WorkflowsPath = Path.Combine(Root, "workflows");
        if (reloadable)
        {
            // The workflows name their gates relative to themselves (../rules/…): both folders are copied.
            (PolicyPath, WorkflowsPath) = (Path.Combine(folder, "rules", "capital", "default.yaml"), Path.Combine(folder, "workflows"));
            foreach (var file in Directory.GetFiles(Path.Combine(Root, "rules"), "*.yaml", SearchOption.AllDirectories).Concat(Directory.GetFiles(Path.Combine(Root, "workflows"), "*.yaml")))
            {
                var copy = Path.Combine(folder, Path.GetRelativePath(Root, file));
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(file, copy);
            }
        }

        var gate = Compiled.Value;
        var portfolio = Read(Path.Combine(Root, "samples", "capital", "portfolio.json"), CapitalContextJson.ReadPortfolio);
        var market = Read(Path.Combine(Root, "samples", "capital", "market.json"), CapitalContextJson.ReadMarket);
        var intake = new CapitalStream(gate, portfolio, market, ExecutionState.Idle, "serve-test");
        host = new GateHost(gate, served, intake, time);
        var engine = new RuleEngine(BuiltInKinds.Registry);
        var roles = WorkflowRoles.Load(Path.Combine(Root, "workflows", "roles.yaml"));
        var governancePath = Path.Combine(reloadable ? folder : Root, "rules", "governance", "default.yaml");
        if (governanceEdit is not null)
        {
            // The repository's policy as the test changes it, in the server's folder.
            var edited = Path.Combine(folder, "governance.yaml");
            File.WriteAllText(edited, governanceEdit(File.ReadAllText(governancePath)));
            governancePath = edited;
        }

        var governance = new GovernanceGate(
            engine.Load(governancePath).Value ?? throw new InvalidOperationException($"The edited governance policy does not load."),
            new MaturityLadder(engine.Load(Path.Combine(Root, "rules", "maturity", "default.yaml")).Value!));
        var service = new GovernanceService(host, new GovernanceServiceSettings(
            engine, WorkflowsPath, roles, PromotionGates.Load(engine, Path.Combine(Root, "rules", "promotion", "alpha-trade.yaml")).Value!, governance,
            Templates: Path.Combine(Root, "templates"), Artifacts: Path.Combine(folder, "artifacts"), Time: time, Webhook: webhook,
            Reader: () => SqliteJournal.Open(JournalPath, readOnly: true)));
        GovernancePath = governancePath;
        Reload = new HotReload(host, service, engine, new ReloadSources(PolicyPath, Governance: reloadable ? governancePath : null, Workflows: WorkflowsPath), governed: governedRules);
        RequestLogPath = Path.Combine(folder, "requests.jsonl");
        requests = requestLog ? new RequestLog(new StreamWriter(RequestLogPath), host.Metrics.RequestLogDropped, ownsOutput: true) : null;
        app = RulesGateServer.Build(new ServerSettings(host, Principals.Read(principals), IPAddress.Loopback, 0, inFlight, waiting, service, Reload, slowClient, tls, clientAuthorities, watchFiles, GrpcPort: grpc ? 0 : null, RequestLog: requests, Tracing: tracing));
        app.StartAsync().GetAwaiter().GetResult();
        Address = RulesGateServer.Address(app);
        GrpcAddress = RulesGateServer.GrpcAddress(app);
        Client = new HttpClient { BaseAddress = new Uri(Address) };
    }

    /// <summary>Where the request log goes when the server was made with <c>requestLog</c>.</summary>
    public string RequestLogPath { get; }

    public string TraderToken { get; }

    public string ReaderToken { get; }

    public string RiskToken { get; }

    public string AutomationToken { get; }

    public string RheaToken { get; }

    public string RajToken { get; }

    public string AdminToken { get; }

    /// <summary>The capital policy the server runs (a copy of its own when reloadable).</summary>
    public string PolicyPath { get; }

    /// <summary>The governance policy the server runs: a copy in its folder when <c>reloadable</c>.</summary>
    public string GovernancePath { get; }

    public string WorkflowsPath { get; }

    public HotReload Reload { get; }

    public string JournalPath { get; }

    /// <summary>The journal, opened read-only beside the server's own writer: what a second process sees.</summary>
    public JournalStore Journal { get; }

    /// <summary>The server's gate host: its journal writer, for a test that must hold the writer.</summary>
    public GateHost Host => host;

    public HttpClient Client { get; }

    /// <summary>Where it listens, such as <c>http://127.0.0.1:41234</c>.</summary>
    public string Address { get; }

    /// <summary>Where its gRPC intake listens (started with <c>grpc: true</c>), or null.</summary>
    public string? GrpcAddress { get; }

    public static string Sample(params string[] parts) => File.ReadAllText(Path.Combine([Root, "samples", .. parts]));

    public async Task<HttpResponseMessage> Post(string path, string body, string? token, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Client.SendAsync(request);
    }

    public async Task<HttpResponseMessage> Get(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        if (requests is not null)
        {
            await requests.DisposeAsync();
        }

        await host.DisposeAsync();
        Journal.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private static T Read<T>(string path, Func<System.Text.Json.JsonElement, T> read)
    {
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        return read(document.RootElement);
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RulesGate.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("RulesGate.sln not found above the test assembly.");
    }
}
