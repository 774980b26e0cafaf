namespace RulesGate.Core.Gate;

/// <summary>
/// What a <c>CapitalPolicy</c> rule sees: each property is visible to expressions by its name
/// (<c>Intent</c>, <c>Portfolio</c>, <c>Market</c>, <c>Execution</c>, <c>Metrics</c>).
/// </summary>
public sealed class CapitalContext(OrderIntent intent, PortfolioState portfolio, MarketSnapshot market, ExecutionState execution)
{
    public OrderIntent Intent { get; } = intent;

    public PortfolioState Portfolio { get; } = portfolio;

    public MarketSnapshot Market { get; } = market;

    public ExecutionState Execution { get; } = execution;

    public CapitalMetrics Metrics { get; } = CapitalMetrics.Compute(intent, portfolio, market);
}
