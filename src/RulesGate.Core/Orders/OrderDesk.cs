using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Signing;

namespace RulesGate.Core.Orders;

/// <summary>
/// The order path for a program that routes orders itself: the entry point of RulesGate as a library, and what
/// <c>rulesgate serve</c> runs behind HTTP. One capital gate, one journal, and one order of deciding: every order is
/// judged and queued for the journal under one lock, so the journal's order is the order of deciding and a decision
/// that trips the kill switch latches it for every order after it. Decisions are group-committed: each is answered
/// once its batch is durable, and never before. What needs a transaction of its own (a trip with its latch, a
/// reset, a governed order) and reads of the journal run alone on the journal's writer, after everything queued
/// before them. Safe to call from any number of threads.
/// </summary>
/// <example>
/// <code>
/// using var engine = new RuleEngine(BuiltInKinds.Registry);
/// var gate = CapitalGate.Load(engine, "rules/capital/default.yaml");
/// await using var desk = new OrderDesk(gate, SqliteJournal.Create("artifacts/router.db"));
/// var (decision, seq) = await desk.Decide(context);   // durable in the journal once this returns
/// if (decision.Allowed) { /* send decision's quantity */ }
/// </code>
/// </example>
public sealed class OrderDesk : IAsyncDisposable
{
    private readonly Lock one = new();
    private volatile OrderPipeline pipeline;   // swapped by Use, under the lock that orders every decision
    private readonly JournalWriter? writer;
    private readonly GroupCommitSink? sink;
    private volatile bool latched;
    private long trips;   // how many trips this desk has queued: a reading of the journal taken before one never undoes it
    private volatile string? unwritable;

    /// <param name="gate">The capital gate every order is judged by (<see cref="Use"/> replaces it).</param>
    /// <param name="journal">Owned by the desk from now on; null decides without recording anything (and without a latch from a journal).</param>
    /// <param name="committed">Told the size of each batch the journal commits (for metrics); null for none.</param>
    public OrderDesk(CapitalGate gate, JournalStore? journal, Action<int>? committed = null)
    {
        pipeline = new OrderPipeline(gate);
        latched = journal is not null && GateJournal.State(journal).Active;
        writer = journal is null ? null : new JournalWriter(journal, committed: committed);
        sink = writer is null ? null : new GroupCommitSink(writer);
    }

    /// <summary>The capital gate orders are judged by now.</summary>
    public CapitalGate Gate => pipeline.Capital!;

    /// <summary>Whether the kill switch is latched: every order is denied until an attributed reset.</summary>
    public bool Latched => latched;

    /// <summary>Why the journal is not taking decisions (its last write failed), or null while it is.</summary>
    public string? Unwritable => unwritable;

    /// <summary>Whether decisions and resets are journaled.</summary>
    public bool HasJournal => writer is not null;

    /// <summary>
    /// Told of every order the capital gate judges through <see cref="Decide"/>, <see cref="DecideAll"/> and
    /// <see cref="Govern"/>: the context as judged (under the latch) and the decision, in the one order of deciding and
    /// under its lock, so it must return at once (a shadow evaluation queues them, and judges them elsewhere).
    /// </summary>
    public Action<CapitalContext, CapitalDecision>? Judged { get; set; }

    /// <summary>
    /// Judges one order (intent, portfolio, market, execution): a latched kill switch denies it, and with a journal
    /// the decision is durable there before this completes.
    /// </summary>
    /// <returns>The decision and its journal sequence number (null without a journal).</returns>
    /// <exception cref="JournalUnavailableException">The journal did not take the decision: it is not given, and the order must not go.</exception>
    public async Task<(CapitalDecision Decision, long? Seq)> Decide(CapitalContext context)
    {
        using var span = Telemetry.Source.StartActivity("rulesgate.decide");
        if (writer is null)
        {
            var alone = Unjournaled(context);
            Traced(span, alone, context, seq: null);
            return (alone, null);
        }

        var (decision, journaling) = Queue(context);
        JournalEvent recorded;
        using (Telemetry.Source.StartActivity("rulesgate.journal.commit"))
        {
            recorded = await Journaled(journaling).ConfigureAwait(false);
        }

        Traced(span, decision, context, recorded.Seq);
        return (decision, recorded.Seq);
    }

