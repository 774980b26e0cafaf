using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core.Application;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Api;

/// <summary>
/// Governed rule changes (<see cref="RuleChanges"/>): <c>GET /v1/rule-changes</c> and <c>/v1/rule-changes/{subject}</c>
/// for anyone; <c>POST /v1/rule-changes</c> for admin, a newer version of a rule file the server runs (its capital
/// policy, promotion gates, governance or maturity file), proposed by the caller: assessed (a capital policy's impact
/// and diff, in its checklist), then waiting in its <c>rule-change</c> instance for a
/// quorum that never counts the caller, and live once approved, not before the time it names.
/// </summary>
internal static class RuleChangesApi
{
    private const int MaxRules = Core.Rules.YamlLimits.MaxBytes;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/rule-changes", List).Require(role: null, "Reading");
        app.MapGet("/v1/rule-changes/{subject}", One).Require(role: null, "Reading");
        app.MapPost("/v1/rule-changes", Propose).Require(Principals.AdminRole, "Proposing a rule change");
    }

    private static async Task<IResult> List(GovernanceService service)
    {
        var records = await service.RuleChangeRecords().ConfigureAwait(false);
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("changes"u8);
            foreach (var record in records)
            {
                writer.WriteRawValue(RecordJson.Write(record));
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }, pretty: false));
    }

    private static async Task<IResult> One(string subject, GovernanceService service) =>
        (await service.RuleChangeRecords(subject).ConfigureAwait(false)) is [var record]
            ? Http.Json(RecordJson.Write(record))
            : Http.Problem(StatusCodes.Status404NotFound, "not_found", $"No rule change is proposed as '{subject}'; GET /v1/rule-changes lists them.");

    private static async Task<IResult> Propose(HttpContext context, GovernanceService service, HotReload reload)
    {
        var request = Http.Read(context, RequestJson.Default.RuleChangeRequest, limit: MaxRules * 2);
        var bytes = System.Text.Encoding.UTF8.GetBytes(request.Rules);
        if (bytes.Length > MaxRules)
        {
            return Http.Problem(StatusCodes.Status413PayloadTooLarge, "too_large", $"rules: {bytes.Length} bytes; a rule file is at most {MaxRules}.");
        }

        var liveAt = request.LiveAt is { } at ? JsonFields.Timestamp(at, "live_at") : (DateTimeOffset?)null;
        var compiled = reload.Engine.Compile(reload.Engine.Loader.Parse("candidate.yaml", bytes));     // a name for messages, never a path read
        if (compiled.Value is not { } candidate)
        {
            return Http.Problem(StatusCodes.Status400BadRequest, "invalid_rules", compiled.Diagnostics.Count > 0 ? compiled.Diagnostics[0].ToString() : "candidate.yaml does not load.");
        }

        if (reload.FileOf(candidate.File.Kind) is not { } file)
        {
            return Http.Problem(StatusCodes.Status400BadRequest, "invalid_rules", $"This server runs no {candidate.File.Kind} file to change; propose its capital policy, promotion gates, governance or maturity file.");
        }

        var (record, instance) = await service.ProposeRuleChange(candidate, file, Http.Caller(context).Name, liveAt).ConfigureAwait(false);
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("change"u8);
            writer.WriteRawValue(RecordJson.Write(record));
            writer.WriteString("instance"u8, instance.Id);
            writer.WriteEndObject();
        }, pretty: false), StatusCodes.Status202Accepted);
    }
}
