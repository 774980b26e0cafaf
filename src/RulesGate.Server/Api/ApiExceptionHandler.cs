using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using RulesGate.Core;
using RulesGate.Core.Orders;

namespace RulesGate.Server.Api;

/// <summary>
/// What goes wrong in an endpoint, as its answer, in one place: bad input is a 400, what is not there a 404, a
/// refusal (the rules, four eyes, a race: nothing was written) a 409, a journal that did not take the work a 503
/// (for an order: the decision is not given, the order must not go), anything else a 500 that says so.
/// </summary>
internal sealed class ApiExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, message) = Answer(exception, Judging(httpContext.Request.Path));
        await Http.Fail(httpContext, status, code, message).ConfigureAwait(false);
        return true;
    }

    /// <summary>The status, problem code and message for <paramref name="error"/>.</summary>
    /// <param name="judging">The request asked for an order's decision: what went wrong means the order must not go.</param>
    internal static (int Status, string Code, string Message) Answer(Exception error, bool judging) => error switch
    {
        PayloadTooLargeException => (StatusCodes.Status413PayloadTooLarge, "payload_too_large", error.Message),
        UnsupportedContentTypeException => (StatusCodes.Status400BadRequest, "invalid_content_type", error.Message),
        JsonException or FormatException => (StatusCodes.Status400BadRequest, "invalid_json", error.Message),
        NotFoundException => (StatusCodes.Status404NotFound, "not_found", error.Message),
        RefusalException refusal => (StatusCodes.Status409Conflict, refusal.Reason.Replace('.', '_'), error.Message),
        NoJournalException or NoGovernanceException or FileNotFoundException => (StatusCodes.Status409Conflict, "not_configured", error.Message),
        BadHttpRequestException bad => (bad.StatusCode, "bad_request", error.Message),
        JournalUnavailableException => (StatusCodes.Status503ServiceUnavailable, "journal_unavailable", $"{error.Message} The decision is not given; the order must not go."),
        System.Data.Common.DbException or IOException => (StatusCodes.Status503ServiceUnavailable, "journal_unavailable", $"The journal did not take it ({error.Message.Split('\n')[0].TrimEnd('.')}); nothing was written. Send it again."),
        _ => (StatusCodes.Status500InternalServerError, "internal_error", judging
            ? $"The order was not judged: an internal error ({error.GetType().Name}). The order must not go."
            : $"An internal error ({error.GetType().Name}); nothing of the request was done."),
    };

    private static bool Judging(PathString path) => path.StartsWithSegments("/v1/decisions", StringComparison.Ordinal) || path == "/v1/decisions:batch" || path == "/intent";
}
