namespace RulesGate.Core.Rules;

/// <summary>The evidence plan the code of one rule file was generated with. Public only because the generated assembly implements it.</summary>
public interface ICompiledFactPlan
{
    /// <summary>The file's <c>RuleFactPlan</c>, as the code was generated for it (<c>RuleFactPlan.Write</c>).</summary>
    string FactPlan { get; }
}

/// <summary>
/// What the code generated for one rule file implements. Public only because the generated assembly
/// implements it; hosts use <see cref="RuleEvaluator{TContext}"/>.
/// </summary>
/// <remarks>
/// Every method that takes a <see cref="ParamTable"/> finds the context's <c>Params</c> in it itself, at
/// <see cref="ParamSlot"/>; the table must be the one built with this instance's <see cref="BuildParams"/>.
/// </remarks>
public interface ICompiledRules<in TContext>
    where TContext : class
{
    /// <summary>
    /// Which of this interface's methods count steps against the <see cref="RuleBudget"/> (a <see cref="CountedMethods"/>
    /// mask): the evaluator restarts the budget only before those, so a file without loops or text pays nothing.
    /// </summary>
    int CountedMethods { get; }

    /// <summary>Builds the typed <c>Params</c> object from leaf values in file order.</summary>
    object BuildParams(object?[] values);

    /// <summary>
    /// The slot of the overrides in force for the context (the kind's <see cref="RuleKind.OverrideKeys"/>):
    /// <c>symbol × (strategies + 1) + strategy</c>, with the overridden symbols and strategies numbered from 1
    /// in ordinal order and 0 for one without overrides. Found by string switches, without hashing.
    /// </summary>
    int ParamSlot(TContext context);

    /// <summary>Computes the derived values the conditions read, then every rule's condition, in file order.</summary>
    /// <returns>How many rules fired.</returns>
    int Evaluate(TContext context, ParamTable parameters, Span<bool> fired);

    bool When(int rule, TContext context, ParamTable parameters);

    string Message(int rule, TContext context, ParamTable parameters);

    /// <summary>The value of a rule's effect (an index into the kind's effects); false when the rule has none.</summary>
    bool TryEffect(int rule, int effect, TContext context, ParamTable parameters, out double value);

    /// <summary>Every derived value of the file, in file order.</summary>
    void Derived(TContext context, ParamTable parameters, object?[] values);

    /// <summary>Every fact of the file's <c>RuleFactPlan</c>, in order; a fact that throws is null.</summary>
    void Facts(TContext context, ParamTable parameters, object?[] values);

    /// <summary>The value of one node of a condition, for <c>rules explain</c>.</summary>
    object? Probe(int node, TContext context, ParamTable parameters);
}
