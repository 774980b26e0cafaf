using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using HdrHistogram;
using RulesGate.Core.Serialization;

namespace RulesGate.Bench;

/// <summary>One open-loop phase's figures: what was scheduled and answered, and the latency from each request's scheduled send, in microseconds.</summary>
/// <param name="Phase">What was measured, such as <c>single 500/s</c> or <c>after burst, second 3</c>.</param>
/// <param name="Scheduled">Requests scheduled in the measured window (warm-up excluded).</param>
/// <param name="Failed">Requests answered with a status other than 2xx, or not at all.</param>
public sealed record ServeBenchPhase(string Phase, double Rate, long Scheduled, long Failed, double AchievedRate, long P50, long P90, long P99, long P999, long Max)
{
    /// <summary>The load generator's own error: how late, at p99, it handed a request to the client after its scheduled time (counted in the latencies too).</summary>
    public long LagP99 { get; init; }

    public string Json() => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("phase"u8, Phase);
        writer.WriteNumber("rate"u8, Rate);
        writer.WriteNumber("scheduled"u8, Scheduled);
        writer.WriteNumber("failed"u8, Failed);
        writer.WriteNumber("achieved_rate"u8, Math.Round(AchievedRate, 1));
        writer.WriteNumber("p50_us"u8, P50);
        writer.WriteNumber("p90_us"u8, P90);
        writer.WriteNumber("p99_us"u8, P99);
        writer.WriteNumber("p999_us"u8, P999);
        writer.WriteNumber("max_us"u8, Max);
        writer.WriteNumber("client_lag_p99_us"u8, LagP99);
        writer.WriteEndObject();
    }, pretty: false);

    /// <summary>One row of the table <c>bench serve</c> prints.</summary>
    public string Row() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Phase,-30} {Rate,6:0} {AchievedRate,9:0.0} {Scheduled,7} {Failed,6} {Ms(P50),8} {Ms(P90),8} {Ms(P99),8} {Ms(P999),8} {Ms(Max),8} {Ms(LagP99),7}");

    public static string Header => $"{"phase",-30} {"rate/s",6} {"achieved",9} {"sent",7} {"failed",6} {"p50 ms",8} {"p90 ms",8} {"p99 ms",8} {"p99.9 ms",8} {"max ms",8} {"lag ms",7}";

    private static string Ms(long micros) => (micros / 1000.0).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// An open-loop load generator: requests are scheduled at a fixed rate and each one's latency is measured from the
/// time it was <em>scheduled</em> to be sent, not from when a connection got round to sending it, so a stall delays
/// and counts against every request scheduled during it (no coordinated omission). Latencies go to an HdrHistogram
/// (1 µs to 60 s, 3 significant digits). A burst phase drives the target closed-loop with many callers, then the
/// fixed rate resumes and the tail is reported second by second, to show how soon it returns. The target is a
/// function: a request over HTTP (<see cref="Http"/>), or an order decided in process (<c>bench desk</c>).
/// </summary>
/// <param name="send">Sends one request and answers whether it succeeded; it may throw <see cref="HttpRequestException"/> for a failure.</param>
public sealed class ServeBench(Func<Task<bool>> send)
{
    private const long Lowest = 1, Highest = 60_000_000;

