namespace RulesGate.Core;

/// <summary>
/// An expected refusal — the rules, a race or the journal said no — as opposed to a bug: one sentence for people
/// (<see cref="Exception.Message"/>), a stable code for programs (<see cref="Reason"/>, such as
/// <c>ledger.conflict</c>) and the id of what was refused (<see cref="Subject"/>). Nothing was written when one is
/// thrown. Hosts map the family as a whole: the CLI to one line and an exit code, a server to a problem response.
/// </summary>
public abstract class RefusalException(string reason, string subject, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;

    public string Subject { get; } = subject;
}
