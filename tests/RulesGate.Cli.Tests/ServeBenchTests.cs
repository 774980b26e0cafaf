using System.Net;
using System.Net.Sockets;
using RulesGate.Bench;

namespace RulesGate.Cli.Tests;

/// <summary>
/// bench serve's load generator is open-loop: a request is timed from when it was scheduled, so a server that stalls
/// is charged for every request scheduled during the stall, not only for the one it held (no coordinated omission).
/// </summary>
public sealed class ServeBenchTests
{
    /// <summary>A server on this machine that holds the first request for <paramref name="stall"/> and answers the rest at once, one at a time.</summary>
    private static (Uri Url, Task Serving, HttpListener Listener) Stalling(TimeSpan stall, int requests)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var url = new Uri($"http://127.0.0.1:{port}/v1/decisions/");
        var listener = new HttpListener();
        listener.Prefixes.Add(url.AbsoluteUri);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            for (var i = 0; i < requests; i++)
            {
                var context = await listener.GetContextAsync();
                if (i == 0)
                {
                    await Task.Delay(stall);
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
        return (url, serving, listener);
    }

    [Fact]
    public async Task AStall_IsChargedToEveryRequestScheduledDuringIt()
    {
        // 100 requests a second over one connection; the first is held for 300 ms, so about 30 wait behind it.
        var (url, serving, listener) = Stalling(TimeSpan.FromMilliseconds(300), requests: 100);
        using var http = ServeBench.Client(connections: 1);
        var bench = ServeBench.Http(http, url, "token", "{}"u8.ToArray());

        var phase = Assert.Single(await bench.FixedRate("stall", rate: 100, TimeSpan.Zero, TimeSpan.FromSeconds(1)));
        await serving;
        listener.Close();

        Assert.Equal((100, 0), (phase.Scheduled, phase.Failed));
        Assert.True(phase.Max >= 300_000, $"max {phase.Max} µs");
        // A closed-loop client would charge the stall to one request; here a fifth of them at least see most of it.
        Assert.True(phase.P90 >= 100_000, $"p90 {phase.P90} µs");
        Assert.True(phase.P50 <= phase.P90 && phase.P90 <= phase.P99 && phase.P99 <= phase.P999 && phase.P999 <= phase.Max);
    }

    [Fact]
    public void ServeBench_WithoutAToken_OrAnUnsafeUrl_IsOneLineExitTwo()
    {
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("RULESGATE_TOKEN")), "the test needs RULESGATE_TOKEN unset");

        var (exit, output, error) = CliTests.Run("bench", "serve", "--url", "http://example.com:8080");

        Assert.Equal((2, ""), (exit, output));
        Assert.Contains("RULESGATE_TOKEN", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void BenchDesk_DecidesEveryScheduledOrderDurably_AndRefusesANonsenseRateInOneLine()
    {
        var (exit, output, _) = CliTests.Run("bench", "desk", "--policy", "rules/capital/default.yaml", "--rate", "200", "--seconds", "0.5", "--warmup", "0", "--json");
        var (refused, _, error) = CliTests.Run("bench", "desk", "--policy", "rules/capital/default.yaml", "--rate", "0");

        Assert.Equal(0, exit);
        using var phase = System.Text.Json.JsonDocument.Parse(output.Trim());
        Assert.Equal(100, phase.RootElement.GetProperty("scheduled").GetInt64());
        Assert.Equal(0, phase.RootElement.GetProperty("failed").GetInt64());
        Assert.Equal(2, refused);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("--rate", error, StringComparison.Ordinal);
    }
}
