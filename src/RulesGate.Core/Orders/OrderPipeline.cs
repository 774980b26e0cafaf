using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Orders;

/// <summary>
/// The one way an order is decided, on every path (<c>eval</c>, <c>run</c>, <c>governance eval</c>, <c>bench
/// gate</c>, <c>POST /v1/decisions</c>, <c>:batch</c>, <c>/intent</c>): the kill switch's latch, the capital gate,
/// the governance gate against the strategy's state, and the record that writes the decision, the governance
/// decision, the token used and any trip of the kill switch in one journal transaction, through one of three sinks
/// (<see cref="DirectSink"/>, <see cref="GroupCommitSink"/>, <see cref="BatchSink"/>). Without a journal, a request's <c>governance</c> block states the strategy's state,
/// so a case is judged from files alone; with one, the state is the journal's and a request gives only its order's
/// figures and a token's secret.
/// </summary>
/// <param name="capital">The capital gate; null to judge by governance alone (<c>governance eval</c> without a capital file).</param>
/// <param name="governance">The governance gate; null to judge by the capital gate alone.</param>
public sealed class OrderPipeline(CapitalGate? capital, GovernanceGate? governance = null)
{
    public CapitalGate? Capital => capital;

    public GovernanceGate? Governance => governance;

    /// <summary>The lot size a governed quantity is rounded down to: the capital file's, or PolicyGate's without one.</summary>
    public double LotSize => capital?.LotSize ?? CapitalGate.DefaultLotSize;

    /// <summary>The rule files a governance decision names, under their hashes: kept with the first decision that used them.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> GovernanceBlobs =>
        governance is null ? []
        : governance.Maturity is { } maturity ? [new(governance.Bundle.File.Hash, governance.Bundle.File.Bytes), new(maturity.Bundle.File.Hash, maturity.Bundle.File.Bytes)]
        : [new(governance.Bundle.File.Hash, governance.Bundle.File.Bytes)];

    /// <summary><paramref name="context"/> with the kill switch on when it is <paramref name="latched"/>: a latched kill switch denies every order.</summary>
    public static CapitalContext UnderLatch(CapitalContext context, bool latched) =>
        latched && !context.Execution.KillSwitchActive
            ? new CapitalContext(context.Intent, context.Portfolio, context.Market, context.Execution with { KillSwitchActive = true })
            : context;

    /// <summary>The first steps: the latch, then the capital gate (none without one).</summary>
    public (CapitalContext Context, CapitalDecision? Decision) Judge(CapitalContext context, bool latched)
    {
        context = UnderLatch(context, latched);
        return (context, capital?.Decide(context));
    }

    /// <summary>
    /// The last steps, on an order the capital gate judged (<see cref="Judge"/>, or a run's own stream): governance
    /// against <paramref name="state"/> (the strategy's state in the journal; null to take it from the request),
    /// composed with the capital decision, and, when <paramref name="record"/>, what the order writes.
    /// </summary>
    /// <param name="runId">The run the order belongs to, for its stream; null for a single order.</param>
    /// <param name="windowTrip">The stream's violation count tripped the kill switch with this order.</param>
    /// <exception cref="FormatException">With a journal, the request states the strategy's state.</exception>
    public Order Complete(CapitalContext context, CapitalDecision? decision, GovernanceInputs given, GovernanceJournal? state, bool record, string? runId = null, bool windowTrip = false)
    {
        var shown = windowTrip && decision is not null ? decision with { KillSwitchTriggered = true } : decision;
        GovernedDecision? governed = null;
        JournalChange? token = null;
        if (governance is not null)
        {
            (governed, token) = Govern(context, shown, given, state);
        }

        if (!record)
        {
            return new Order(context, shown, governed, null);
        }

        List<JournalEntry> entries = [];
        List<KeyValuePair<string, byte[]>> blobs = [];
        if (capital is not null && decision is not null)
        {
            entries.Add(GateJournal.Decision(capital, context, decision, runId, windowTrip));
            blobs.Add(GateJournal.Bundle(capital));
        }

        if (governed is not null)
        {
            entries.Add(Entry(context, governed, runId));
            blobs.AddRange(GovernanceBlobs);
        }

        var trip = decision is not null && (decision.KillSwitchTriggered || windowTrip) ? GateJournal.Trip(decision, windowTrip) : null;
        return new Order(context, shown, governed, new OrderRecord(entries, blobs, trip, token));
    }

    /// <summary>
    /// The last steps against the journal, written there directly (<see cref="DirectSink"/>): when the token the order
    /// uses was used by someone else since it was checked, the order is judged again (the token now reads as used).
    /// </summary>
    /// <returns>The order and its first event.</returns>
    public (Order Order, JournalEvent Recorded) Record(JournalStore store, CapitalContext context, CapitalDecision? decision, GovernanceInputs given, string? runId = null, TimeProvider? time = null)
    {
        var sink = new DirectSink(store);
        var state = governance is null ? null : new GovernanceJournal(store, governance.Settings, time);
        var order = Complete(context, decision, given, state, record: true, runId);
        try
        {
            return (order, sink.Append(order.Record!));
        }
        catch (TokenRefusedException) when (order.Record!.Token is not null)
        {
            order = Complete(context, decision, given, state, record: true, runId);
            return (order, sink.Append(order.Record!));
        }
    }

