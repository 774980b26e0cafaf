using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core;
using RulesGate.Core.Governance;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Api;

/// <summary><c>POST /v1/canary</c>, for automation: one check of an infrastructure component, as <c>rulesgate canary report</c> records it.</summary>
internal static class CanaryApi
{
    public static void Map(IEndpointRouteBuilder app) => app.MapPost("/v1/canary", Report).Require(Principals.AutomationRole, "Reporting canary checks");

    private static async Task<IResult> Report(HttpContext context, GovernanceService service)
    {
        var report = Http.Read(context, RequestJson.Default.CanaryRequest);
        var (state, alert) = await service.CanaryReport(Identities.Id(report.Component, "request.component"), report.Ok, report.Detail).ConfigureAwait(false);
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("component"u8, state.Component);
            writer.WriteNumber("consecutive_failures"u8, state.ConsecutiveFailures);
            if (alert is null)
            {
                writer.WriteNull("alert"u8);
            }
            else
            {
                writer.WriteStartObject("alert"u8);
                writer.WriteString("action"u8, alert.Action.ToString().ToLowerInvariant());
                writer.WriteString("reason"u8, alert.Reason);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }, pretty: false));
    }
}
