using System.Collections.Concurrent;

namespace RulesGate.Core.Rules;

/// <summary>
/// The typed <c>Params</c> object for a symbol and strategy: field-level overrides, the symbol's over the
/// strategy's over <c>params</c>. Each combination is built once and reused.
/// </summary>
internal sealed class ParamResolver
{
    private readonly ParamTree tree;
    private readonly ParamOverrides overrides;
    private readonly Func<object?[], object> build;
    private readonly object plain;
    private readonly ConcurrentDictionary<(string?, string?), object> resolved = new();

    public ParamResolver(ParamTree tree, ParamOverrides overrides, Func<object?[], object> build)
    {
        this.tree = tree;
        this.overrides = overrides;
        this.build = build;
        plain = build(Values(null, null));
    }

    public object For(string? symbol, string? strategy)
    {
        var bySymbol = symbol is not null && overrides.Symbols.ContainsKey(symbol) ? symbol : null;
        var byStrategy = strategy is not null && overrides.Strategies.ContainsKey(strategy) ? strategy : null;
        return bySymbol is null && byStrategy is null
            ? plain
            : resolved.GetOrAdd((bySymbol, byStrategy), key => build(Values(key.Item1, key.Item2)));
    }

    /// <summary>The leaf values in force for a symbol and strategy, in file order.</summary>
    public object?[] Values(string? symbol, string? strategy)
    {
        var values = tree.Leaves.Select(leaf => leaf.Value).ToArray();
        Apply(strategy is null ? null : overrides.Strategies.GetValueOrDefault(strategy), values);
        Apply(symbol is null ? null : overrides.Symbols.GetValueOrDefault(symbol), values);
        return values;
    }

    private static void Apply(IReadOnlyList<ParamOverride>? changes, object?[] values)
    {
        foreach (var change in changes ?? [])
        {
            values[change.LeafIndex] = change.Value;
        }
    }
}
