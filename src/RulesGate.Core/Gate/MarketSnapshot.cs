namespace RulesGate.Core.Gate;

/// <summary>Prices at a moment.</summary>
/// <param name="Timestamp">When the prices were taken, if known.</param>
/// <param name="Prices">Last price by symbol.</param>
public sealed record MarketSnapshot(DateTimeOffset? Timestamp, IReadOnlyDictionary<string, double> Prices)
{
    /// <summary>The symbol's price, or NaN when there is none (the gate fails closed on NaN).</summary>
    public double Price(string symbol) => Prices.TryGetValue(symbol, out var price) ? price : double.NaN;
}
