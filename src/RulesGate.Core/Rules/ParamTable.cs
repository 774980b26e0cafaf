namespace RulesGate.Core.Rules;

/// <summary>
/// A rule file's typed <c>Params</c> objects, one per override slot: field-level overrides, the symbol's over
/// the strategy's over <c>params</c>. Each is built once, on first use. Public only because generated code
/// reads it; its slots are numbered by <see cref="ICompiledRules{TContext}.ParamSlot"/>.
/// </summary>
public sealed class ParamTable
{
    private readonly ParamTree tree;
    private readonly ParamOverrides overrides;
    private readonly Func<object?[], object> build;
    private readonly string[] symbols;
    private readonly string[] strategies;
    private readonly object?[] built;

    internal ParamTable(ParamTree tree, ParamOverrides overrides, Func<object?[], object> build)
    {
        this.tree = tree;
        this.overrides = overrides;
        this.build = build;
        symbols = [.. overrides.Symbols.Keys.Order(StringComparer.Ordinal)];
        strategies = [.. overrides.Strategies.Keys.Order(StringComparer.Ordinal)];
        built = new object?[(symbols.Length + 1) * (strategies.Length + 1)];
    }

    /// <summary>The <c>Params</c> object of a slot.</summary>
    public object this[int slot] => Volatile.Read(ref built[slot]) ?? Build(slot);

    private object Build(int slot)
    {
        var (bySymbol, byStrategy) = Math.DivRem(slot, strategies.Length + 1);
        var values = tree.Leaves.Select(leaf => leaf.Value).ToArray();
        Apply(byStrategy == 0 ? [] : overrides.Strategies[strategies[byStrategy - 1]], values);
        Apply(bySymbol == 0 ? [] : overrides.Symbols[symbols[bySymbol - 1]], values);
        var parameters = build(values);
        return Interlocked.CompareExchange(ref built[slot], parameters, null) ?? parameters;
    }

    private static void Apply(IReadOnlyList<ParamOverride> changes, object?[] values)
    {
        foreach (var change in changes)
        {
            values[change.LeafIndex] = change.Value;
        }
    }
}