    /// <summary>Tags <paramref name="span"/> (when traced) with what was decided: verdict, rules fired, strategy, symbol and journal sequence number.</summary>
    private static void Traced(System.Diagnostics.Activity? span, CapitalDecision decision, CapitalContext context, long? seq)
    {
        if (span is not null)
        {
            span.SetTag("rulesgate.verdict", CapitalJson.Verdict(decision.Decision));
            span.SetTag("rulesgate.rules", string.Join(",", decision.Violations.Select(violation => violation.RuleId)));
            span.SetTag("rulesgate.strategy", context.Intent.StrategyId);
            span.SetTag("rulesgate.symbol", context.Intent.Symbol);
            span.SetTag("rulesgate.seq", seq);
        }
    }

    /// <summary>
    /// Judges many orders in order, as <see cref="Decide"/> judges one: their decisions go into the journal together,
    /// and one that trips the kill switch latches it for the orders after it.
    /// </summary>
    public async Task<IReadOnlyList<(CapitalDecision Decision, long? Seq)>> DecideAll(IReadOnlyList<CapitalContext> contexts)
    {
        if (writer is null)
        {
            return [.. contexts.Select(context => (Unjournaled(context), (long?)null))];
        }

        var decided = contexts.Select(Queue).ToList();
        await Journaled(Task.WhenAll(decided.Select(pair => pair.Journaling))).ConfigureAwait(false);
        return [.. decided.Select(pair => (pair.Decision, (long?)pair.Journaling.Result.Seq))];
    }

    /// <summary>
    /// Judges one order by both gates. The capital decision is made in the one order of deciding, under the latch;
    /// the governance decision on the journal's writer, against the strategy's state there (level, health, drift, a
    /// token it uses), and both are journaled in one transaction. Without a journal, the request's governance block
    /// states the strategy's state.
    /// </summary>
    /// <exception cref="FormatException">With a journal, the request states the strategy's state.</exception>
    public async Task<(GovernedDecision Decision, long? Seq)> Govern(GovernanceRequest request, GovernanceGate governance)
    {
        if (writer is null)
        {
            var alone = new OrderPipeline(Gate, governance).Decide(null, request.Capital, request.Inputs).Order;
            Judged?.Invoke(alone.Context, alone.Capital!);
            return (alone.Governed!, null);
        }

        if (request.Inputs.StateField() is { } field)
        {
            throw new FormatException($"governance.{field}: the strategy's state is the journal's; a request may give only order{{leverage, reduce_only, open_positions}} and token (its secret). Leave {field} out.");
        }

        using var span = Telemetry.Source.StartActivity("rulesgate.govern");
        Task<(Order, JournalEvent)> journaling;
        lock (one)
        {
            var both = new OrderPipeline(Gate, governance);
            CapitalContext judged;
            CapitalDecision? made;
            using (Telemetry.Source.StartActivity("rulesgate.gate.capital"))
            {
                (judged, made) = both.Judge(request.Capital, latched);
            }

            Judged?.Invoke(judged, made!);
            if (made!.KillSwitchTriggered)
            {
                latched = true;
                trips++;
            }

            journaling = writer.Exclusively(store => both.Record(store, judged, made, request.Inputs));
        }

        Order order;
        JournalEvent recorded;
        using (Telemetry.Source.StartActivity("rulesgate.journal.commit"))     // the governance gate is judged there, against the journal's state
        {
            (order, recorded) = await Journaled(journaling).ConfigureAwait(false);
        }

        Traced(span, order.Capital!, request.Capital, recorded.Seq);
        span?.SetTag("rulesgate.action", GovernanceActions.Name(order.Governed!.Action));
        return (order.Governed!, recorded.Seq);
    }

