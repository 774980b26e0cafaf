using System.Diagnostics;
using System.Text.Json;
using RulesGate.Core;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Orders;
using RulesGate.Core.Signing;
using RulesGate.Core.Workflows;

namespace RulesGate.Server;

/// <summary>
/// The capital gate as the server holds it: one gate, one journal, and one stream of intents for PolicyGate's
/// <c>POST /intent</c> (positions, order counts and the kill switch evolve as in <c>rulesgate run</c>; the stream
/// keeps no journal of its own: the host journals its decisions in the one order of every decision).
/// With a journal, decisions from every request are group-committed (<see cref="JournalWriter"/>): each is
/// answered once its batch is durable. Every decision is decided and queued under one lock, so the journal's order is
/// the order of deciding. What needs a transaction of its own (a decision that trips the kill switch, with its latch;
/// a reset) and reads of the journal run alone on the writer, after everything queued before them.
/// </summary>
public sealed class GateHost : IAsyncDisposable
{
    private readonly Lock one = new();
    private volatile OrderPipeline pipeline;   // swapped by a reload, under the lock that orders every decision
    private readonly JournalWriter? writer;
    private readonly GroupCommitSink? sink;
    private readonly CapitalStream intake;
    private int intents;
    private volatile bool latched;
    private long trips;   // how many trips this process has queued: a reading of the journal taken before one never undoes it
    private volatile string? unwritable;

    /// <param name="journal">Owned by the host from now on.</param>
    /// <param name="intake">A stream without a journal of its own: the host journals its decisions.</param>
    public GateHost(CapitalGate gate, JournalStore? journal, CapitalStream intake)
    {
        (pipeline, this.intake) = (new OrderPipeline(gate), intake);
        latched = journal is not null && GateJournal.State(journal).Active;
        Metrics = new ServerMetrics(gate);
        writer = journal is null ? null : new JournalWriter(journal, committed: Metrics.Batch);
        sink = writer is null ? null : new GroupCommitSink(writer);
        Metrics.KillSwitch(latched);
    }

    public ServerMetrics Metrics { get; }

    public CapitalGate Gate => pipeline.Capital!;

    /// <summary>Why the journal is not taking decisions (its last write failed), or null while it is.</summary>
    public string? Unwritable => unwritable;

    /// <summary>Whether decisions and resets are journaled.</summary>
    public bool HasJournal => writer is not null;

    /// <summary>The stream behind <c>POST /intent</c>: its run id names it in the journal.</summary>
    public CapitalStream Intake => intake;

    /// <summary>
    /// Judges one full request (intent, portfolio, market, execution) as <c>rulesgate eval --journal</c> does: a
    /// kill switch latched in the journal applies, and the decision is durable in the journal before this completes.
    /// </summary>
    /// <returns>The decision and its journal sequence number (null without a journal).</returns>
    public async Task<(CapitalDecision Decision, long? Seq)> Decide(CapitalContext context)
    {
        if (writer is null)
        {
            var alone = pipeline.Decide(null, context, GovernanceInputs.None).Order.Capital!;
            Metrics.Given(alone, "decisions", commit: null);
            return (alone, null);
        }
        var started = Stopwatch.GetTimestamp();
        var (decision, journaling) = Queue(context);
        var recorded = await Journaled(journaling).ConfigureAwait(false);
        Metrics.Given(decision, "decisions", Stopwatch.GetElapsedTime(started));
        Metrics.KillSwitch(latched);
        return (decision, recorded.Seq);
    }

    /// <summary>
    /// Decides and queues the decision for the journal under one lock, so the journal's order is the order of
    /// deciding: a decision that trips the kill switch latches it for every decision queued after it, none of which
    /// can then be journaled (and answered) as if it had not.
    /// </summary>
    private (CapitalDecision Decision, Task<JournalEvent> Journaling) Queue(CapitalContext context)
    {
        lock (one)
        {
            var (judged, decision) = pipeline.Judge(context, latched);
            var order = pipeline.Complete(judged, decision, GovernanceInputs.None, state: null, record: true);
            return (order.Capital!, Commit(order.Record!));
        }
    }

    /// <summary>Queues an order's record in the one order of deciding (under the lock); one that trips the kill switch latches it for every decision queued after it.</summary>
    private Task<JournalEvent> Commit(OrderRecord record)
    {
        if (record.TripCause is not null)
        {
            latched = true;
            trips++;
        }

        return sink!.Commit(record);
    }