    /// <summary>
    /// One order, from the latch to the record: with a journal, its kill switch applies, the strategy's state is its,
    /// and the order is durable there before this returns (<see cref="Record"/>); without one, nothing is written.
    /// </summary>
    /// <returns>The order, and its first event (null without a journal).</returns>
    public (Order Order, JournalEvent? Recorded) Decide(JournalStore? store, CapitalContext context, GovernanceInputs given, TimeProvider? time = null)
    {
        var (judged, decision) = Judge(context, store is not null && GateJournal.State(store).Active);
        return store is null ? (Complete(judged, decision, given, state: null, record: false), null) : Record(store, judged, decision, given, runId: null, time);
    }

    /// <summary>Governance on an order, composed with the capital decision; with a journal, the token the order uses when it goes.</summary>
    private (GovernedDecision Decision, JournalChange? Token) Govern(CapitalContext capitalContext, CapitalDecision? capitalDecision, GovernanceInputs given, GovernanceJournal? journal)
    {
        var gate = governance!;
        var intent = capitalContext.Intent;
        if (journal is not null && given.StateField() is { } field)
        {
            // A request describes its order; it does not get to say what level, health or token its strategy has.
            throw new FormatException($"governance.{field}: with a journal, the strategy's state is the journal's; a request may give only order{{leverage, reduce_only, open_positions}} and token (its secret). Leave {field} out, or judge the case without a journal.");
        }

        var under = journal is not null ? journal.Inputs(intent.StrategyId, intent.Symbol, intent.Qty, given.TokenSecret)
            : given.TokenSecret is not null ? new GovernanceInputs(Token: new TokenView(true, false, null, "no journal to check the token against; give --journal, or the token as { \"valid\": true } in a case judged from files"))
            : GovernanceInputs.None;
        var context = given.Over(under).Context(capitalContext, gate.Settings, gate.CapOf);
        var governed = GovernedDecision.Of(gate.Decide(context, Demotion(context, given, journal)), capitalDecision, intent, LotSize);
        if (journal is null || !GovernanceActions.Goes(governed.Action) || governed.Qty <= 0 || !context.Strategy.Token.Valid || given.TokenSecret is not { } secret)
        {
            return (governed, null);
        }

        try
        {
            return (governed, journal.Tokens.Using(secret, intent.StrategyId, intent.Symbol, governed.Qty).Change);
        }
        catch (TokenRefusedException refused)
        {
            return (governed with { Action = GovernanceAction.Block, Qty = 0, Reason = $"missing_or_invalid_execution_token: {refused.Message}" }, null);
        }
    }

    /// <summary>The maturity step down the strategy's figures call for now, when a ladder judges them and there are figures.</summary>
    private MaturityStep? Demotion(GovernanceContext context, GovernanceInputs given, GovernanceJournal? journal)
    {
        var gate = governance!;
        if (gate.Maturity is not { } ladder)
        {
            return null;
        }

        MaturityContext figures;
        var strategy = context.Strategy;
        if (given.Outcomes is { Count: > 0 } outcomes)
        {
            // The request's R-multiples stand for the P&L too; without an equity curve there is no drawdown.
            var sum = outcomes.Aggregate(StrategyOutcomes.Fresh(strategy.Id), (state, r) => state.After(new TradeOutcome("", strategy.Id, default, r, r), gate.Settings.Health));
            figures = new MaturityContext(strategy.Id, strategy.Level, strategy.LevelIndex, sum.Trades, sum.WinRate, sum.ProfitFactor, double.NaN, sum.LossStreak);
        }
        else if (journal?.Outcomes(strategy.Id) is { Trades: > 0 } recorded)
        {
            figures = new MaturityContext(strategy.Id, strategy.Level, strategy.LevelIndex, recorded.Trades, recorded.WinRate, recorded.ProfitFactor, recorded.Drawdown(gate.Settings.BaseEquity), recorded.LossStreak);
        }
        else
        {
            return null;
        }

        return ladder.Judge(figures) is { Change: "demotion" } step ? step : null;
    }

    private JournalEntry Entry(CapitalContext capitalContext, GovernedDecision governed, string? runId) =>
        new(runId is null ? GovernanceJournal.Stream(governed.Intent.StrategyId) : $"run:{runId}", GovernanceJournal.DecisionType, JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            JsonText.Optional(writer, "run_id"u8, runId);
            writer.WriteString("governance_bundle"u8, governance!.Bundle.Identity);
            JsonText.Optional(writer, "maturity_bundle"u8, governance.Maturity?.Bundle.Identity);
            JsonText.Optional(writer, "capital_bundle"u8, capital?.Bundle.Identity);
            writer.WritePropertyName("request"u8);
            CapitalJson.WriteRequest(writer, capitalContext);
            writer.WritePropertyName("decision"u8);
            GovernanceJson.WriteDecision(writer, governed, governance.MaturityPolicy);
            writer.WriteEndObject();
        }, pretty: false));
}
