using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core;
using RulesGate.Core.Governance;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Api;

/// <summary>Execution tokens, for risk: <c>POST /v1/tokens</c> issues one (its secret shown once), <c>POST /v1/tokens/revoke</c> revokes one or all of a strategy's.</summary>
internal static class TokensApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/tokens", Issue).Require(Principals.RiskRole, "Issuing an execution token");
        app.MapPost("/v1/tokens/revoke", Revoke).Require(Principals.RiskRole, "Revoking execution tokens");
    }

    private static async Task<IResult> Issue(HttpContext context, GovernanceService service)
    {
        var issue = Http.Read(context, RequestJson.Default.IssueRequest);
        var (token, secret) = await service.IssueToken(Identities.Id(issue.StrategyId, "request.strategy_id"), issue.Symbol, issue.MaxQty, Http.Caller(context)).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status201Created;
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("token"u8);
            GovernanceJson.WriteToken(writer, token);
            writer.WriteString("secret"u8, secret);
            writer.WriteEndObject();
        }, pretty: false));
    }

    private static async Task<IResult> Revoke(HttpContext context, GovernanceService service)
    {
        var revoke = Http.Read(context, RequestJson.Default.RevokeRequest);
        if ((revoke.Id is null) != revoke.All)
        {
            throw new FormatException("request: give either 'id' (one token) or \"all\": true (every active token of the strategy).");
        }

        var revoked = await service.RevokeTokens(Identities.Id(revoke.StrategyId, "request.strategy_id"), revoke.Id, Http.Caller(context), revoke.Reason).ConfigureAwait(false);
        return Http.Json(string.Create(CultureInfo.InvariantCulture, $$"""{"revoked":{{revoked}}}"""));
    }
}
