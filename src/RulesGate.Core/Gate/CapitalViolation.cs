using RulesGate.Core.Rules;

namespace RulesGate.Core.Gate;

/// <summary>A rule that fired, with the values its condition read.</summary>
/// <param name="Inputs">Values supplied by the caller or the rule file (limits, the intent, the state), by snake_case name.</param>
/// <param name="Computed">Values RulesGate computed (metrics, derived values, effects such as <c>modify_qty</c>).</param>
public sealed record CapitalViolation(
    string RuleId,
    RuleSeverity Severity,
    string Message,
    IReadOnlyList<KeyValuePair<string, object?>> Inputs,
    IReadOnlyList<KeyValuePair<string, object?>> Computed);
