namespace RulesGate.Core.Rules;

/// <summary>How serious a rule's violation is, in rising order.</summary>
public enum RuleSeverity
{
    Info,
    Warn,
    High,
    Crit,
}
