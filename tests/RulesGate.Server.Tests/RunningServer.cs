using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using RulesGate.Core;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Rules;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Server.Tests;

/// <summary>A real server on a free loopback port, with a journal and two principals: a trader and a reader.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    public static readonly string Root = FindRoot();

    private static readonly Lazy<CapitalGate> Compiled = new(() =>
        new CapitalGate(CapitalPolicies.Load(new RuleEngine(BuiltInKinds.Registry), Path.Combine(Root, "rules", "capital", "default.yaml")).Value!));

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-server-").FullName;
    private readonly WebApplication app;
    private readonly GateHost host;

    public RunningServer(bool readOnlyJournal = false, int inFlight = 1024, int waiting = 4096)
    {
        TraderToken = Principals.NewToken();
        ReaderToken = Principals.NewToken();
        RiskToken = Principals.NewToken();
        var principals = Path.Combine(folder, "principals.json");
        File.WriteAllText(principals, $$"""
            {"principals": [
              {"name": "Desk-Bot", "roles": ["trader"], "token_sha256": "{{Principals.HashOf(TraderToken)}}"},
              {"name": "auditor", "roles": ["reader"], "token_sha256": "{{Principals.HashOf(ReaderToken)}}"},
              {"name": "Risk-Officer", "roles": ["risk"], "token_sha256": "{{Principals.HashOf(RiskToken)}}"}
            ]}
            """);
        JournalPath = Path.Combine(folder, "journal.db");
        SqliteJournal.Create(JournalPath).Dispose();
        var served = SqliteJournal.Open(JournalPath, readOnly: readOnlyJournal);
        Journal = SqliteJournal.Open(JournalPath, readOnly: true);
        var gate = Compiled.Value;
        var portfolio = Read(Path.Combine(Root, "samples", "capital", "portfolio.json"), CapitalContextJson.ReadPortfolio);
        var market = Read(Path.Combine(Root, "samples", "capital", "market.json"), CapitalContextJson.ReadMarket);
        var intake = new CapitalStream(gate, portfolio, market, ExecutionState.Idle, "serve-test");
        host = new GateHost(gate, served, intake);
        app = RulesGateServer.Build(new ServerSettings(host, Principals.Read(principals), IPAddress.Loopback, 0, inFlight, waiting));
        app.StartAsync().GetAwaiter().GetResult();
        Client = new HttpClient { BaseAddress = new Uri(RulesGateServer.Address(app)) };
    }

    public string TraderToken { get; }

    public string ReaderToken { get; }

    public string RiskToken { get; }

    public string JournalPath { get; }

    /// <summary>The journal, opened read-only beside the server's own writer: what a second process sees.</summary>
    public JournalStore Journal { get; }

    public HttpClient Client { get; }

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
