using System.Collections.Frozen;

namespace RulesGate.Core.Rules;

/// <summary>
/// The typed <c>Params</c> object for a symbol and strategy: field-level overrides, the symbol's over the
/// strategy's over <c>params</c>. Each combination is built once, on first use, and then found with two lookups.
/// </summary>
internal sealed class ParamResolver
{
    private readonly ParamTree tree;
    private readonly ParamOverrides overrides;
    private readonly Func<object?[], object> build;
    private readonly FrozenDictionary<string, int> symbols;
    private readonly FrozenDictionary<string, int> strategies;
    private readonly string[] symbolNames;
    private readonly string[] strategyNames;

    // Slot (symbol + 1) * (strategies + 1) + (strategy + 1); slot 0 is the plain params.
    private readonly object?[] resolved;

    public ParamResolver(ParamTree tree, ParamOverrides overrides, Func<object?[], object> build)
    {
        this.tree = tree;
        this.overrides = overrides;
        this.build = build;
        symbolNames = [.. overrides.Symbols.Keys.Order(StringComparer.Ordinal)];
        strategyNames = [.. overrides.Strategies.Keys.Order(StringComparer.Ordinal)];
        symbols = symbolNames.Select((name, i) => KeyValuePair.Create(name, i)).ToFrozenDictionary(StringComparer.Ordinal);
        strategies = strategyNames.Select((name, i) => KeyValuePair.Create(name, i)).ToFrozenDictionary(StringComparer.Ordinal);
        resolved = new object?[(symbolNames.Length + 1) * (strategyNames.Length + 1)];
        resolved[0] = build(Values(null, null));
    }

    public object For(string? symbol, string? strategy)
    {
        var bySymbol = symbol is not null && symbols.TryGetValue(symbol, out var s) ? s + 1 : 0;
        var byStrategy = strategy is not null && strategies.TryGetValue(strategy, out var t) ? t + 1 : 0;
        var slot = (bySymbol * (strategyNames.Length + 1)) + byStrategy;
        return Volatile.Read(ref resolved[slot]) ?? Build(slot, bySymbol, byStrategy);
    }

    /// <summary>The leaf values in force for a symbol and strategy, in file order.</summary>
    public object?[] Values(string? symbol, string? strategy)
    {
        var values = tree.Leaves.Select(leaf => leaf.Value).ToArray();
        Apply(strategy is null ? null : overrides.Strategies.GetValueOrDefault(strategy), values);
        Apply(symbol is null ? null : overrides.Symbols.GetValueOrDefault(symbol), values);
        return values;
    }

    private object Build(int slot, int bySymbol, int byStrategy)
    {
        var built = build(Values(bySymbol == 0 ? null : symbolNames[bySymbol - 1], byStrategy == 0 ? null : strategyNames[byStrategy - 1]));
        return Interlocked.CompareExchange(ref resolved[slot], built, null) ?? built;
    }

    private static void Apply(IReadOnlyList<ParamOverride>? changes, object?[] values)
    {
        foreach (var change in changes ?? [])
        {
            values[change.LeafIndex] = change.Value;
        }
    }
}
