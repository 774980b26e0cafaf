using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Api;

/// <summary>How every endpoint reads its request and writes its answer: bodies read whole before a request takes a slot, parsed strictly; errors as PolicyGate writes them outside <c>/v1</c> and as problem details under it.</summary>
internal static class Http
{
    /// <summary>PolicyGate's limit, and this server's for one request.</summary>
    public const int MaxBody = 65_536;

    /// <summary>The most requests one <c>POST /v1/decisions:batch</c> takes, and its body's limit (that of every list endpoint).</summary>
    public const int MaxBatch = 1_000;

    public const int MaxBatchBody = 4 << 20;

    /// <summary>The principal the request authenticated as (the authentication middleware put it there).</summary>
    public static Principal Caller(HttpContext context) =>
        context.Items[nameof(Principal)] as Principal ?? throw new InvalidOperationException("The request was not authenticated.");

    public static IResult Json(string json, int? status = null) => Results.Text(json, "application/json", System.Text.Encoding.UTF8, status);

    /// <summary>
    /// Reads the whole body into memory (at most <see cref="MaxBatchBody"/> + 1 bytes; the endpoints bound it further),
    /// each read given <paramref name="grace"/>: false, after answering 408 or 413, when it stalls or is too large.
    /// </summary>
    public static async Task<bool> Arrived(HttpContext context, TimeSpan grace)
    {
        var request = context.Request;
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return true;
        }

