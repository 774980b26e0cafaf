using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace RulesGate.Server.Api;

/// <summary>Who may call an endpoint: its metadata, checked by the authentication middleware once the caller is known.</summary>
/// <param name="Role">The role it needs; null: any authenticated principal.</param>
/// <param name="What">What the endpoint does, for the 403 that says what it needs.</param>
internal sealed record Roles(string? Role, string What)
{
    /// <summary>Whether <paramref name="principal"/> may call it; else the 403 to answer.</summary>
    public IResult? Refusal(Principal principal) =>
        Role is null || principal.Has(Role) ? null : Http.Problem(StatusCodes.Status403Forbidden, "forbidden", $"{What} needs the role '{Role}'.");
}

/// <summary>How an endpoint says who may call it.</summary>
internal static class RoleMetadata
{
    /// <summary>Only principals with <paramref name="role"/> (any authenticated principal when null) reach the handler; others get a 403 saying what <paramref name="what"/> needs.</summary>
    public static RouteHandlerBuilder Require(this RouteHandlerBuilder endpoint, string? role, string what) => endpoint.WithMetadata(new Roles(role, what));
}
