namespace RulesGate.Core.Gate;

/// <summary>What the gate tells the strategy: send it, send less, or do not send.</summary>
public enum CapitalVerdict
{
    Allow,
    Modify,
    Deny,
}
