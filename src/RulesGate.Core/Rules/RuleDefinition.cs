namespace RulesGate.Core.Rules;

/// <summary>One rule of a rule file.</summary>
/// <param name="Id">The rule id, such as <c>EXP-001</c>; unique in its file.</param>
/// <param name="Severity">How serious a violation is.</param>
/// <param name="When">The condition: a C# expression returning <c>bool</c>; the rule fires when it is true.</param>
/// <param name="Message">The message shown when the rule fires.</param>
/// <param name="Effects">Kind-specific effects by key (for a capital policy, <c>modify_qty</c>), each a C# expression.</param>
public sealed record RuleDefinition(
    string Id,
    RuleSeverity Severity,
    RuleExpression When,
    RuleMessage Message,
    IReadOnlyDictionary<string, RuleExpression> Effects);
