using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace RulesGate.Server.Api;

/// <summary>Who may call an endpoint.</summary>
internal static class Roles
{
    /// <summary>Only principals with <paramref name="role"/> (any authenticated principal when null) reach the handler; others get a 403 saying what <paramref name="what"/> needs.</summary>
    public static RouteHandlerBuilder Require(this RouteHandlerBuilder endpoint, string? role, string what) =>
        endpoint.AddEndpointFilter(async (invocation, next) =>
            invocation.HttpContext.Items[nameof(Principal)] is Principal principal && (role is null || principal.Has(role))
                ? await next(invocation).ConfigureAwait(false)
                : Http.Problem(StatusCodes.Status403Forbidden, "forbidden", role is null ? $"{what} needs a principal." : $"{what} needs the role '{role}'."));
}
