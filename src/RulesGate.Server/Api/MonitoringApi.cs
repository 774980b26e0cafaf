using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Api;

/// <summary>What probes and scrapers call (from this machine without a token, never shed): <c>GET /ready</c> and <c>GET /metrics</c>.</summary>
internal static class MonitoringApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/ready", Ready);
        app.MapGet("/metrics", Metrics);
    }

    /// <summary>Whether <paramref name="path"/> is one of them.</summary>
    public static bool Owns(PathString path) => path == "/metrics" || path == "/ready";

    /// <summary>200 while the journal takes decisions; 503 with why once a write failed, until the journal's probe (or a write) succeeds again.</summary>
    private static IResult Ready(HttpContext context, GateHost gate)
    {
        var why = gate.Unwritable;
        context.Response.StatusCode = why is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteBoolean("ready"u8, why is null);
            JsonText.Optional(writer, "reason"u8, why);
            writer.WriteEndObject();
        }, pretty: false));
    }

    private static async Task Metrics(HttpContext context, GateHost gate)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await gate.Metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
