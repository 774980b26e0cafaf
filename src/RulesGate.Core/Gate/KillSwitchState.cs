namespace RulesGate.Core.Gate;

/// <summary>The journaled kill switch: once tripped it stays on, across restarts, until someone resets it.</summary>
/// <param name="Since">When it tripped (the journal time of the trip), or null when it is off.</param>
/// <param name="Cause">Why: the rules or the violation count that tripped it, or who reset it and why.</param>
public sealed record KillSwitchState(bool Active, string? Since, string Cause)
{
    public static KillSwitchState Off { get; } = new(false, null, "never tripped");
}
