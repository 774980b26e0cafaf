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
    private readonly RuleKind<TContext> kind;
    private readonly ParamResolver parameters;

    internal RuleEvaluator(RuleBundle bundle, ICompiledRules<TContext> rules, RuleKind<TContext> kind, ParamResolver parameters)
    {
        Bundle = bundle;
        this.rules = rules;
        this.kind = kind;
        this.parameters = parameters;
    }

    public RuleBundle Bundle { get; }

    public IReadOnlyList<RuleDefinition> Rules => Bundle.File.Rules;

    /// <summary>Sets <c>fired[i]</c> for every rule <c>i</c> in file order.</summary>
    /// <exception cref="RuleEvaluationException">An expression threw; names the rule.</exception>
    public void Evaluate(TContext context, Span<bool> fired)
    {
        var resolved = Params(context);
        try
        {
            rules.Evaluate(context, resolved, fired);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw Locate(context, resolved, error);
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

    public object? Effect(int rule, string key, TContext context)
    {
        try
        {
            return rules.Effect(rule, key, context, Params(context));
        }
        catch (Exception error) when (error is not (OutOfMemoryException or ArgumentOutOfRangeException))
        {
            throw RuleEvaluationException.InRule(Rules[rule].Id, Bundle.Identity, error);
        }
    }

    internal object? Probe(int node, TContext context) => rules.Probe(node, context, Params(context));

    /// <summary>The value of every fact of <see cref="RuleBundle.Facts"/>; all null when a derived value throws.</summary>
    internal object?[] Facts(TContext context)
    {
        var values = new object?[Bundle.Facts.Facts.Count];
        try
        {
            rules.Facts(context, Params(context), values);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            Array.Clear(values);
        }

        return values;
    }

    /// <summary>The parameter values in force for this context, in file order, after overrides.</summary>
    public object?[] ParamValues(TContext context)
    {
        var (symbol, strategy) = kind.OverrideKeys(context);
        return parameters.Values(symbol, strategy);
    }

    private object Params(TContext context)
    {
        var (symbol, strategy) = kind.OverrideKeys(context);
        return parameters.For(symbol, strategy);
    }

    IReadOnlyList<string> IRuleEvaluator.Fired(object context) => Fired((TContext)context);

    bool IRuleEvaluator.When(int rule, object context) => When(rule, (TContext)context);

    string IRuleEvaluator.Message(int rule, object context) => Message(rule, (TContext)context);

    object? IRuleEvaluator.Effect(int rule, string key, object context) => Effect(rule, key, (TContext)context);

    object? IRuleEvaluator.Probe(int node, object context) => Probe(node, (TContext)context);

    private T Guard<T>(int rule, TContext context, Func<TContext, object, T> call)
    {
        try
        {
            return call(context, Params(context));
        }
        catch (Exception error) when (error is not (OutOfMemoryException or ArgumentOutOfRangeException))
        {
            throw RuleEvaluationException.InRule(Rules[rule].Id, Bundle.Identity, error);
        }
    }

    /// <summary>Off the hot path: finds which rule threw by asking each alone.</summary>
    private RuleEvaluationException Locate(TContext context, object resolved, Exception error)
    {
        for (var i = 0; i < Rules.Count; i++)
        {
            try
            {
                rules.When(i, context, resolved);
            }
            catch (Exception inner) when (inner is not OutOfMemoryException)
            {
                return RuleEvaluationException.InRule(Rules[i].Id, Bundle.Identity, inner);
            }
        }

        return RuleEvaluationException.InRule("?", Bundle.Identity, error);
    }
}
