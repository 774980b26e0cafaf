using System.Runtime.Loader;

namespace RulesGate.Core.Rules;

/// <summary>
/// A compiled rule file: its definition, its identity (<c>id@version#hash</c>) and the generated code,
/// loaded into a collectible context of its own so that <see cref="Unload"/> really frees it.
/// </summary>
public sealed class RuleBundle
{
    private readonly object compiled;
    private readonly AssemblyLoadContext context;
    private object? evaluator;
    private RuleFactPlan? facts;

    internal RuleBundle(RuleFile file, RuleKind kind, object compiled, AssemblyLoadContext context, bool fromCache)
    {
        File = file;
        Kind = kind;
        this.compiled = compiled;
        this.context = context;
        FromCache = fromCache;
    }

    public RuleFile File { get; }

    public RuleKind Kind { get; }

    /// <summary><c>id@version#&lt;first 12 hex of SHA-256&gt;</c>, recorded with every decision.</summary>
    public string Identity => File.Identity;

    /// <summary>True when the assembly came from the compiled cache rather than from Roslyn.</summary>
    public bool FromCache { get; }

    /// <summary>The facts and measures decisions report, as the compiled code numbers them: read from that code, so a cached load needs no Roslyn.</summary>
    internal RuleFactPlan Facts => facts ??= (compiled as ICompiledFactPlan)?.FactPlan is { } text && RuleFactPlan.Read(text, File) is { } plan ? plan : RuleFactPlanner.Plan(File, Kind);

    /// <summary>The evaluator for this bundle's context type.</summary>
    /// <exception cref="FormatException">The bundle's kind has another context type: the file is of the wrong kind for its use.</exception>
    public RuleEvaluator<TContext> Evaluator<TContext>()
        where TContext : class
    {
        if (evaluator is RuleEvaluator<TContext> typed)
        {
            return typed;
        }

        if (compiled is not ICompiledRules<TContext> rules)
        {
            throw new FormatException($"{Identity} is a {Kind.Name} file, which this command cannot use: it judges {Kind.ContextType.Name}, not {typeof(TContext).Name}.");
        }

        var created = new RuleEvaluator<TContext>(this, rules, new ParamTable(File.Params, File.Overrides, rules.BuildParams));
        evaluator = created;
        return created;
    }

    /// <summary>The evaluator, for callers that hold the context as an object.</summary>
    public IRuleEvaluator Evaluator() => Kind.Evaluator(this);

    /// <summary>Starts unloading the generated assembly; it is freed once nothing refers to this bundle.</summary>
    public void Unload() => context.Unload();

    internal WeakReference WeakContext() => new(context);
}
