using System.Text.Json;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Orders;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Gate;

/// <summary>
/// Runs a stream of intents through the gate with the state evolving as a desk's would: orders the gate lets
/// through go to a broker (<see cref="Brokers.IBroker"/>, simulated unless given one), fills move the positions, order counts come from a true sliding
/// 60-second window over the intents' timestamps, and every violation counts toward the kill switch's window.
/// Once tripped, the kill switch stays on for the rest of the run (and, with a journal, until it is reset). With a
/// governance gate, each order the capital gate judged is judged by governance too (<see cref="OrderPipeline"/>), and only what both let go is sent.
/// </summary>
/// <remarks>Equity is the snapshot's for the whole run, as in PolicyGate: there is no cash model.</remarks>
public sealed partial class CapitalStream
{
    /// <summary>The rule id of the denial a line that is not a valid intent gets.</summary>
    public const string MalformedRule = "INPUT-001";

    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);

    private CapitalGate gate;
    private OrderPipeline pipeline;
    private readonly PortfolioState portfolio;
    private readonly MarketSnapshot market;
    private readonly Brokers.IBroker broker;
    private readonly BatchSink? journal;
    private readonly GovernanceJournal? state;
    private readonly Action<ExecutionEvent>? executions;
    private readonly Dictionary<GovernanceAction, int> governed = [];
    private readonly Dictionary<string, double> positions;
    private readonly List<(DateTimeOffset Time, string Strategy)> orders = [];
    private readonly List<DateTimeOffset> violations = [];
    private readonly Dictionary<CapitalVerdict, int> decisions = [];
    private readonly Dictionary<string, int> histogram = new(StringComparer.Ordinal);
    private readonly ExecutionState start;
    private bool killSwitch;
    private bool started;
    private DateTimeOffset lastTime = DateTimeOffset.MinValue;
    private int submitted;
    private int filled;
    private int total;

    /// <param name="journal">When given, every decision is journaled there, <paramref name="batch"/> to a segment, and
    /// a kill switch latched in it starts the run tripped. Acknowledge a step (write its line, let its order out of
    /// the process) only once <see cref="Pending"/> is 0; <see cref="Flush"/> makes everything durable.</param>
    /// <param name="batch">How many decisions one commit takes; 1 commits each decision before the next is judged.</param>
    /// <param name="governance">The governance gate every order goes through too, against the strategies' state in <paramref name="journal"/>, which it needs.</param>
    /// <param name="executions">Receives each order's execution events (submitted, filled, rejected by the gate or the broker), for an execution log.</param>
    /// <param name="broker">Where orders that go are sent; null: the <see cref="Brokers.SimulatedBroker"/> on <paramref name="market"/>.</param>
    public CapitalStream(CapitalGate gate, PortfolioState portfolio, MarketSnapshot market, ExecutionState execution, string runId, JournalStore? journal = null, GovernanceGate? governance = null, Action<ExecutionEvent>? executions = null, int batch = 1, Brokers.IBroker? broker = null)
    {
        this.executions = executions;
        this.gate = gate;
        pipeline = new OrderPipeline(gate, governance);
        state = governance is null ? null : new GovernanceJournal(journal ?? throw new ArgumentException("Governance judges a run against the journal's state; give a journal.", nameof(journal)), governance.Settings);
        this.portfolio = portfolio;
        this.market = market;
        this.journal = journal is null ? null : new BatchSink(journal, batch);
        RunId = runId;
        this.broker = broker ?? new Brokers.SimulatedBroker(market);
        positions = new Dictionary<string, double>(portfolio.Positions, StringComparer.Ordinal);
        start = execution;
        killSwitch = execution.KillSwitchActive || (journal is not null && GateJournal.State(journal).Active);
    }

    public string RunId { get; }

    /// <summary>How many judged decisions are not yet durable in the journal; 0 without one.</summary>
    public int Pending => journal?.Pending ?? 0;

    /// <summary>Commits the decisions still pending, in one transaction.</summary>
    public void Flush() => journal?.Flush();

    /// <summary>Judges one JSONL line; a line that is not a valid intent is denied under <see cref="MalformedRule"/>.</summary>
    /// <param name="number">The line number, for the denial's message.</param>
    public CapitalDecision Next(string line, int number) => Step(line, number).Capital;

    /// <summary>
    /// Judges the intents from now on by <paramref name="next"/> (a server's reload), the stream's state kept.
    /// </summary>
    internal void Use(CapitalGate next) => pipeline = new OrderPipeline(gate = next, pipeline.Governance);

    /// <summary>
    /// Like <see cref="Next"/>, with the context the gate judged and the governed decision when the stream has a
    /// governance gate (both null for a malformed line).
    /// </summary>
    /// <param name="marketNow">Prices sent with this intent, in place of the stream's market (PolicyGate's <c>market_snapshot</c>).</param>
    public (CapitalDecision Capital, GovernedDecision? Governed, CapitalContext? Context) Step(string line, int number, MarketSnapshot? marketNow = null)
    {
        var market = marketNow ?? this.market;
        total++;
        OrderIntent intent;
        string? token = null;
        try
        {
            using var document = JsonDocument.Parse(line, StrictJson.Options);
            // A governed stream's intent may carry its execution token's secret, as a request over HTTP does.
            var governed = pipeline.Governance is not null;
            intent = CapitalContextJson.ReadIntent(document.RootElement, withToken: governed);
            if (governed && document.RootElement.TryGetProperty("token", out var secret))
            {
                token = secret.ValueKind == JsonValueKind.String && secret.GetString() is { Length: > 0 } text
                    ? text
                    : throw new FormatException("intent.token: expected the execution token's secret, as 'governance token issue' printed it.");
            }
        }
        catch (Exception error) when (error is JsonException or FormatException)
        {
            return (Malformed(Redacted(line), number, error.Message), null, null);
        }

        if (!started)
        {
            // The execution state's counts were sent just before the stream began.
            started = true;
            foreach (var (strategy, count) in start.OrdersLast60sByStrategy)
            {
                orders.AddRange(Enumerable.Repeat((intent.Timestamp, strategy), count));
            }

            orders.AddRange(Enumerable.Repeat((intent.Timestamp, ""), Math.Max(0, start.OrdersLast60sGlobal - start.OrdersLast60sByStrategy.Values.Sum())));
            violations.AddRange(start.ViolationTimes.Count > 0 ? start.ViolationTimes : Enumerable.Repeat(intent.Timestamp, start.ViolationsLastWindow));
        }

        var now = lastTime = intent.Timestamp;
        orders.RemoveAll(order => order.Time < Before(now, Minute));
        violations.RemoveAll(time => time < Before(now, gate.ViolationWindow));
        var recent = orders.Where(order => order.Time >= Before(now, Minute) && order.Time <= now).ToList();
        var execution = new ExecutionState(
            recent.Count,
            recent.Where(order => order.Strategy.Length > 0).GroupBy(order => order.Strategy, StringComparer.Ordinal).ToDictionary(group => group.Key, group => group.Count(), StringComparer.Ordinal),
            violations.Count(time => time >= Before(now, gate.ViolationWindow) && time <= now),
            killSwitch);
        var context = new CapitalContext(intent, portfolio with { Positions = new Dictionary<string, double>(positions, StringComparer.Ordinal) }, market, execution);
        var (_, judged) = pipeline.Judge(context, latched: false);
        var judgedOrder = pipeline.Complete(context, judged, token is null ? GovernanceInputs.None : new GovernanceInputs(TokenSecret: token), state, record: journal is not null, RunId, CountViolations(judged!, now));
        var (decision, verdict) = (judgedOrder.Capital!, judgedOrder.Governed);
        if (verdict is not null)
        {
            governed[verdict.Action] = governed.GetValueOrDefault(verdict.Action) + 1;
        }

        if (judgedOrder.Record is { } record)
        {
            journal!.Add(record);
        }

        ExecutionEvent Event(string type, OrderIntent order, double? price = null, string? reason = null) =>
            new(type, RunId, intent.IntentId, gate.Bundle.File.Hash, intent.StrategyId, intent.Symbol, intent.Side, order.Qty, now, price, reason);
        if (verdict is null ? decision.Decision != CapitalVerdict.Deny : GovernanceActions.Goes(verdict.Action) && verdict.Qty > 0)
        {
            var order = verdict is null ? decision.ModifiedIntent ?? intent : intent with { Qty = verdict.Qty };
            submitted++;
            orders.Add((now, intent.StrategyId));
            executions?.Invoke(Event(ExecutionEvent.Submitted, order));
            var reply = broker.Submit(order);
            if (reply.Status != Brokers.BrokerStatus.Working)
            {
                executions?.Invoke(reply.Status == Brokers.BrokerStatus.Filled ? Event(ExecutionEvent.Filled, order, reply.Price) : Event(ExecutionEvent.Rejected, order, reason: reply.Reason));
            }

            if (reply.Status == Brokers.BrokerStatus.Filled)
            {
                filled++;
                var qty = positions.GetValueOrDefault(order.Symbol) + (order.Side == OrderSide.Buy ? order.Qty : -order.Qty);
                if (Math.Abs(qty) < 1e-10)
                {
                    positions.Remove(order.Symbol);
                }
                else
                {
                    positions[order.Symbol] = qty;
                }
            }
        }
        else
        {
            executions?.Invoke(Event(ExecutionEvent.Rejected, intent, reason: verdict is null
                ? $"gate: {string.Join(", ", decision.Violations.Select(violation => violation.RuleId))}"
                : $"governance: {verdict.Reason}"));
        }

        return (decision, verdict, context);
    }

    /// <summary>Turns the stream's kill switch on: it was latched elsewhere (in the journal, by another order path).</summary>
    public void Latch() => killSwitch = true;

    /// <summary>Turns the stream's kill switch off, after an attributed reset was journaled (<see cref="GateJournal.Reset"/>).</summary>
    public void Unlatch() => killSwitch = false;

    /// <summary>The stream's state now: how many positions it holds, whether its kill switch is on, how many orders went out in the minute before its last intent.</summary>
    public (int Positions, bool KillSwitchActive, int OrdersLast60s) Status() =>
        (positions.Count, killSwitch, orders.Count(order => order.Time >= Before(lastTime, Minute) && order.Time <= lastTime));

    public StreamSummary Summary() =>
        new(RunId, total, new Dictionary<CapitalVerdict, int>(decisions), new Dictionary<string, int>(histogram), submitted, filled, portfolio.Equity, new Dictionary<string, double>(positions), killSwitch)
        {
            Governed = pipeline.Governance is null ? null : new Dictionary<GovernanceAction, int>(governed),
        };

    /// <summary>The line with every <c>token</c>'s value blanked: a malformed line is journaled as sent, its secret never.</summary>
    private static string Redacted(string line) => TokenValue().Replace(line, "$1\"[redacted]\"");

    [System.Text.RegularExpressions.GeneratedRegex("(\"token\"\\s*:\\s*)(\"(?:[^\"\\\\]|\\\\.)*\"?|[^,}\\s]+)")]
    private static partial System.Text.RegularExpressions.Regex TokenValue();

    private CapitalDecision Malformed(string line, int number, string reason)
    {
        var id = IntentIdOf(line) ?? $"line-{number}";
        var message = $"Line {number} is not a valid intent: {reason}";
        var decision = new CapitalDecision(CapitalVerdict.Deny, id, [new CapitalViolation(MalformedRule, RuleSeverity.Crit, message, [], [])], [], null, false, gate.Mode, gate.Policy, 0);
        var windowTrip = CountViolations(decision, lastTime);
        if (journal is not null)
        {
            journal.Malformed(RunId, number, line, reason, windowTrip ? $"violations in the window reached the limit at line {number}" : null);
        }

        return windowTrip ? decision with { KillSwitchTriggered = true } : decision;
    }

    /// <summary>Counts the decision and its violations; true when the violation count now trips the kill switch.</summary>
    private bool CountViolations(CapitalDecision decision, DateTimeOffset now)
    {
        decisions[decision.Decision] = decisions.GetValueOrDefault(decision.Decision) + 1;
        foreach (var violation in decision.Violations)
        {
            histogram[violation.RuleId] = histogram.GetValueOrDefault(violation.RuleId) + 1;
            violations.Add(now);
        }

        if (killSwitch)
        {
            return false;
        }

        killSwitch = decision.KillSwitchTriggered;
        var windowTrip = !killSwitch && gate.TripAfterViolations is { } limit
            && violations.Count(time => time >= Before(now, gate.ViolationWindow) && time <= now) >= limit;
        killSwitch |= windowTrip;
        return windowTrip;
    }

    private static DateTimeOffset Before(DateTimeOffset time, TimeSpan span) =>
        time - DateTimeOffset.MinValue < span ? DateTimeOffset.MinValue : time - span;

    private static string? IntentIdOf(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("intent_id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
