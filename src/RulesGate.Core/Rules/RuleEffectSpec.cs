namespace RulesGate.Core.Rules;

/// <summary>A kind-specific effect a rule may carry, such as <c>modify_qty</c>: a C# expression giving a number.</summary>
/// <param name="Key">The YAML key on the rule.</param>
/// <param name="Description">One line for the docs and the schema.</param>
public sealed record RuleEffectSpec(string Key, string Description);
