namespace RulesGate.Core.Journal;

/// <summary>An event to append: which stream it belongs to, its type and its payload as canonical JSON.</summary>
/// <param name="Stream">A run, a policy, an instance, <c>killswitch</c>…; one line of text.</param>
/// <param name="Type">Such as <c>gate.decision</c>.</param>
/// <param name="Payload">Canonical JSON: keys in a fixed order, invariant numbers.</param>
public sealed record JournalEntry(string Stream, string Type, string Payload);
