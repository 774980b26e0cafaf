namespace RulesGate.Core.Rules;

/// <summary>
/// Evaluates a compiled rule file against contexts of <typeparamref name="TContext"/>. The hot path,
/// <see cref="Evaluate(TContext, Span{bool})"/>, is one call into the generated code: no scripting runner,
/// no task, no allocation.
/// </summary>
public sealed class RuleEvaluator<TContext> : IRuleEvaluator
    where TContext : class
{
    private readonly ICompiledRules<TContext> rules;
    private readonly ParamTable parameters;
    private readonly CountedMethods counted;

    internal RuleEvaluator(RuleBundle bundle, ICompiledRules<TContext> rules, ParamTable parameters)
    {
        Bundle = bundle;
        this.rules = rules;
        this.parameters = parameters;
        counted = (CountedMethods)rules.CountedMethods;
    }

    public RuleBundle Bundle { get; }

    public IReadOnlyList<RuleDefinition> Rules => Bundle.File.Rules;

    /// <summary>Sets <c>fired[i]</c> for every rule <c>i</c> in file order.</summary>
    /// <returns>How many rules fired.</returns>
    /// <exception cref="RuleEvaluationException">An expression threw; names the rule.</exception>
    public int Evaluate(TContext context, Span<bool> fired)
    {
        try
        {
            Start(CountedMethods.Evaluate);
            return rules.Evaluate(context, parameters, fired);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw Locate(context, error);
        }
    }

    /// <summary>Like <see cref="Evaluate"/>, for hosts that fail closed: -1 when an expression threw (<see cref="Failures"/> says which).</summary>
    public int TryEvaluate(TContext context, Span<bool> fired)
    {
        try
        {
            Start(CountedMethods.Evaluate);
            return rules.Evaluate(context, parameters, fired);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            return -1;
        }
    }

    /// <summary>The ids of the rules that fire, in file order.</summary>
    public IReadOnlyList<string> Fired(TContext context)
    {
        Span<bool> fired = stackalloc bool[Rules.Count];
        Evaluate(context, fired);
        var ids = new List<string>();
        for (var i = 0; i < fired.Length; i++)
        {
            if (fired[i])
            {
                ids.Add(Rules[i].Id);
            }
        }

        return ids;
    }

    public bool When(int rule, TContext context) => Guard(rule, context, (c, p) => rules.When(rule, c, p));

    public string Message(int rule, TContext context) => Guard(rule, context, (c, p) => rules.Message(rule, c, p));

    /// <summary>The value of a rule's effect, by its index in the kind's <see cref="RuleKind.Effects"/>; the hot path.</summary>
    /// <returns>False when the rule has no such effect.</returns>
    /// <exception cref="RuleEvaluationException">The expression threw; names the rule.</exception>
    public bool TryEffect(int rule, int effect, TContext context, out double value)
    {
        try
        {
            Start(CountedMethods.TryEffect);
            return rules.TryEffect(rule, effect, context, parameters, out value);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw RuleEvaluationException.InRule(Rules[rule].Id, Bundle.Identity, error);
        }
    }

    /// <summary>The value of a rule's effect by its YAML key, or null when the rule has none.</summary>
    public double? Effect(int rule, string key, TContext context)
    {
        var effect = Bundle.Kind.Effects.ToList().FindIndex(spec => spec.Key == key);
        return effect >= 0 && TryEffect(rule, effect, context, out var value) ? value : null;
    }

    /// <summary>Every derived value of the file (<c>derive:</c>), in file order; off the hot path.</summary>
    /// <exception cref="RuleEvaluationException">A derived value threw; names it.</exception>
    public object?[] Derived(TContext context)
    {
        var values = new object?[Bundle.File.Derive.Count];
        try
        {
            Start(CountedMethods.Derived);
            rules.Derived(context, parameters, values);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw RuleEvaluationException.InRule("derive", Bundle.Identity, error);
        }

        return values;
    }

    internal object? Probe(int node, TContext context)
    {
        Start(CountedMethods.Probe);
        return rules.Probe(node, context, parameters);
    }

    /// <summary>The value of every fact of <see cref="RuleBundle.Facts"/>; all null when a derived value throws.</summary>
    internal object?[] Facts(TContext context)
    {
        var values = new object?[Bundle.Facts.Facts.Count];
        try
        {
            Start(CountedMethods.Facts);
            rules.Facts(context, parameters, values);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            Array.Clear(values);
        }

        return values;
    }

    IReadOnlyList<string> IRuleEvaluator.Fired(object context) => Fired((TContext)context);

    bool IRuleEvaluator.When(int rule, object context) => When(rule, (TContext)context);

    string IRuleEvaluator.Message(int rule, object context) => Message(rule, (TContext)context);

    double? IRuleEvaluator.Effect(int rule, string key, object context) => Effect(rule, key, (TContext)context);

    object? IRuleEvaluator.Probe(int node, object context) => Probe(node, (TContext)context);

    (int Symbol, int Strategy) IRuleEvaluator.Overridden(object context)
    {
        var strategies = Bundle.File.Overrides.Strategies.Count + 1;
        var slot = rules.ParamSlot((TContext)context);
        return (slot / strategies, slot % strategies);
    }

    /// <summary>
    /// Off the hot path: every rule whose condition throws, or which fires and whose effects or message throw,
    /// with what it threw; one entry for the whole file when each rule alone runs but all together did not.
    /// </summary>
    public IReadOnlyList<RuleEvaluationException> Failures(TContext context)
    {
        var failures = new List<RuleEvaluationException>();
        for (var i = 0; i < Rules.Count; i++)
        {
            try
            {
                Start(CountedMethods.When);
                if (rules.When(i, context, parameters))
                {
                    Start(CountedMethods.Message);
                    rules.Message(i, context, parameters);
                    for (var effect = 0; effect < Bundle.Kind.Effects.Count; effect++)
                    {
                        Start(CountedMethods.TryEffect);
                        rules.TryEffect(i, effect, context, parameters, out _);
                    }
                }
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                failures.Add(RuleEvaluationException.InRule(Rules[i].Id, Bundle.Identity, error));
            }
        }

        if (failures.Count == 0)
        {
            try
            {
                Span<bool> fired = Rules.Count <= 256 ? stackalloc bool[Rules.Count] : new bool[Rules.Count];
                Start(CountedMethods.Evaluate);
                rules.Evaluate(context, parameters, fired);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                failures.Add(RuleEvaluationException.InRule("*", Bundle.Identity, error));
            }
        }

        return failures;
    }

    private T Guard<T>(int rule, TContext context, Func<TContext, ParamTable, T> call)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rule);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rule, Rules.Count);
        try
        {
            Start(CountedMethods.When | CountedMethods.Message);
            return call(context, parameters);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw RuleEvaluationException.InRule(Rules[rule].Id, Bundle.Identity, error);
        }
    }

    /// <summary>Restarts the step budget before a call into code that counts steps; code that counts none pays nothing.</summary>
    private void Start(CountedMethods method)
    {
        if ((counted & method) != 0)
        {
            RuleBudget.Start();
        }
    }

    /// <summary>Off the hot path: finds which rule threw by asking each alone.</summary>
    private RuleEvaluationException Locate(TContext context, Exception error) =>
        Failures(context) is [var first, ..] ? first : RuleEvaluationException.InRule("?", Bundle.Identity, error);
}
