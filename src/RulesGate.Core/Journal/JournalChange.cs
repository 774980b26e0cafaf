namespace RulesGate.Core.Journal;

/// <summary>
/// An event and the projection step it brings, to append in the transaction of something else (a token used by the
/// decision it authorises): <paramref name="Project"/> runs inside that transaction with the event as recorded, and
/// an exception there writes nothing of it.
/// </summary>
public sealed record JournalChange(JournalEntry Entry, Action<JournalTransaction, JournalEvent> Project);
