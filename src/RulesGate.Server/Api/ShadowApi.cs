using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core.Gate;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Api;

/// <summary>
/// Shadow evaluation (<see cref="Shadow"/>): <c>GET /v1/shadow</c> for anyone; <c>POST /v1/shadow</c> (a candidate
/// capital rule file's text) and <c>DELETE /v1/shadow</c> for admin, each journaled with the caller.
/// </summary>
internal static class ShadowApi
{
    /// <summary>The largest rule file a request may carry.</summary>
    private const int MaxRules = Core.Rules.YamlLimits.MaxBytes;

    public static void Map(IEndpointRouteBuilder app, bool canStart)
    {
        app.MapGet("/v1/shadow", State).Require(role: null, "Reading");
        if (canStart)
        {
            app.MapPost("/v1/shadow", Start).Require(Principals.AdminRole, "Starting a shadow evaluation");
            app.MapDelete("/v1/shadow", Stop).Require(Principals.AdminRole, "Stopping a shadow evaluation");
        }
    }

    private static IResult State(GateHost gate) => Http.Json(Json(gate));

    private static async Task<IResult> Start(HttpContext context, GateHost gate, HotReload reload)
    {
        var request = Http.Read(context, RequestJson.Default.ShadowRequest, limit: MaxRules * 2);
        var bytes = System.Text.Encoding.UTF8.GetBytes(request.Rules);
        if (bytes.Length > MaxRules)
        {
            return Http.Problem(StatusCodes.Status413PayloadTooLarge, "too_large", $"rules: {bytes.Length} bytes; a rule file is at most {MaxRules}.");
        }

        var name = Path.GetFileName(request.File) is { Length: > 0 } given ? given : "shadow.yaml";   // a name for messages, never a path read
        var compiled = CapitalPolicies.Load(reload.Engine, name, bytes);
        if (compiled.Value is not { } bundle)
        {
            return Http.Problem(StatusCodes.Status400BadRequest, "invalid_rules", compiled.Diagnostics.Count > 0 ? compiled.Diagnostics[0].ToString() : $"{name} does not load.");
        }

        await gate.Shadow.Start(bundle, Http.Caller(context).Name).ConfigureAwait(false);
        return Http.Json(Json(gate));
    }

    private static async Task<IResult> Stop(HttpContext context, GateHost gate) =>
        await gate.Shadow.Stop(Http.Caller(context).Name).ConfigureAwait(false)
            ? Http.Json(Json(gate))
            : Http.Problem(StatusCodes.Status409Conflict, "no_shadow", "No candidate runs in shadow; start one with POST /v1/shadow.");

    /// <summary><c>{candidate, live, judged, disagreed, dropped}</c>; candidate is null while none runs.</summary>
    private static string Json(GateHost gate) => JsonText.Write(writer =>
    {
        var (judged, disagreed, dropped) = gate.Shadow.Counts;
        writer.WriteStartObject();
        writer.WritePropertyName("candidate"u8);
        JsonText.Value(writer, gate.Shadow.Candidate);
        writer.WriteString("live"u8, gate.Gate.Bundle.Identity);
        writer.WriteNumber("judged"u8, judged);
        writer.WriteNumber("disagreed"u8, disagreed);
        writer.WriteNumber("dropped"u8, dropped);
        writer.WriteEndObject();
    }, pretty: false);
}
