using System.Collections.Frozen;
using RulesGate.Core.Rules;

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
    /// <summary>Symbol → price; read-only in fact.</summary>
    public IReadOnlyDictionary<string, double> Prices { get; init => field = ReadOnly.Map(value); } = ReadOnly.Map(Prices);

    public double Price(string symbol) =>
        (Prices is FrozenDictionary<string, double> prices ? prices.TryGetValue(symbol, out var price) : Prices.TryGetValue(symbol, out price)) ? price : double.NaN;
}
