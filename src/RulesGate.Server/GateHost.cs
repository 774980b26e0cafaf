using System.Diagnostics;
using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Orders;
using RulesGate.Core.Signing;

namespace RulesGate.Server;

/// <summary>
/// The capital gate as the server holds it: Core's <see cref="OrderDesk"/> (one gate, one journal, one order of
/// deciding, decisions group-committed and answered once durable), with the server's metrics, and one stream of
/// intents for PolicyGate's <c>POST /intent</c> (positions, order counts and the kill switch evolve as in
/// <c>rulesgate run</c>; the stream keeps no journal of its own: its decisions go into the desk's one order).
/// </summary>
public sealed class GateHost : IAsyncDisposable
{
    private readonly OrderDesk desk;
    private readonly CapitalStream intake;
    private int intents;

    /// <param name="journal">Owned by the host from now on.</param>
    /// <param name="intake">A stream without a journal of its own: the host journals its decisions.</param>
    /// <param name="time">The clock of the console's live chart; the system's when null.</param>
    public GateHost(CapitalGate gate, JournalStore? journal, CapitalStream intake, TimeProvider? time = null)
    {
        this.intake = intake;
        Metrics = new ServerMetrics(gate, time);
        desk = new OrderDesk(gate, journal, committed: Metrics.Batch);
        Metrics.KillSwitch(desk.Latched);
        Shadow = new Shadow(this);
    }

    public ServerMetrics Metrics { get; }

    /// <summary>The shadow evaluation of a candidate rule file, idle until one is started.</summary>
    public Shadow Shadow { get; }

    /// <summary>The desk, for what is wired to it (<see cref="Server.Shadow"/>).</summary>
    internal OrderDesk Desk => desk;

    public CapitalGate Gate => desk.Gate;

    /// <summary>Why the journal is not taking decisions (its last write failed), or null while it is.</summary>
    public string? Unwritable => desk.Unwritable;

    /// <summary>Whether decisions and resets are journaled.</summary>
    public bool HasJournal => desk.HasJournal;

    /// <summary>The stream behind <c>POST /intent</c>: its run id names it in the journal.</summary>
    public CapitalStream Intake => intake;

    /// <summary>Judges one full request as <c>rulesgate eval --journal</c> does (<see cref="OrderDesk.Decide"/>).</summary>
    /// <returns>The decision and its journal sequence number (null without a journal).</returns>
    public async Task<(CapitalDecision Decision, long? Seq)> Decide(CapitalContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var decided = await desk.Decide(context).ConfigureAwait(false);
        Given(decided.Decision, "decisions", started);
        return decided;
    }

    /// <summary>Judges one request by both gates (a request with a <c>governance</c> block): <see cref="OrderDesk.Govern"/>.</summary>
    /// <returns>The composed decision and its journal sequence number (null without a journal).</returns>
    public async Task<(GovernedDecision Decision, long? Seq)> Govern(GovernanceRequest request, GovernanceGate governance)
    {
        var started = Stopwatch.GetTimestamp();
        var governed = await desk.Govern(request, governance).ConfigureAwait(false);
        Given(governed.Decision.Capital!, "decisions", started);
        return governed;
    }

    /// <summary>Judges many full requests in order (<see cref="OrderDesk.DecideAll"/>).</summary>
    public async Task<IReadOnlyList<(CapitalDecision Decision, long? Seq)>> DecideAll(IReadOnlyList<CapitalContext> contexts)
    {
        var started = Stopwatch.GetTimestamp();
        var decided = await desk.DecideAll(contexts).ConfigureAwait(false);
        foreach (var (decision, _) in decided)
        {
            Given(decision, desk.HasJournal ? "batch" : "decisions", started);
        }

        return decided;
    }

    /// <summary>A decision counted in the metrics; with a journal, its commit time and the latch it left.</summary>
    private void Given(CapitalDecision decision, string endpoint, long started)
    {
        Metrics.Given(decision, endpoint, desk.HasJournal ? Stopwatch.GetElapsedTime(started) : null);
        if (desk.HasJournal)
        {
            Metrics.KillSwitch(desk.Latched);
        }
    }

