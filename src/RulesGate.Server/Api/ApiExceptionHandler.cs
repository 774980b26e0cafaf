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
/// <param name="errors">Where an internal error is written for the operator (<see cref="ServerSettings.Errors"/>); null writes none.</param>
internal sealed class ApiExceptionHandler(TextWriter? errors) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, message) = Answer(exception, Judging(httpContext.Request.Path));
        if (status == StatusCodes.Status500InternalServerError && errors is not null)
        {
            // A bug: the operator reads what and where, once, beside the answer that says only that it happened.
            var where = new System.Diagnostics.StackTrace(exception).GetFrame(0)?.GetMethod() is { } method ? $" (at {method.DeclaringType?.FullName}.{method.Name})" : "";
            var route = (httpContext.GetEndpoint() as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText ?? httpContext.Request.Path.Value;
            var line = $"rulesgate serve: internal error answering {httpContext.Request.Method} {route}: {exception.GetType().Name}: {exception.Message}{where}";
            await errors.WriteLineAsync(string.Concat(line.Select(c => char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format ? ' ' : c))).ConfigureAwait(false);     // one line, read as written, whatever a path or message holds
        }

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
