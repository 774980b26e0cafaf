namespace RulesGate.Core.Rules;

/// <summary>A rule's expression threw while it was evaluated; carries the rule and the bundle.</summary>
public sealed class RuleEvaluationException : Exception
{
    private RuleEvaluationException(string message, string ruleId, string bundle, Exception inner)
        : base(message, inner)
    {
        RuleId = ruleId;
        Bundle = bundle;
    }

    /// <summary>The id of the rule whose expression threw.</summary>
    public string RuleId { get; }

    /// <summary>The bundle's identity, <c>id@version#hash</c>.</summary>
    public string Bundle { get; }

    internal static RuleEvaluationException InRule(string ruleId, string bundle, Exception inner) => inner is RuleBudgetExceededException
        ? new($"Rule {ruleId} of {bundle} {inner.Message}", ruleId, bundle, inner)
        : new($"Rule {ruleId} of {bundle} threw {inner.GetType().Name}: {inner.Message}", ruleId, bundle, inner);
}
