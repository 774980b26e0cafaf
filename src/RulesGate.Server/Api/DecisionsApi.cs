using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Api;

/// <summary>
/// Orders, for traders: <c>POST /v1/decisions</c> (one full request, by both gates when it has a governance block),
/// <c>POST /v1/decisions:batch</c>, and PolicyGate's <c>POST /intent</c> and <c>GET /health</c>, answered exactly as
/// <c>policygate-serve</c> answers them. Each is decided by the order pipeline and durable in the journal before it is answered.
/// </summary>
internal static class DecisionsApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Health);
        app.MapPost("/intent", Intent).Require(Principals.TraderRole, "Judging orders");
        app.MapPost("/v1/decisions", Decide).Require(Principals.TraderRole, "Judging orders");
        app.MapPost("/v1/decisions:batch", DecideAll).Require(Principals.TraderRole, "Judging orders");
    }

    /// <summary>PolicyGate's <c>GET /health</c>: the intake stream's state.</summary>
    private static IResult Health(GateHost gate)
    {
        var (positions, killSwitch, orders) = gate.Status();
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("status"u8, "ok");
            writer.WriteString("run_id"u8, gate.Intake.RunId);
            writer.WriteString("policy_hash"u8, gate.Gate.Bundle.File.Hash);
            writer.WriteNumber("positions_count"u8, positions);
            writer.WriteBoolean("kill_switch_active"u8, killSwitch);
            writer.WriteNumber("orders_last_60s_global"u8, orders);
            writer.WriteEndObject();
        }, pretty: false));
    }

    /// <summary>PolicyGate's <c>POST /intent</c>: one intent of the server's stream, with its prices when sent.</summary>
    private static async Task<IResult> Intent(HttpContext context, GateHost gate)
    {
        using var body = Http.Body(context);
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("intent", out var intent) || intent.ValueKind == JsonValueKind.Null)
        {
            throw new FormatException("Request body must be an object with an 'intent' key.");
        }

        var market = root.TryGetProperty("market_snapshot", out var snapshot) && snapshot.ValueKind != JsonValueKind.Null ? CapitalContextJson.ReadMarket(snapshot) : null;
        var (decision, judged) = await gate.Intent(intent, market).ConfigureAwait(false);
        return Http.Json(PolicyGateJson.Decision(decision, judged, gate.Gate));
    }

    /// <summary><c>POST /v1/decisions</c>: <c>{"seq", "decision"}</c>, by both gates when the request has a governance block.</summary>
    private static async Task<IResult> Decide(HttpContext context, GateHost gate, ServerSettings settings)
    {
        using var body = Http.Body(context);
        return Http.Json(await Decision(body.RootElement, gate, settings).ConfigureAwait(false));
    }

    /// <summary>
    /// One decision request judged, and the answer as JSON: what <c>POST /v1/decisions</c> answers and the gRPC
    /// intake (<see cref="OrderPathService"/>) sends back, the same on both.
    /// </summary>
    /// <exception cref="FormatException">The request is not one.</exception>
    internal static async Task<string> Decision(JsonElement request, GateHost gate, ServerSettings settings)
    {
        if (request.ValueKind == JsonValueKind.Object && request.TryGetProperty("governance", out _))
        {
            var governance = settings.GovernanceService?.Settings.Governance ?? throw new NoGovernanceException();
            var (governed, governedSeq) = await gate.Govern(GovernanceRequest.Read(request), governance).ConfigureAwait(false);
            return JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                if (governedSeq is { } number)
                {
                    writer.WriteNumber("seq"u8, number);
                }

                writer.WritePropertyName("decision"u8);
                GovernanceJson.WriteDecision(writer, governed, governance.MaturityPolicy);
                writer.WriteEndObject();
            }, pretty: false);
        }

        var (decision, seq) = await gate.Decide(CapitalContextJson.ReadRequest(request)).ConfigureAwait(false);
        return JsonText.Write(writer => Decided(writer, decision, seq), pretty: false);
    }

    /// <summary><c>POST /v1/decisions:batch</c>: up to <see cref="Http.MaxBatch"/> requests, decided in order and journaled together.</summary>
    private static async Task<IResult> DecideAll(HttpContext context, GateHost gate)
    {
        using var body = Http.Body(context, Http.MaxBatchBody);
        var requests = new JsonFields(body.RootElement, "request", "requests").Required("requests");
        if (requests.ValueKind != JsonValueKind.Array || requests.GetArrayLength() is 0 or > Http.MaxBatch)
        {
            throw new FormatException($"request.requests: expected a list of 1 to {Http.MaxBatch} requests, each {{intent, portfolio, market, execution}}.");
        }

        var contexts = requests.EnumerateArray().Select((request, i) => Http.Item(i, "requests", () => CapitalContextJson.ReadRequest(request))).ToList();
        var decided = await gate.DecideAll(contexts).ConfigureAwait(false);
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("decisions"u8);
            foreach (var (decision, seq) in decided)
            {
                Decided(writer, decision, seq);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }, pretty: false));
    }

    /// <summary><c>{"seq": N, "decision": {…}}</c>, without <c>seq</c> when there is no journal.</summary>
    private static void Decided(Utf8JsonWriter writer, CapitalDecision decision, long? seq)
    {
        writer.WriteStartObject();
        if (seq is { } number)
        {
            writer.WriteNumber("seq"u8, number);
        }

        writer.WritePropertyName("decision"u8);
        CapitalJson.WriteDecision(writer, decision);
        writer.WriteEndObject();
    }
}
