using RulesGate.Core.Gate;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Governance;

/// <summary>
/// What a <c>GovernancePolicy</c> rule sees: the order (<c>Intent</c>, <c>Portfolio</c>, <c>Market</c> as the
/// capital gate sees them, and <c>Order</c>, its figures), the strategy that sends it (<c>Strategy</c>: its maturity,
/// health, drift and execution token) and the infrastructure (<c>Canary</c>); <c>Enabled</c> says whether governance
/// judges at all.
/// </summary>
public sealed class GovernanceContext(bool enabled, OrderIntent intent, PortfolioState portfolio, MarketSnapshot market, GovernanceStrategy strategy, GovernanceOrder order, CanaryView canary)
{
    public bool Enabled { get; } = enabled;

    public OrderIntent Intent { get; } = intent;

    public PortfolioState Portfolio { get; } = portfolio;

    public MarketSnapshot Market { get; } = market;

    public GovernanceStrategy Strategy { get; } = strategy;

    public GovernanceOrder Order { get; } = order;

    public CanaryView Canary { get; } = canary;
}

/// <summary>The strategy that sends the order, as governance knows it.</summary>
/// <param name="Level">Its maturity level, such as <c>L2_gated</c>.</param>
/// <param name="LevelIndex">The level's place on the ladder: 0 for <c>L0_shadow</c> to 4 for <c>L4_autonomous</c>.</param>
/// <param name="SizingCap">The level's sizing cap, from the MaturityPolicy file.</param>
public sealed record GovernanceStrategy(string Id, string Level, int LevelIndex, double SizingCap, HealthView Health, DriftView Drift, TokenView Token);

/// <summary>A strategy's health: the score and the sizing multiplier it allows, from its debt and credit.</summary>
public sealed record HealthView(double Score, double Multiplier, double Debt, double Credit)
{
    /// <summary>Full health: what a strategy with no outcomes has.</summary>
    public static HealthView Fresh { get; } = new(1, 1, 0, 0);

    public static HealthView Of(HealthState state, HealthParams parameters) =>
        new(state.Score(parameters), state.Multiplier(parameters), (double)state.Debt, (double)state.Credit);
}

/// <summary>One tracked metric live against the backtest baseline.</summary>
/// <param name="DeviationPct">|live − baseline| / |baseline| × 100, rounded to 2 decimals; for a baseline of 0, 0 when live is 0 too and 100 otherwise.</param>
public sealed record DriftMetric(string Metric, double Baseline, double Live, double DeviationPct)
{
    public static DriftMetric Of(string metric, double baseline, double live) =>
        new(metric, baseline, live, Math.Round(baseline == 0 ? (live == 0 ? 0 : 100) : Math.Abs(live - baseline) / Math.Abs(baseline) * 100, 2));
}

/// <summary>The strategy's drift: every tracked metric that has both a baseline and a live figure.</summary>
public sealed class DriftView(IReadOnlyList<DriftMetric> metrics)
{
    public static DriftView None { get; } = new([]);

    public IReadOnlyList<DriftMetric> Metrics { get; } = ReadOnly.List(metrics);

    /// <summary>The largest deviation of any metric; 0 when none is compared.</summary>
    public double WorstPct { get; } = metrics.Count == 0 ? 0 : metrics.Max(metric => metric.DeviationPct);

    /// <summary>
    /// The tracked metrics found in both a baseline and live figures, in the order of <paramref name="tracked"/>; a
    /// metric missing from either, or not a finite number, is not compared.
    /// </summary>
    public static DriftView Of(IEnumerable<string> tracked, IReadOnlyDictionary<string, double> baseline, IReadOnlyDictionary<string, double> live) =>
        new([.. tracked
            .Where(metric => baseline.TryGetValue(metric, out var b) && double.IsFinite(b) && live.TryGetValue(metric, out var l) && double.IsFinite(l))
            .Select(metric => DriftMetric.Of(metric, baseline[metric], live[metric]))]);
}

/// <summary>The execution token the order presents, checked (not consumed) against the token ledger.</summary>
/// <param name="Presented">Whether the order presents a token at all.</param>
/// <param name="Valid">Whether it authorises this order now: the strategy's, unused, not revoked, not expired, in scope.</param>
/// <param name="Id">The token's id, when it is known.</param>
/// <param name="Refusal">Why it does not authorise the order; null when it is valid or none is presented.</param>
public sealed record TokenView(bool Presented, bool Valid, string? Id, string? Refusal)
{
    public static TokenView None { get; } = new(false, false, null, null);
}

/// <summary>The order's figures the impact score reads.</summary>
/// <param name="Notional">|qty| × the market price of the symbol; NaN when there is no price.</param>
/// <param name="Concentration">Notional / equity.</param>
/// <param name="Leverage">The leverage the order is sent with (1 when not given).</param>
/// <param name="ReduceOnly">Whether the order only reduces a position (given, or: it shrinks the position without crossing zero).</param>
/// <param name="OpenPositions">Open positions in the account (given, or: those of the portfolio with a quantity).</param>
public sealed record GovernanceOrder(double Notional, double Concentration, double Leverage, bool ReduceOnly, int OpenPositions)
{
    /// <summary>The figures from the capital gate's view of the order, with what the request states itself winning.</summary>
    public static GovernanceOrder Of(OrderIntent intent, PortfolioState portfolio, MarketSnapshot market, double? leverage = null, bool? reduceOnly = null, int? openPositions = null)
    {
        var notional = Math.Abs(intent.Qty) * market.Price(intent.Symbol);
        var current = portfolio.Positions.GetValueOrDefault(intent.Symbol);
        var after = intent.Side == OrderSide.Buy ? current + intent.Qty : current - intent.Qty;
        var reduces = current != 0 && Math.Abs(after) < Math.Abs(current) && Math.Sign(after) != -Math.Sign(current);
        return new GovernanceOrder(
            notional,
            notional / portfolio.Equity,
            leverage ?? 1,
            reduceOnly ?? reduces,
            openPositions ?? portfolio.Positions.Count(position => position.Value != 0));
    }
}

/// <summary>The infrastructure canary: components whose failures paused trading.</summary>
/// <param name="paused">The components whose alert, with action pause, stands (no success since).</param>
public sealed class CanaryView(IReadOnlyList<string> paused)
{
    public static CanaryView Clear { get; } = new([]);

    public IReadOnlyList<string> PausedComponents { get; } = ReadOnly.List(paused);

    /// <summary>Whether any component's failures pause the strategies.</summary>
    public bool Paused => PausedComponents.Count > 0;
}