    /// <summary>
    /// Runs <paramref name="step"/> in the one order of deciding, given the pipeline and the latch, and journals the
    /// record it returns there: how a host with a stream of its own (PolicyGate's <c>/intent</c>) puts its decisions
    /// in the same order. The task completes once the record is durable (at once when there is none, or no journal).
    /// </summary>
    public async Task<T> Step<T>(Func<OrderPipeline, bool, (T Result, OrderRecord? Record)> step)
    {
        Task<JournalEvent>? journaling = null;
        T result;
        lock (one)
        {
            (result, var record) = step(pipeline, latched);
            if (writer is not null && record is not null)
            {
                journaling = Commit(record);
            }
        }

        if (journaling is not null)
        {
            await Journaled(journaling).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Reads what the host keeps beside the desk under the lock that orders every decision, with the latch.</summary>
    public T Locked<T>(Func<bool, T> read)
    {
        lock (one)
        {
            return read(latched);
        }
    }

    /// <summary>The journal's kill switch, read on the writer after every decision queued before.</summary>
    /// <exception cref="InvalidOperationException">There is no journal.</exception>
    public Task<KillSwitchState> KillSwitch() => Read(writer ?? throw new InvalidOperationException("This desk has no journal."), GateJournal.State);

    /// <summary>Resets the kill switch, journaled with who did it (an authenticated person) and why.</summary>
    /// <exception cref="InvalidOperationException">There is no journal to record the reset in.</exception>
    public Task<KillSwitchState> Reset(Actor actor, string reason) =>
        Read(writer ?? throw new InvalidOperationException("There is no journal, so a reset could not be recorded."), store => GateJournal.Reset(store, actor, reason, Workflows.WorkflowRoles.None));

    /// <summary>
    /// Puts <paramref name="next"/> live for every decision from now on, in the one order of deciding:
    /// <paramref name="note"/> (the change, journaled) comes before the first decision it judges.
    /// </summary>
    /// <param name="alongside">Runs under the same lock, for what the host swaps with the gate.</param>
    public Task Use(CapitalGate next, JournalEntry? note, Action? alongside = null)
    {
        lock (one)
        {
            pipeline = new OrderPipeline(next);
            alongside?.Invoke();
            return writer is not null && note is not null ? writer.Append(note) : Task.CompletedTask;
        }
    }

    /// <summary>Journals <paramref name="note"/> in the one order of deciding; without a journal, nothing.</summary>
    public Task Note(JournalEntry note)
    {
        lock (one)
        {
            return writer is not null ? writer.Append(note) : Task.CompletedTask;
        }
    }

    /// <summary>Runs <paramref name="work"/> alone on the journal's writer, after every decision queued before it.</summary>
    /// <exception cref="InvalidOperationException">There is no journal.</exception>
    public Task<T> Exclusively<T>(Func<JournalStore, T> work) => (writer ?? throw new InvalidOperationException("This desk has no journal.")).Exclusively(work);

    /// <summary>
    /// Reads the journal's kill switch, so that a latch set or reset by another process is seen; while the journal
    /// is not taking decisions, probes it, and takes decisions again as soon as it would take one.
    /// </summary>
    /// <exception cref="Exception">The journal could not be read (or probed) now: the latch stays as last read.</exception>
    public async Task Refresh()
    {
        if (writer is null)
        {
            return;
        }

        await Read(writer, GateJournal.State).ConfigureAwait(false);
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

    /// <summary>Writes what is queued, then closes the journal.</summary>
    public async ValueTask DisposeAsync()
    {
        if (writer is not null)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>An order judged without a journal, told to <see cref="Judged"/>.</summary>
    private CapitalDecision Unjournaled(CapitalContext context)
    {
        var order = pipeline.Decide(null, context, GovernanceInputs.None).Order;
        Judged?.Invoke(order.Context, order.Capital!);
        return order.Capital!;
    }

    /// <summary>Decides and queues the decision for the journal under one lock, so the journal's order is the order of deciding.</summary>
    private (CapitalDecision Decision, Task<JournalEvent> Journaling) Queue(CapitalContext context)
    {
        lock (one)
        {
            CapitalContext judged;
            CapitalDecision? decision;
            using (Telemetry.Source.StartActivity("rulesgate.gate.capital"))
            {
                (judged, decision) = pipeline.Judge(context, latched);
            }

            Judged?.Invoke(judged, decision!);
            var order = pipeline.Complete(judged, decision, GovernanceInputs.None, state: null, record: true);
            return (order.Capital!, Commit(order.Record!));
        }
    }

    /// <summary>Queues an order's record (under the lock); one that trips the kill switch latches it for every decision queued after it.</summary>
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
    /// Runs <paramref name="work"/> (which ends with the kill switch's state) on the writer and takes that state as the
    /// latch, unless this desk queued a trip meanwhile: a reading older than a trip never lets it go.
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

    private async Task<T> Journaled<T>(Task<T> journaling)
    {
        await Journaled((Task)journaling).ConfigureAwait(false);
        return await journaling.ConfigureAwait(false);
    }

    /// <summary>Awaits what journals; a failure marks the journal unwritable (until a later write succeeds, or its probe does) and means the decision is not given.</summary>
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
