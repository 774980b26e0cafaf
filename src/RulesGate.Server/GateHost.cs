using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;

namespace RulesGate.Server;

/// <summary>
/// The capital gate as the server holds it: one gate, one journal, and one stream of intents for PolicyGate's
/// <c>POST /intent</c> (positions, order counts and the kill switch evolve as in <c>rulesgate run</c>). Requests
/// from every thread go through one lock, so each decision is durable in the journal before it is answered.
/// </summary>
public sealed class GateHost
{
    private readonly Lock one = new();
    private readonly CapitalGate gate;
    private readonly JournalStore? journal;
    private readonly CapitalStream intake;
    private int intents;

    public GateHost(CapitalGate gate, JournalStore? journal, CapitalStream intake)
    {
        (this.gate, this.journal, this.intake) = (gate, journal, intake);
        Metrics = new ServerMetrics(gate);
        Metrics.KillSwitch(KillSwitch().Active);
    }

    public ServerMetrics Metrics { get; }

    public CapitalGate Gate => gate;

    /// <summary>Whether decisions and resets are journaled.</summary>
    public bool HasJournal => journal is not null;

    /// <summary>The stream behind <c>POST /intent</c>: its run id names it in the journal.</summary>
    public CapitalStream Intake => intake;

    /// <summary>
    /// Judges one full request (intent, portfolio, market, execution) as <c>rulesgate eval --journal</c> does: a
    /// kill switch latched in the journal applies, and the decision is journaled before this returns.
    /// </summary>
    /// <returns>The decision and its journal sequence number (null without a journal).</returns>
    public (CapitalDecision Decision, long? Seq) Decide(CapitalContext context)
    {
        lock (one)
        {
            if (journal is null)
            {
                var alone = gate.Decide(context);
                Metrics.Given(alone, "decisions", commit: null);
                return (alone, null);
            }

            if (GateJournal.State(journal).Active && !context.Execution.KillSwitchActive)
            {
                context = new CapitalContext(context.Intent, context.Portfolio, context.Market, context.Execution with { KillSwitchActive = true });
            }

            var decision = gate.Decide(context);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var seq = Journaled(() => GateJournal.Record(journal, gate, context, decision, runId: null).Seq);
            Metrics.Given(decision, "decisions", System.Diagnostics.Stopwatch.GetElapsedTime(started));
            Metrics.KillSwitch(context.Execution.KillSwitchActive || decision.KillSwitchTriggered);
            return (decision, seq);
        }
    }

    /// <summary>Judges one intent of the stream (PolicyGate's <c>POST /intent</c>); <paramref name="market"/> replaces the stream's prices for it.</summary>
    /// <exception cref="FormatException">The intent is not one: PolicyGate answers 400, so the stream never sees it.</exception>
    public (CapitalDecision Decision, CapitalContext Context) Intent(JsonElement intent, MarketSnapshot? market)
    {
        CapitalContextJson.ReadIntent(intent);
        var line = intent.GetRawText();
        lock (one)
        {
            var (decision, _, context) = Journaled(() => intake.Step(line, ++intents, market));
            Metrics.Given(decision, "intent", commit: null);
            if (decision.KillSwitchTriggered)
            {
                Metrics.KillSwitch(true);
            }

            return (decision, context!);
        }
    }

    /// <summary>The kill switch: the journal's latch when there is a journal, else the stream's.</summary>
    public KillSwitchState KillSwitch()
    {
        lock (one)
        {
            return journal is not null ? GateJournal.State(journal)
                : intake.Status().KillSwitchActive ? new KillSwitchState(true, null, "tripped in this server's stream (no journal)")
                : KillSwitchState.Off;
        }
    }

    /// <summary>Resets the kill switch, journaled with <paramref name="actor"/> (the authenticated principal) and why; the stream behind <c>/intent</c> is let go too.</summary>
    /// <exception cref="InvalidOperationException">There is no journal to record the reset in.</exception>
    public KillSwitchState Reset(Principal actor, string reason)
    {
        lock (one)
        {
            var state = GateJournal.Reset(journal ?? throw new InvalidOperationException("This server has no journal, so a reset could not be recorded; start it with --journal."), actor.Name, reason);
            intake.Unlatch();
            Metrics.KillSwitch(state.Active);
            return state;
        }
    }

    /// <summary>Runs what journals a decision; any failure there means the decision is not given.</summary>
    private static T Journaled<T>(Func<T> journaling)
    {
        try
        {
            return journaling();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw new JournalUnavailableException(error);
        }
    }

    /// <summary>The stream's state, for PolicyGate's <c>GET /health</c>.</summary>
    public (int Positions, bool KillSwitchActive, int OrdersLast60s) Status()
    {
        lock (one)
        {
            return intake.Status();
        }
    }
}

/// <summary>A decision could not be made durable in the journal, so it is not given: the order must not go.</summary>
public sealed class JournalUnavailableException(Exception inner) : Exception($"The journal did not take the decision ({inner.Message.Split('\n')[0].TrimEnd('.')}).", inner);
