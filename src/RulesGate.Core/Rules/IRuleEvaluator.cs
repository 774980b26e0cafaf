namespace RulesGate.Core.Rules;

/// <summary>
/// A bundle's evaluator for callers that hold the context as an object (the CLI, rule tests, explain).
/// Hosts that know the context type use <see cref="RuleEvaluator{TContext}"/> directly.
/// </summary>
public interface IRuleEvaluator
{
    RuleBundle Bundle { get; }

    IReadOnlyList<string> Fired(object context);

    bool When(int rule, object context);

    string Message(int rule, object context);

    /// <summary>The value of a rule's effect by its YAML key, or null when the rule has none.</summary>
    double? Effect(int rule, string key, object context);

    internal object? Probe(int node, object context);

    /// <summary>Which override's params judge <paramref name="context"/>: 0 for none, else 1 + the index, in ordinal order, of its symbol and of its strategy.</summary>
    internal (int Symbol, int Strategy) Overridden(object context);
}
