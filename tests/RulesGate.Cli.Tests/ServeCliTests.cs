using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RulesGate.Cli.Tests;

/// <summary><c>rulesgate principal new</c> and <c>rulesgate serve</c> as a user meets them: tokens, refusals, and a clean stop on SIGTERM.</summary>
public sealed class ServeCliTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-serve-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static readonly string[] Inputs = ["--policy", "rules/capital/default.yaml", "--portfolio", "samples/capital/portfolio.json", "--market", "samples/capital/market.json"];

    /// <summary>A principals file for a new trader token; the token.</summary>
    private (string Path, string Token) Principals()
    {
        var (exit, output, _) = CliTests.Run("principal", "new", "--name", "Desk-Bot", "--role", "trader");
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var path = Path.Combine(folder, "principals.json");
        File.WriteAllText(path, $$"""{"principals": [{{lines[1]}}]}""");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);   // a principals file others may write is refused
        }

        return (path, lines[0]["token: ".Length..]);
    }

    [Fact]
    public void PrincipalNew_PrintsTheTokenOnce_AndAnEntryKeepingOnlyItsHash()
    {
        var (exit, output, _) = CliTests.Run("principal", "new", "--name", "Desk-Bot", "--role", "trader", "--role", "risk");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var token = lines[0]["token: ".Length..];
        using var entry = JsonDocument.Parse(lines[1]);

        Assert.Equal(0, exit);
        Assert.StartsWith("rg_", token, StringComparison.Ordinal);
        Assert.Equal("desk-bot", entry.RootElement.GetProperty("name").GetString());
        Assert.Equal(["trader", "risk"], entry.RootElement.GetProperty("roles").EnumerateArray().Select(role => role.GetString()));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))), entry.RootElement.GetProperty("token_sha256").GetString());
        Assert.DoesNotContain(token, lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_RefusesWhatItCannotStartWith_InOneLine()
    {
        var missing = CliTests.Run(["serve", .. Inputs, "--principals", Path.Combine(folder, "none.json")]);
        var (principals, _) = Principals();
        var host = CliTests.Run(["serve", .. Inputs, "--principals", principals, "--host", "localhost"]);
        var port = CliTests.Run(["serve", .. Inputs, "--principals", principals, "--port", "70000"]);

        Assert.Equal(2, missing.Exit);
        Assert.Contains("none.json", missing.Err, StringComparison.Ordinal);
        Assert.Equal(2, host.Exit);
        Assert.Contains("write 127.0.0.1", host.Err, StringComparison.Ordinal);
        Assert.Equal(2, port.Exit);
        Assert.All([missing.Err, host.Err, port.Err], err => Assert.Single(err.Trim().Split('\n')));
    }

    [Fact]
    public async Task Serve_AnswersWithAToken_AndStopsCleanlyOnSigterm()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var (principals, token) = Principals();
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var process = Nodes.Start(["serve", .. Inputs, "--principals", principals, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var started = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var health = await client.GetAsync("/health");

        using (Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith($"rulesgate serve: listening on http://127.0.0.1:{port} with 1 principal", started, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task Serve_WithAJournal_ReadsItBesideItsWriter_ForTheChangelog()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var (principals, token) = Principals();
        var journal = Path.Combine(folder, "journal.db");
        Assert.Equal(0, CliTests.Run("journal", "init", "--journal", journal).Exit);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        // The reader is opened when a read first needs it, after the command's options are gone.
        using var process = Nodes.Start(["serve", .. Inputs, "--principals", principals, "--journal", journal, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var changelog = await client.GetAsync("/v1/changelog");
        var body = await changelog.Content.ReadAsStringAsync();

        using (Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(changelog.StatusCode == HttpStatusCode.OK, $"{(int)changelog.StatusCode} {body} {await process.StandardError.ReadToEndAsync()}");
        Assert.Equal("""{"count":0,"changes":[]}""", body);
    }
}