    /// <summary>
    /// Judges one request by both gates (a request with a <c>governance</c> block). The capital decision is made in
    /// the one order of deciding, under the latch; the governance decision on the journal's writer, against the
    /// strategy's state there (level, health, drift, a token it uses), and both are journaled in one transaction.
    /// Without a journal, the request's governance block states the strategy's state.
    /// </summary>
    /// <returns>The composed decision and its journal sequence number (null without a journal).</returns>
    public async Task<(GovernedDecision Decision, long? Seq)> Govern(GovernanceRequest request, GovernanceGate governance)
    {
        if (writer is null)
        {
            var alone = new OrderPipeline(Gate, governance).Decide(null, request.Capital, request.Inputs).Order.Governed!;
            Metrics.Given(alone.Capital!, "decisions", commit: null);
            return (alone, null);
        }

        if (request.Inputs.StateField() is { } field)
        {
            throw new FormatException($"governance.{field}: the strategy's state is the journal's; a request may give only order{{leverage, reduce_only, open_positions}} and token (its secret). Leave {field} out.");
        }
        var started = Stopwatch.GetTimestamp();
        CapitalDecision decision;
        Task<(Order, JournalEvent)> journaling;
        lock (one)
        {
            var both = new OrderPipeline(Gate, governance);
            var (judged, made) = both.Judge(request.Capital, latched);
            decision = made!;
            if (made!.KillSwitchTriggered)
            {
                latched = true;
                trips++;
            }

            journaling = writer.Exclusively(store => both.Record(store, judged, made, request.Inputs));
        }

        var (order, recorded) = await Journaled(journaling).ConfigureAwait(false);
        Metrics.Given(decision, "decisions", Stopwatch.GetElapsedTime(started));
        Metrics.KillSwitch(latched);
        return (order.Governed!, recorded.Seq);
    }

    /// <summary>
    /// Judges many full requests in order, as <see cref="Decide"/> judges one: their decisions go into the journal
    /// together, and a decision that trips the kill switch latches it for the requests after it.
    /// </summary>
    public async Task<IReadOnlyList<(CapitalDecision Decision, long? Seq)>> DecideAll(IReadOnlyList<CapitalContext> contexts)
    {
        if (writer is null)
        {
            return [.. await Task.WhenAll(contexts.Select(Decide)).ConfigureAwait(false)];
        }
        var started = Stopwatch.GetTimestamp();
        var decided = contexts.Select(Queue).ToList();

        await Journaled(Task.WhenAll(decided.Select(pair => pair.Journaling))).ConfigureAwait(false);
        var commit = Stopwatch.GetElapsedTime(started);
        foreach (var (decision, _) in decided)
        {
            Metrics.Given(decision, "batch", commit);
        }

        Metrics.KillSwitch(latched);
        return [.. decided.Select(pair => (pair.Decision, (long?)pair.Journaling.Result.Seq))];
    }

    /// <summary>Judges one intent of the stream (PolicyGate's <c>POST /intent</c>); <paramref name="market"/> replaces the stream's prices for it.</summary>
    /// <exception cref="FormatException">The intent is not one: PolicyGate answers 400, so the stream never sees it.</exception>
    public async Task<(CapitalDecision Decision, CapitalContext Context)> Intent(JsonElement intent, MarketSnapshot? market)
    {
        CapitalContextJson.ReadIntent(intent);
        var line = intent.GetRawText();

        CapitalDecision decision;
        CapitalContext context;
        Task<JournalEvent>? journaling = null;
        bool streamLatched;
        lock (one)
        {
            // The step and its place in the journal are taken under the lock that orders every decision.
            if (latched)
            {
                intake.Latch();
            }

            var (stepped, _, steppedContext) = intake.Step(line, ++intents, market);
            (decision, context) = (stepped, steppedContext ?? throw new FormatException("The intent was refused."));
            streamLatched = intake.Status().KillSwitchActive;
            if (writer is not null)
            {
                // The stream judged it (its window may have tripped the kill switch): recorded as it decided.
                journaling = Commit(pipeline.Complete(context, decision, GovernanceInputs.None, state: null, record: true, intake.RunId).Record!);
            }
        }

        if (journaling is not null)
        {
            await Journaled(journaling).ConfigureAwait(false);
        }

        Metrics.Given(decision, "intent", commit: null);
        Metrics.KillSwitch(latched || streamLatched);
        return (decision, context);
    }

    /// <summary>The kill switch: the journal's latch when there is a journal, else the stream's.</summary>
    public async Task<KillSwitchState> KillSwitch()
    {
        if (writer is null)
        {
            lock (one)
            {
                return intake.Status().KillSwitchActive ? new KillSwitchState(true, null, "tripped in this server's stream (no journal)") : KillSwitchState.Off;
            }
        }

        return await Read(writer, GateJournal.State).ConfigureAwait(false);
    }

