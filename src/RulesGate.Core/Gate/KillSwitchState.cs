namespace RulesGate.Core.Gate;

/// <summary>The journaled kill switch: once tripped it stays on, across restarts, until someone resets it.</summary>
/// <param name="Since">When it tripped (the journal time of the trip), or null when it is off.</param>
/// <param name="Cause">Why: the rules or the violation count that tripped it, or who reset it and why.</param>
public sealed record KillSwitchState(bool Active, string? Since, string Cause)
{
    public static KillSwitchState Off { get; } = new(false, null, "never tripped");

    /// <summary><c>{"active", "since"?, "cause"}</c>: as <c>killswitch status --json</c> prints it and <c>GET /v1/killswitch</c> answers.</summary>
    public string Json() => Serialization.JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteBoolean("active"u8, Active);
        Serialization.JsonText.Optional(writer, "since"u8, Since);
        writer.WriteString("cause"u8, Cause);
        writer.WriteEndObject();
    }, pretty: false);
}
