using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core;
using RulesGate.Core.Governance;
using RulesGate.Core.Promotion;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Api;

/// <summary>Evidence intake, for automation: <c>POST /v1/diary</c>, <c>/v1/evidence</c> and <c>/v1/outcomes</c>; each answers with the instances it moved.</summary>
internal static class EvidenceApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/diary", Diary).Require(Principals.AutomationRole, "Recording diary entries");
        app.MapPost("/v1/evidence", Evidence).Require(Principals.AutomationRole, "Submitting evidence");
        app.MapPost("/v1/outcomes", Outcomes).Require(Principals.AutomationRole, "Recording trade outcomes");
    }

    private static async Task<IResult> Diary(HttpContext context, GovernanceService service)
    {
        using var body = Http.Body(context, Http.MaxBatchBody);
        var entries = Http.Items(new JsonFields(body.RootElement, "request", "entries").Required("entries"), "entries", DiaryEntry.Read);
        var intake = await service.Diary(entries).ConfigureAwait(false);
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("added"u8, intake.Added);
            writer.WriteNumber("duplicates"u8, intake.Duplicates);
            InstancesApi.Instances(writer, "moved"u8, intake.Moved);
            writer.WriteEndObject();
        }, pretty: false));
    }

    private static async Task<IResult> Evidence(HttpContext context, GovernanceService service)
    {
        var submitted = Http.Read(context, RequestJson.Default.EvidenceRequest);
        if (submitted.Evidence.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("request.evidence: expected one JSON object, the evidence's fields.");
        }

        return InstancesApi.Signal(await service.Evidence(Identities.Id(submitted.Subject, "request.subject"), Identities.Id(submitted.Kind, "request.kind"), submitted.Evidence, submitted.Key).ConfigureAwait(false));
    }

    private static async Task<IResult> Outcomes(HttpContext context, GovernanceService service)
    {
        using var body = Http.Body(context, Http.MaxBatchBody);
        var outcomes = Http.Items(new JsonFields(body.RootElement, "request", "outcomes").Required("outcomes"), "outcomes", TradeOutcome.Read);
        var (intake, moved, started, held) = await service.Outcomes(outcomes).ConfigureAwait(false);
        var baseEquity = service.Settings.Governance!.Settings.BaseEquity;
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("added"u8, intake.Added);
            writer.WriteNumber("duplicates"u8, intake.Duplicates);
            writer.WriteStartArray("strategies"u8);
            foreach (var strategy in intake.Strategies)
            {
                writer.WriteStartObject();
                writer.WriteString("strategy_id"u8, strategy.Strategy);
                writer.WritePropertyName("figures"u8);
                writer.WriteRawValue(strategy.FiguresJson(baseEquity));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            InstancesApi.Instances(writer, "started"u8, started);
            InstancesApi.Instances(writer, "moved"u8, moved);
            InstancesApi.Held(writer, held);
            writer.WriteEndObject();
        }, pretty: false));
    }
}