    /// <summary>Resets the kill switch, journaled with <paramref name="actor"/> (the authenticated principal) and why; the stream behind <c>/intent</c> is let go too.</summary>
    /// <exception cref="InvalidOperationException">There is no journal to record the reset in.</exception>
    public async Task<KillSwitchState> Reset(Principal actor, string reason)
    {
        var journal = writer ?? throw new InvalidOperationException("This server has no journal, so a reset could not be recorded; start it with --journal.");
        var state = await Read(journal, store => GateJournal.Reset(store, Actor.Authenticated(actor.Name), reason, WorkflowRoles.None)).ConfigureAwait(false);
        Metrics.Action("killswitch_reset");
        lock (one)
        {
            if (!latched)
            {
                intake.Unlatch();
            }
        }

        Metrics.KillSwitch(latched);
        return state;
    }

    /// <summary>
    /// Puts <paramref name="next"/> live for every decision from now on, from either endpoint, in the one order of
    /// deciding: <paramref name="note"/> (the reload, journaled) comes before the first decision it judges.
    /// </summary>
    public Task Use(CapitalGate next, JournalEntry? note)
    {
        lock (one)
        {
            pipeline = new OrderPipeline(next);
            intake.Use(next);
            Metrics.Bundle(next.Bundle);
            return writer is not null && note is not null ? writer.Append(note) : Task.CompletedTask;
        }
    }

    /// <summary>Journals <paramref name="note"/> in the one order of deciding (a reload that failed); without a journal, nothing.</summary>
    public Task Note(JournalEntry note)
    {
        lock (one)
        {
            return writer is not null ? writer.Append(note) : Task.CompletedTask;
        }
    }

    /// <summary>Runs <paramref name="work"/> alone on the journal's writer, after every decision queued before it: the server's governance operations and reads.</summary>
    /// <exception cref="NoJournalException">The server has no journal.</exception>
    public Task<T> Exclusively<T>(Func<JournalStore, T> work) => (writer ?? throw new NoJournalException()).Exclusively(work);

    /// <summary>The stream's state, for PolicyGate's <c>GET /health</c>; its kill switch is on too while the journal's is latched.</summary>
    public (int Positions, bool KillSwitchActive, int OrdersLast60s) Status()
    {
        lock (one)
        {
            var (positions, active, orders) = intake.Status();
            return (positions, active || latched, orders);
        }
    }

    /// <summary>Writes what is queued, then closes the journal.</summary>
    public async ValueTask DisposeAsync()
    {
        if (writer is not null)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the journal's kill switch (<see cref="LatchWatcher"/> calls it beside the requests, none waiting for it), so
    /// that a latch set or reset by another process is seen; while the journal is not taking decisions, probes it, and
    /// makes the server ready again as soon as it would take one, decision or not.
    /// </summary>
    /// <exception cref="Exception">The journal could not be read (or probed) now: the latch stays as last read.</exception>
    public async Task Refresh()
    {
        if (writer is null)
        {
            return;
        }

        await Read(writer, GateJournal.State).ConfigureAwait(false);
        Metrics.KillSwitch(latched);
        if (unwritable is not null)
        {
            await writer.Exclusively(store =>
            {
                store.Probe();
                return 0;
            }).ConfigureAwait(false);
            unwritable = null;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> (which ends with the kill switch's state) on the writer and takes that state as the
    /// latch, unless this process queued a trip meanwhile: a reading older than a trip never lets it go.
    /// </summary>
    private async Task<KillSwitchState> Read(JournalWriter journal, Func<JournalStore, KillSwitchState> work)
    {
        long before;
        lock (one)
        {
            before = trips;
        }

        var state = await journal.Exclusively(work).ConfigureAwait(false);
        lock (one)
        {
            if (trips == before)
            {
                latched = state.Active;
            }
        }

        return state;
    }

    /// <summary>Awaits what journals a decision; any failure there means the decision is not given.</summary>
    private async Task<T> Journaled<T>(Task<T> journaling)
    {
        await Journaled((Task)journaling).ConfigureAwait(false);
        return await journaling.ConfigureAwait(false);
    }

    /// <summary>Awaits what journals; a failure makes the server not ready (until a later write succeeds, or the journal's probe does) and means the decision is not given.</summary>
    private async Task Journaled(Task journaling)
    {
        try
        {
            await journaling.ConfigureAwait(false);
            unwritable = null;
        }
        catch (Exception error) when (error is not (OutOfMemoryException or FormatException or RefusalException))
        {
            // What the journal refused; a request the work found wrong, or a refusal, says so as it is.
            var failed = new JournalUnavailableException(error);
            unwritable = failed.Message;
            throw failed;
        }
    }
}

/// <summary>A decision could not be made durable in the journal, so it is not given: the order must not go.</summary>
public sealed class JournalUnavailableException(Exception inner) : Exception($"The journal did not take the decision ({inner.Message.Split('\n')[0].TrimEnd('.')}).", inner);

/// <summary>The server was started without a journal, so what must be recorded in one (or read from it) is refused.</summary>
public sealed class NoJournalException() : Exception("This server has no journal; start it with --journal.");
