namespace RulesGate.Core.Rules;

/// <summary>Whether a rule file's verdicts are enforced or only recorded.</summary>
public enum RuleMode
{
    Enforce,
    Monitor,
}