        // Capacity for what a small request declares, never for what a client merely claims it will send.
        var buffer = new MemoryStream((int)Math.Min(request.ContentLength ?? 0, MaxBody));
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 << 10);
        try
        {
            while (true)
            {
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                stall.CancelAfter(grace);
                int read;
                try
                {
                    read = await request.Body.ReadAsync(chunk, stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
                {
                    context.Response.Headers.Connection = "close";
                    await Fail(context, StatusCodes.Status408RequestTimeout, "request_timeout", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The request body stopped arriving for {grace.TotalSeconds:0.#} s; send it whole.")).ConfigureAwait(false);
                    return false;
                }
                catch (BadHttpRequestException error)
                {
                    context.Response.Headers.Connection = "close";
                    var tooLarge = error.StatusCode == StatusCodes.Status413PayloadTooLarge;
                    await Fail(context, error.StatusCode, tooLarge ? "payload_too_large" : "bad_request", tooLarge ? $"Request body exceeds {MaxBatchBody} bytes." : error.Message).ConfigureAwait(false);
                    return false;
                }

                if (read == 0)
                {
                    break;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }

        buffer.Position = 0;
        request.Body = buffer;
        return true;
    }

    /// <summary>The request's JSON body, read strictly (no duplicate keys, no comments) and at most <paramref name="limit"/> bytes.</summary>
    /// <exception cref="UnsupportedContentTypeException">It is not <c>application/json</c>.</exception>
    /// <exception cref="PayloadTooLargeException">It is larger than <paramref name="limit"/>.</exception>
    public static JsonDocument Body(HttpContext context, int limit = MaxBody)
    {
        var request = context.Request;
        if (request.ContentType is not { } type || !type.Contains("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new UnsupportedContentTypeException();
        }

        // The body arrived whole before the request took its slot (Arrived): it is parsed where it lies.
        var arrived = request.Body as MemoryStream ?? new MemoryStream();
        return arrived.Length > limit
            ? throw new PayloadTooLargeException(limit)
            : StrictJson.Parse(arrived.GetBuffer().AsMemory(0, (int)arrived.Length), "request");
    }

    /// <summary>
    /// The request's JSON body (read as <see cref="Body"/> reads it) as the record <typeparamref name="T"/>: a field it
    /// does not declare, a field it requires missing or null, a value of the wrong kind, each is one line naming the field.
    /// </summary>
    /// <exception cref="FormatException">The body is not a <typeparamref name="T"/>; the message says where and what to write.</exception>
    public static T Read<T>(HttpContext context, JsonTypeInfo<T> type, int limit = MaxBody)
    {
        using var body = Body(context, limit);
        if (body.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"request: expected an object, found {body.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
        }

        try
        {
            return body.RootElement.Deserialize(type) ?? throw new FormatException("request: expected an object, found null.");
        }
        catch (JsonException error)
        {
            throw new FormatException(Refusal(error, type), error);
        }
    }

    /// <summary>What was wrong with a body, as one line: the field (<c>request.name</c>) and what it should be.</summary>
    private static string Refusal(JsonException error, JsonTypeInfo type)
    {
        var allowed = string.Join(", ", type.Properties.Select(property => property.Name));
        var message = error.Message;
        var field = error.Path is { Length: > 1 } path ? $"request{path[1..]}" : "request";
        if (Quoted(message, "The JSON property '") is { } unknown)
        {
            return $"request.{unknown}: unknown key; allowed: {allowed}.";
        }

        if (Quoted(message, "missing required properties including: '") is { } missing)
        {
            return $"request.{missing}: required.";
        }

        if (message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("doesn't allow", StringComparison.Ordinal))
        {
            return $"{field}: may not be null.";
        }

        var property = type.Properties.FirstOrDefault(candidate => $"request.{candidate.Name}" == field);
        var kind = property?.PropertyType is { } declared ? Nullable.GetUnderlyingType(declared) ?? declared : null;
        return kind == typeof(string) ? $"{field}: expected text."
            : kind == typeof(bool) ? $"{field}: expected true or false."
            : kind == typeof(double) ? $"{field}: expected a number."
            : $"{field}: not what this request takes; allowed: {allowed}.";
    }

    /// <summary>The text between <paramref name="before"/> and the next quote, when the message has it.</summary>
    private static string? Quoted(string message, string before)
    {
        var start = message.IndexOf(before, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += before.Length;
        var end = message.IndexOf('\'', start);
        return end > start ? message[start..end] : null;
    }

    /// <summary>Reads item <paramref name="index"/> of the list <paramref name="list"/>; a bad one is named by its place.</summary>
    public static T Item<T>(int index, string list, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception error) when (error is JsonException or FormatException)
        {
            throw new FormatException($"{list}[{index}]: {error.Message}", error);
        }
    }

    /// <summary>The list field <paramref name="name"/>, each item read by <paramref name="read"/>; a bad one is named by its place.</summary>
    public static List<T> Items<T>(JsonElement list, string name, Func<JsonElement, T> read)
    {
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            throw new FormatException($"request.{name}: expected a list of at least one.");
        }

        return [.. list.EnumerateArray().Select((item, i) => Item(i, name, () => read(item)))];
    }

    /// <summary>
    /// An error: as PolicyGate writes one (<c>{"error", "message"}</c>) outside <c>/v1</c>, as problem details
    /// (<c>application/problem+json</c>) under it.
    /// </summary>
    public static Task Fail(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        if (context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
        {
            context.Response.ContentType = "application/problem+json";
            return context.Response.WriteAsync(JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("type"u8, $"https://rulesgate.dev/problems/{code}");
                writer.WriteString("title"u8, code.Replace('_', ' '));
                writer.WriteNumber("status"u8, status);
                writer.WriteString("detail"u8, message);
                writer.WriteEndObject();
            }, pretty: false));
        }

        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("error"u8, code);
            writer.WriteString("message"u8, message);
            writer.WriteEndObject();
        }, pretty: false));
    }

    /// <summary>An error as a result an endpoint (or its filter) returns: written by <see cref="Fail"/>.</summary>
    public static IResult Problem(int status, string code, string message) => new ProblemResult(status, code, message);

    private sealed class ProblemResult(int status, string code, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => Fail(httpContext, status, code, message);
    }
}

/// <summary>A request body larger than its endpoint takes: 413.</summary>
internal sealed class PayloadTooLargeException(int limit) : Exception($"Request body exceeds {limit} bytes.");

/// <summary>A request body that is not JSON: 400.</summary>
internal sealed class UnsupportedContentTypeException() : Exception("Content-Type must be application/json.");
