namespace RulesGate.Core.Rules;

/// <summary>A kind-specific effect a rule may carry, such as <c>modify_qty</c>: a C# expression of the given type.</summary>
/// <param name="Key">The YAML key on the rule.</param>
/// <param name="Type">The type the expression must convert to.</param>
/// <param name="Description">One line for the docs and the schema.</param>
public sealed record RuleEffectSpec(string Key, Type Type, string Description);