    /// <summary>A client with up to <paramref name="connections"/> HTTP/1.1 connections to the server, and no client-side timeout.</summary>
    public static HttpClient Client(int connections) => new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Each request a POST of <paramref name="body"/> to <paramref name="url"/> with the bearer <paramref name="token"/>; it succeeds with a 2xx answer.</summary>
    public static ServeBench Http(HttpClient http, Uri url, string token, byte[] body) => new(async () =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    });

    /// <summary>Requests at <paramref name="rate"/> a second for <paramref name="warmup"/> (not recorded) and then <paramref name="duration"/>.</summary>
    /// <param name="window">When given, a histogram per window of this length too (the tail second by second).</param>
    public async Task<IReadOnlyList<ServeBenchPhase>> FixedRate(string phase, double rate, TimeSpan warmup, TimeSpan duration, TimeSpan? window = null)
    {
        var total = new LongConcurrentHistogram(Lowest, Highest, 3);
        var lag = new LongHistogram(Lowest, Highest, 3);
        var windows = window is { } length ? Enumerable.Range(0, (int)Math.Ceiling(duration / length)).Select(_ => new LongConcurrentHistogram(Lowest, Highest, 3)).ToArray() : [];
        long failed = 0, scheduled = 0;
        var interval = TimeSpan.FromSeconds(1 / rate);
        var pending = new List<Task>();
        // One thread schedules, on time, and nothing else: each request is handed to the client at its due time.
        var scheduler = new Thread(() =>
        {
            var clock = Stopwatch.StartNew();
            var count = (long)Math.Floor((warmup + duration) / interval);
            for (long i = 0; i < count; i++)
            {
                var due = interval * i;
                Until(clock, due);
                var measured = due >= warmup;
                if (measured)
                {
                    scheduled++;
                    lag.RecordValue(Math.Clamp((clock.Elapsed - due).Ticks / 10, Lowest, Highest));
                }

                pending.Add(Send(clock, due, measured ? total : null, measured && windows.Length > 0 ? windows[Math.Min(windows.Length - 1, (int)((due - warmup) / window!.Value))] : null, () => Interlocked.Increment(ref failed), measured));
                if (pending.Count > 4096)
                {
                    pending.RemoveAll(task => task.IsCompleted);
                }
            }
        }) { IsBackground = true, Priority = ThreadPriority.AboveNormal, Name = "bench serve scheduler" };
        scheduler.Start();
        scheduler.Join();
        await Task.WhenAll(pending).ConfigureAwait(false);
        var phases = new List<ServeBenchPhase> { Phase(phase, rate, scheduled, Interlocked.Read(ref failed), duration, total) with { LagP99 = lag.TotalCount == 0 ? 0 : lag.GetValueAtPercentile(99) } };
        phases.AddRange(windows.Select((histogram, i) => Phase($"{phase}, second {i + 1}", rate, histogram.TotalCount, 0, window!.Value, histogram)));
        return phases;
    }

    /// <summary><paramref name="connections"/> closed loops, each sending as soon as the last answer came, for <paramref name="duration"/>; their throughput and latency.</summary>
    /// <param name="callers">What one loop is called in the phase's name: connections, or callers in process.</param>
    public async Task<ServeBenchPhase> Burst(int connections, TimeSpan duration, string callers = "connections")
    {
        var histogram = new LongConcurrentHistogram(Lowest, Highest, 3);
        long failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                await Send(clock, clock.Elapsed, histogram, null, () => Interlocked.Increment(ref failed), measured: true).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        return Phase($"burst, {connections} {callers}", 0, histogram.TotalCount, Interlocked.Read(ref failed), elapsed, histogram);
    }

    private async Task Send(Stopwatch clock, TimeSpan due, HistogramBase? total, HistogramBase? window, Action fail, bool measured)
    {
        bool succeeded;
        try
        {
            succeeded = await send().ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            succeeded = false;
        }

        if (!succeeded && measured)
        {
            fail();
        }

        var micros = Math.Clamp((long)((clock.Elapsed - due).Ticks / 10), Lowest, Highest);
        total?.RecordValue(micros);
        window?.RecordValue(micros);
    }

    /// <summary>
    /// Waits on the scheduling thread until <paramref name="due"/>: sleeping a millisecond at a time while more than
    /// 1.5 ms is left (a timer's wake-up is late by up to a millisecond or more), then spinning, yielding the core.
    /// </summary>
    private static void Until(Stopwatch clock, TimeSpan due)
    {
        var spin = new SpinWait();
        while (due - clock.Elapsed is var left && left > TimeSpan.Zero)
        {
            if (left > TimeSpan.FromMilliseconds(1.5))
            {
                Thread.Sleep(1);
            }
            else
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
    }

    private static ServeBenchPhase Phase(string name, double rate, long scheduled, long failed, TimeSpan elapsed, HistogramBase histogram) =>
        histogram.TotalCount == 0
            ? new ServeBenchPhase(name, rate, scheduled, failed, 0, 0, 0, 0, 0, 0)
            : new ServeBenchPhase(name, rate, scheduled, failed, histogram.TotalCount / elapsed.TotalSeconds,
                histogram.GetValueAtPercentile(50), histogram.GetValueAtPercentile(90), histogram.GetValueAtPercentile(99), histogram.GetValueAtPercentile(99.9), histogram.GetMaxValue());

    /// <summary>The body of <c>POST /v1/decisions:batch</c>: <paramref name="size"/> copies of one request.</summary>
    public static byte[] Batch(string request, int size) => Encoding.UTF8.GetBytes($"{{\"requests\": [{string.Join(",", Enumerable.Repeat(request, size))}]}}");
}
