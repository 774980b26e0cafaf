using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core.Serialization;

namespace RulesGate.Server;

/// <summary>
/// The server's structured request log: one JSON line per request, after it is answered —
/// <c>{"time", "method", "route", "status", "principal", "latency_ms", "trace_id"}</c>, the route as its endpoint's
/// pattern (<c>/v1/instances/{id}/approve</c>, never a path a caller made up), the principal as authenticated (null
/// before that: a 401, a probe), the latency from the first byte read to the answer. Lines are handed to a bounded
/// queue and written off the request path; a full queue drops the line and counts it
/// (<c>rulesgate_request_log_dropped_total</c>), so a slow log never slows an order.
/// </summary>
public sealed class RequestLog : IAsyncDisposable
{
    private const int Capacity = 16_384;

    private readonly Channel<string> lines = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly TextWriter output;
    private readonly TimeProvider clock;
    private readonly Task writing;
    private readonly Action dropped;
    private readonly bool owns;

    /// <param name="output">Where the lines go: a file, or standard output; it is flushed after each run of lines.</param>
    /// <param name="dropped">Told of each line a full queue drops.</param>
    /// <param name="ownsOutput">Whether disposing the log closes <paramref name="output"/> (a file it was given to write).</param>
    public RequestLog(TextWriter output, Action dropped, TimeProvider? time = null, bool ownsOutput = false)
    {
        (this.output, this.dropped, clock, owns) = (output, dropped, time ?? TimeProvider.System, ownsOutput);
        writing = Task.Run(Write);
    }

    /// <summary>
    /// Logs <paramref name="context"/>'s request, answered now, which began at <paramref name="started"/> (a
    /// <see cref="Stopwatch"/> timestamp) and was routed to <paramref name="endpoint"/> (taken before it ran: an error
    /// handler clears it).
    /// </summary>
    public void Answered(HttpContext context, Endpoint? endpoint, long started)
    {
        var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? endpoint?.DisplayName ?? "unmatched";
        var principal = context.Items.TryGetValue(nameof(Principal), out var known) && known is Principal who ? who.Name : null;
        var line = JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("time"u8, JsonText.Timestamp(clock.GetUtcNow()));
            writer.WriteString("method"u8, context.Request.Method);
            writer.WriteString("route"u8, route);
            writer.WriteNumber("status"u8, context.Response.StatusCode);
            writer.WritePropertyName("principal"u8);
            JsonText.Value(writer, principal);
            writer.WriteNumber("latency_ms"u8, Math.Round(latency, 3));
            writer.WritePropertyName("trace_id"u8);
            JsonText.Value(writer, Activity.Current?.TraceId.ToHexString());
            writer.WriteEndObject();
        }, pretty: false);
        if (!lines.Writer.TryWrite(line))
        {
            dropped();
        }
    }

    /// <summary>Writes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        lines.Writer.TryComplete();
        await writing.ConfigureAwait(false);
        if (owns)
        {
            await output.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task Write()
    {
        var reader = lines.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            try
            {
                while (reader.TryRead(out var line))
                {
                    await output.WriteLineAsync(line).ConfigureAwait(false);
                }

                await output.FlushAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                dropped();      // a full disk, a closed pipe: counted, and the next lines are tried again
            }
        }
    }
}
