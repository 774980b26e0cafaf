namespace RulesGate.Core.Rules;

/// <summary>A named value computed once per evaluation, before the rules, and usable by them as <c>Derived.Name</c>.</summary>
public sealed record DeriveDefinition(string Name, RuleExpression Expression);
