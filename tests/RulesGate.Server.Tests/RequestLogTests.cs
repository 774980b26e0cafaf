using System.Net;
using System.Text.Json;

namespace RulesGate.Server.Tests;

/// <summary>The structured request log: one JSON line per request answered, with its route pattern, status, principal and latency.</summary>
public sealed class RequestLogTests : IAsyncDisposable
{
    private readonly RunningServer server = new(requestLog: true);

    public ValueTask DisposeAsync() => server.DisposeAsync();

    /// <summary>The log's lines once it holds <paramref name="count"/>: written off the request path, so they are waited for.</summary>
    private List<JsonElement> Lines(int count)
    {
        List<JsonElement> lines = [];
        Assert.True(SpinWait.SpinUntil(() =>
        {
            using var file = new FileStream(server.RequestLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(file);
            lines = [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];
            return lines.Count >= count;
        }, TimeSpan.FromSeconds(30)), $"the log holds {lines.Count} lines, not {count}");
        return lines;
    }

    [Fact]
    public async Task EachRequest_IsOneLine_WithItsRoutePatternStatusPrincipalAndLatency()
    {
        Assert.Equal(HttpStatusCode.OK, (await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Post("/v1/decisions", "{}", token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Get("/v1/instances/rule-change:secret-subject", server.ReaderToken)).StatusCode);

        var lines = Lines(3);

        Assert.Equal(3, lines.Count);
        var (decided, refused, missing) = (lines[0], lines[1], lines[2]);
        Assert.Equal(("POST", "/v1/decisions", 200, "desk-bot"), (decided.GetProperty("method").GetString(), decided.GetProperty("route").GetString(), decided.GetProperty("status").GetInt32(), decided.GetProperty("principal").GetString()));
        Assert.True(decided.GetProperty("latency_ms").GetDouble() > 0);
        Assert.Equal((401, JsonValueKind.Null), (refused.GetProperty("status").GetInt32(), refused.GetProperty("principal").ValueKind));
        Assert.Equal(("/v1/instances/{id}", 404, "auditor"), (missing.GetProperty("route").GetString(), missing.GetProperty("status").GetInt32(), missing.GetProperty("principal").GetString()));
        Assert.DoesNotContain("secret-subject", File.ReadAllText(server.RequestLogPath), StringComparison.Ordinal);     // the pattern, never the path a caller made
        Assert.All(lines, line => Assert.EndsWith("Z", line.GetProperty("time").GetString(), StringComparison.Ordinal));
    }
}
