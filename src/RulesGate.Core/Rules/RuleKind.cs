using System.Reflection;
using System.Text.Json;

namespace RulesGate.Core.Rules;

/// <summary>
/// A kind of rule file (<c>CapitalPolicy</c>, later <c>PromotionGate</c>, …): the context its expressions see,
/// its parameter schema and its effects. Registering a kind is all it takes for the compiler to handle it.
/// </summary>
/// <remarks>
/// Every public instance property of <see cref="ContextType"/> is visible to expressions by its own name
/// (<c>Intent</c>, <c>Metrics</c>, …), beside <c>Params</c> and <c>Derived</c>.
/// </remarks>
public abstract class RuleKind
{
    private IReadOnlySet<Type>? contextTypes;

    /// <summary>The value of <c>kind:</c> in a rule file.</summary>
    public abstract string Name { get; }

    /// <summary>The type whose properties expressions see.</summary>
    public abstract Type ContextType { get; }

    /// <summary>Declared parameters by dotted path; parameters not listed here are inferred from their YAML value.</summary>
    public virtual IReadOnlyDictionary<string, ParamSpec> ParamSchema { get; } = new Dictionary<string, ParamSpec>();

    /// <summary>The effects a rule of this kind may carry besides <c>when</c> and <c>message</c>.</summary>
    public virtual IReadOnlyList<RuleEffectSpec> Effects { get; } = [];

    /// <summary>Context members whose values RulesGate computed rather than received (decisions list their facts as computed).</summary>
    public virtual IReadOnlySet<string> ComputedMembers { get; } = new HashSet<string>();

    /// <summary>The context's members, in declaration order: name and type.</summary>
    public IReadOnlyList<PropertyInfo> Members =>
        ContextType.GetProperties(BindingFlags.Public | BindingFlags.Instance);

    /// <summary>
    /// The context types expressions may use: the context type and every type of this project reachable from
    /// its public properties and methods. Everything else an expression touches must be on the sandbox's list.
    /// </summary>
    public IReadOnlySet<Type> ContextTypes => contextTypes ??= ReachableTypes(ContextType);

    /// <summary>Reads a context from JSON, for <c>rules explain</c> and rule tests.</summary>
    /// <exception cref="FormatException">The JSON does not describe a valid context; the message says what to fix.</exception>
    public abstract object ReadContext(JsonElement json);

    /// <summary>Reads a context for rules of <paramref name="file"/>, for kinds whose context depends on the file's parameters.</summary>
    public virtual object ReadContext(JsonElement json, RuleFile file) => ReadContext(json);

    /// <summary>
    /// Member paths on the context to the symbol and the strategy whose overrides apply (such as
    /// <c>Intent.Symbol</c>), compiled into the rule code; null when overrides never apply.
    /// </summary>
    public virtual (string Symbol, string Strategy)? OverrideKeys => null;

    /// <summary>What is wrong with a rule id under this kind's own convention, as a hint; null when it is fine.</summary>
    public virtual string? CheckRuleId(string id) => null;

    internal abstract IRuleEvaluator Evaluator(RuleBundle bundle);

    private static HashSet<Type> ReachableTypes(Type root)
    {
        var project = root.Assembly;
        var found = new HashSet<Type>();
        var pending = new Stack<Type>([root]);
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type.IsGenericType)
            {
                foreach (var argument in type.GetGenericArguments())
                {
                    pending.Push(argument);
                }

                continue;
            }

            if (type.Assembly != project || !found.Add(type))
            {
                continue;
            }

            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                pending.Push(property.PropertyType);
            }

            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                pending.Push(method.ReturnType);
            }
        }

        return found;
    }
}

/// <summary>A kind whose context is <typeparamref name="TContext"/>.</summary>
public abstract class RuleKind<TContext> : RuleKind
    where TContext : class
{
    public sealed override Type ContextType => typeof(TContext);

    internal sealed override IRuleEvaluator Evaluator(RuleBundle bundle) => bundle.Evaluator<TContext>();
}
