namespace RulesGate.Core.Rules;

/// <summary>One overridden parameter value.</summary>
public sealed record ParamOverride(int LeafIndex, object? Value);

/// <summary>Field-level overrides: a symbol's win over a strategy's, which win over <c>params</c>.</summary>
public sealed record ParamOverrides(
    IReadOnlyDictionary<string, IReadOnlyList<ParamOverride>> Symbols,
    IReadOnlyDictionary<string, IReadOnlyList<ParamOverride>> Strategies)
{
    public static ParamOverrides None { get; } = new(
        new Dictionary<string, IReadOnlyList<ParamOverride>>(StringComparer.Ordinal),
        new Dictionary<string, IReadOnlyList<ParamOverride>>(StringComparer.Ordinal));
}
