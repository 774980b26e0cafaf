using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Rules;

namespace RulesGate.Server;

/// <summary>
/// Shadow evaluation: a candidate capital rule file judges every order the live one judges, off the order path.
/// The desk hands each judged order over (<see cref="Core.Orders.OrderDesk.Judged"/>) by a non-blocking write to a
/// bounded queue, so an order never waits for the shadow; one worker judges them again under the candidate, in the
/// order they were decided, and journals each disagreement (<c>shadow.disagreed</c>, with both decisions). An order
/// the full queue cannot take is counted as dropped (<c>rulesgate_shadow_dropped_total</c>), never silently lost
/// from the counts. Starting and stopping are journaled with who did it.
/// </summary>
public sealed class Shadow : IAsyncDisposable
{
    /// <summary>Orders that may wait for the shadow; more are dropped and counted.</summary>
    public const int Capacity = 16_384;

    private readonly GateHost host;
    private readonly Channel<Item> queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Task worker;
    private volatile CapitalGate? candidate;
    private long judged, disagreed, dropped;

    public Shadow(GateHost host)
    {
        this.host = host;
        worker = Task.Run(Work);
        host.Desk.Judged = Offer;
    }

    /// <summary>The candidate's identity while one runs, else null.</summary>
    public string? Candidate => candidate?.Bundle.Identity;

    /// <summary>Orders judged by the candidate, those it decided otherwise, and those dropped because the queue was full, since the server started.</summary>
    public (long Judged, long Disagreed, long Dropped) Counts => (Interlocked.Read(ref judged), Interlocked.Read(ref disagreed), Interlocked.Read(ref dropped));

    /// <summary>Runs <paramref name="bundle"/> in shadow from the next order on (in place of any candidate before it), journaled as started by <paramref name="by"/>.</summary>
    public async Task Start(RuleBundle bundle, string by)
    {
        var gate = new CapitalGate(bundle);
        if (host.HasJournal)
        {
            await host.Note(EventPayload.Entry("shadow", new ShadowStarted(bundle.Identity, host.Gate.Bundle.Identity, by))).ConfigureAwait(false);
        }

        candidate = gate;
        host.Metrics.Shadow(bundle.Identity);
    }

    /// <summary>Stops the shadow, journaled as stopped by <paramref name="by"/> with what it judged; false when none ran.</summary>
    public async Task<bool> Stop(string by)
    {
        if (Interlocked.Exchange(ref candidate, null) is not { } was)
        {
            return false;
        }

        host.Metrics.Shadow(null);
        if (host.HasJournal)
        {
            await Drained().ConfigureAwait(false);
            var (all, differed, lost) = Counts;
            await host.Note(EventPayload.Entry("shadow", new ShadowStopped(was.Bundle.Identity, by, all, differed, lost))).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Completes once every order handed over before the call has been judged (and any disagreement journaled).</summary>
    public Task Drained()
    {
        var marker = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return queue.Writer.TryWrite(new Item(null, null, null, marker)) ? marker.Task : Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        host.Desk.Judged = null;
        queue.Writer.TryComplete();
        await worker.ConfigureAwait(false);
    }

    /// <summary>Under the desk's lock: queued at once or counted as dropped, never waited for.</summary>
    private void Offer(CapitalContext context, CapitalDecision decision)
    {
        // The candidate of the moment goes with the order: one stopped or replaced later still judges what it was handed.
        if (candidate is not { } gate)
        {
            return;
        }

        if (!queue.Writer.TryWrite(new Item(context, decision, gate, null)))
        {
            Interlocked.Increment(ref dropped);
            host.Metrics.ShadowDropped();
        }
    }

    private async Task Work()
    {
        // Notes are queued with the journal's group commit and not waited for one by one: they share its transactions.
        var noting = new List<Task>();
        await foreach (var item in queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (item.Marker is { } marker)
            {
                await Noted(noting).ConfigureAwait(false);
                marker.TrySetResult();
                continue;
            }

            var gate = item.Candidate!;
            try
            {
                var shadow = gate.Decide(item.Context!);
                var (live, theirs) = (RuleImpact.Summary(item.Decision!), RuleImpact.Summary(shadow));
                Interlocked.Increment(ref judged);
                var differs = live != theirs;
                host.Metrics.ShadowJudged(differs);
                if (!differs)
                {
                    continue;
                }

                Interlocked.Increment(ref disagreed);
                if (host.HasJournal)
                {
                    var policy = item.Decision!.Policy;
                    noting.Add(host.Note(EventPayload.Entry("shadow", new ShadowDisagreed(
                        gate.Bundle.Identity, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{policy.Id}@{policy.Version}#{policy.Hash[..12]}"),
                        item.Context!.Intent.IntentId, live, theirs, CapitalJson.Decision(shadow)))));
                    if (noting.Count >= 1024)
                    {
                        await Noted(noting).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                // An order the candidate cannot judge, say: counted, and the shadow goes on with the next order.
                host.Metrics.BackgroundFailed("shadow");
            }
        }

        await Noted(noting).ConfigureAwait(false);
    }

    /// <summary>Waits for the notes queued so far; one the journal did not take is counted, and the shadow goes on.</summary>
    private async Task Noted(List<Task> noting)
    {
        foreach (var note in noting)
        {
            try
            {
                await note.ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                host.Metrics.BackgroundFailed("shadow");
            }
        }

        noting.Clear();
    }

    private sealed record Item(CapitalContext? Context, CapitalDecision? Decision, CapitalGate? Candidate, TaskCompletionSource? Marker);
}

/// <summary><c>shadow.started</c>: <paramref name="Candidate"/> judges every order beside <paramref name="Live"/> from now on, started by <paramref name="By"/>.</summary>
public sealed record ShadowStarted(string Candidate, string Live, string By) : IEventPayload<ShadowStarted>
{
    public static string Type => EventTypes.ShadowStarted;

    public static JsonTypeInfo<ShadowStarted> Json => ShadowEventJson.Default.ShadowStarted;
}

/// <summary><c>shadow.stopped</c>: the candidate no longer runs; what the shadow judged since the server started.</summary>
public sealed record ShadowStopped(string Candidate, string By, long Judged, long Disagreed, long Dropped) : IEventPayload<ShadowStopped>
{
    public static string Type => EventTypes.ShadowStopped;

    public static JsonTypeInfo<ShadowStopped> Json => ShadowEventJson.Default.ShadowStopped;
}

/// <summary>
/// <c>shadow.disagreed</c>: an order the candidate would have decided otherwise: both decisions in a few words
/// (<see cref="RuleImpact.Summary"/>), and the candidate's in full; the live one in full is the order's
/// <c>gate.decision</c>, journaled before it.
/// </summary>
public sealed record ShadowDisagreed(string Candidate, string Live, string IntentId, string LiveSummary, string ShadowSummary, [property: JsonConverter(typeof(Core.Serialization.RecordJson.RawJsonText))] string ShadowDecision) : IEventPayload<ShadowDisagreed>
{
    public static string Type => EventTypes.ShadowDisagreed;

    public static JsonTypeInfo<ShadowDisagreed> Json => ShadowEventJson.Default.ShadowDisagreed;
}

/// <summary>The shadow events' JSON: snake_case names, in the order each record declares them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ShadowStarted))]
[JsonSerializable(typeof(ShadowStopped))]
[JsonSerializable(typeof(ShadowDisagreed))]
internal sealed partial class ShadowEventJson : JsonSerializerContext;