    /// <summary>Judges one intent of the stream (PolicyGate's <c>POST /intent</c>); <paramref name="market"/> replaces the stream's prices for it.</summary>
    /// <exception cref="FormatException">The intent is not one: PolicyGate answers 400, so the stream never sees it.</exception>
    public async Task<(CapitalDecision Decision, CapitalContext Context)> Intent(JsonElement intent, MarketSnapshot? market)
    {
        CapitalContextJson.ReadIntent(intent);
        var line = intent.GetRawText();

        // The step and its place in the journal are taken in the desk's one order of deciding.
        var (decision, context, streamLatched) = await desk.Step((pipeline, latched) =>
        {
            if (latched)
            {
                intake.Latch();
            }

            var (stepped, _, steppedContext) = intake.Step(line, ++intents, market);
            var context = steppedContext ?? throw new FormatException("The intent was refused.");

            // The stream judged it (its window may have tripped the kill switch): recorded as it decided.
            var record = pipeline.Complete(context, stepped, GovernanceInputs.None, state: null, record: desk.HasJournal, intake.RunId).Record;
            return ((stepped, context, intake.Status().KillSwitchActive), record);
        }).ConfigureAwait(false);

        Metrics.Given(decision, "intent", commit: null);
        Metrics.KillSwitch(desk.Latched || streamLatched);
        return (decision, context);
    }

    /// <summary>The kill switch: the journal's latch when there is a journal, else the stream's.</summary>
    public async Task<KillSwitchState> KillSwitch() =>
        desk.HasJournal
            ? await desk.KillSwitch().ConfigureAwait(false)
            : desk.Locked(_ => intake.Status().KillSwitchActive) ? new KillSwitchState(true, null, "tripped in this server's stream (no journal)") : KillSwitchState.Off;

    /// <summary>Resets the kill switch, journaled with <paramref name="actor"/> (the authenticated principal) and why; the stream behind <c>/intent</c> is let go too.</summary>
    /// <exception cref="InvalidOperationException">There is no journal to record the reset in.</exception>
    public async Task<KillSwitchState> Reset(Principal actor, string reason)
    {
        if (!desk.HasJournal)
        {
            throw new InvalidOperationException("This server has no journal, so a reset could not be recorded; start it with --journal.");
        }

        var state = await desk.Reset(Actor.Authenticated(actor.Name), reason).ConfigureAwait(false);
        Metrics.Action("killswitch_reset");
        desk.Locked(latched =>
        {
            if (!latched)
            {
                intake.Unlatch();
            }

            return 0;
        });
        Metrics.KillSwitch(desk.Latched);
        return state;
    }

    /// <summary>
    /// Puts <paramref name="next"/> live for every decision from now on, from either endpoint, in the one order of
    /// deciding: <paramref name="note"/> (the reload, journaled) comes before the first decision it judges.
    /// </summary>
    public Task Use(CapitalGate next, JournalEntry? note) => desk.Use(next, note, alongside: () =>
    {
        intake.Use(next);
        Metrics.Bundle(next.Bundle);
    });

    /// <summary>Journals <paramref name="note"/> in the one order of deciding (a reload that failed); without a journal, nothing.</summary>
    public Task Note(JournalEntry note) => desk.Note(note);

    /// <summary>Runs <paramref name="work"/> alone on the journal's writer, after every decision queued before it: the server's governance operations and reads.</summary>
    /// <exception cref="NoJournalException">The server has no journal.</exception>
    public Task<T> Exclusively<T>(Func<JournalStore, T> work) => desk.HasJournal ? desk.Exclusively(work) : throw new NoJournalException();

    /// <summary>The stream's state, for PolicyGate's <c>GET /health</c>; its kill switch is on too while the journal's is latched.</summary>
    public (int Positions, bool KillSwitchActive, int OrdersLast60s) Status() => desk.Locked(latched =>
    {
        var (positions, active, orders) = intake.Status();
        return (positions, active || latched, orders);
    });

    /// <summary>Writes what is queued, then closes the journal.</summary>
    public async ValueTask DisposeAsync()
    {
        await Shadow.DisposeAsync().ConfigureAwait(false);
        await desk.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the journal's kill switch (<see cref="LatchWatcher"/> calls it beside the requests, none waiting for it), so
    /// that a latch set or reset by another process is seen; while the journal is not taking decisions, probes it, and
    /// makes the server ready again as soon as it would take one, decision or not.
    /// </summary>
    /// <exception cref="Exception">The journal could not be read (or probed) now: the latch stays as last read.</exception>
    public async Task Refresh()
    {
        await desk.Refresh().ConfigureAwait(false);
        Metrics.KillSwitch(desk.Latched);
    }
}

/// <summary>The server was started without a journal, so what must be recorded in one (or read from it) is refused.</summary>
public sealed class NoJournalException() : Exception("This server has no journal; start it with --journal.");
