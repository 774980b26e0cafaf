namespace RulesGate.Core.Journal;

/// <summary>
/// Events, the blobs they name and the projection step they bring, planned to be appended in the transaction of
/// something else (what an approval leads to, in the vote's transaction): <paramref name="Project"/> runs inside that
/// transaction with these events as recorded, and an exception there writes nothing of it.
/// </summary>
public sealed record JournalChangeSet(IReadOnlyList<JournalEntry> Entries, IReadOnlyList<KeyValuePair<string, byte[]>> Blobs, Action<JournalTransaction, IReadOnlyList<JournalEvent>> Project)
{
    /// <summary>Appends it alone, in a transaction of its own.</summary>
    public IReadOnlyList<JournalEvent> Append(JournalStore store) => store.Append(Entries, Blobs, Project);
}
