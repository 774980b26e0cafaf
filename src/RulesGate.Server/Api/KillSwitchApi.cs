using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Api;

/// <summary>The kill switch: <c>GET /v1/killswitch</c> for anyone, <c>POST /v1/killswitch/reset</c> for risk, journaled with the caller and why.</summary>
internal static class KillSwitchApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/killswitch", State).Require(role: null, "Reading");
        app.MapPost("/v1/killswitch/reset", Reset).Require(Principals.RiskRole, "Resetting the kill switch");
    }

    private static async Task<IResult> State(GateHost gate) => Http.Json((await gate.KillSwitch().ConfigureAwait(false)).Json());

    private static async Task<IResult> Reset(HttpContext context, GateHost gate)
    {
        if (!gate.HasJournal)
        {
            return Http.Problem(StatusCodes.Status409Conflict, "no_journal", "This server has no journal to record a reset in; start it with --journal.");
        }

        var reset = Http.Read(context, RequestJson.Default.ResetRequest);
        return Http.Json((await gate.Reset(Http.Caller(context), reset.Reason).ConfigureAwait(false)).Json());
    }
}
