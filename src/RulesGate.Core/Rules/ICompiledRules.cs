namespace RulesGate.Core.Rules;

/// <summary>
/// What the code generated for one rule file implements. Public only because the generated assembly
/// implements it; hosts use <see cref="RuleEvaluator{TContext}"/>.
/// </summary>
/// <remarks>Every <c>parameters</c> argument is an object made by <see cref="BuildParams"/>.</remarks>
public interface ICompiledRules<in TContext>
    where TContext : class
{
    /// <summary>Builds the typed <c>Params</c> object from leaf values in file order.</summary>
    object BuildParams(object?[] values);

    /// <summary>Computes the derived values once, then every rule's condition, in file order.</summary>
    void Evaluate(TContext context, object parameters, Span<bool> fired);

    bool When(int rule, TContext context, object parameters);

    string Message(int rule, TContext context, object parameters);

    /// <summary>The value of a rule's effect, or null when the rule has none under that key.</summary>
    object? Effect(int rule, string key, TContext context, object parameters);

    /// <summary>Every fact of the file's <c>RuleFactPlan</c>, in order; a fact that throws is null.</summary>
    void Facts(TContext context, object parameters, object?[] values);

    /// <summary>The value of one node of a condition, for <c>rules explain</c>.</summary>
    object? Probe(int node, TContext context, object parameters);
}
