namespace RulesGate.Core.Gate;

/// <summary>Prices at a moment.</summary>
/// <param name="Timestamp">When the prices were taken, if known.</param>
/// <param name="Prices">Last price by symbol.</param>
public sealed record MarketSnapshot(DateTimeOffset? Timestamp, IReadOnlyDictionary<string, double> Prices)
{
    /// <summary>The symbol's price, or NaN when there is none (the gate fails closed on NaN).</summary>
    /// <remarks>
    /// Rule code runs in a collectible assembly, which the JIT compiles once without profile-guided
    /// devirtualization; looking a <see cref="Dictionary{TKey, TValue}"/> up directly keeps the lookup there as
    /// cheap as in hand-written code.
    /// </remarks>
    public double Price(string symbol) =>
        (Prices is Dictionary<string, double> prices ? prices.TryGetValue(symbol, out var price) : Prices.TryGetValue(symbol, out price)) ? price : double.NaN;
}
