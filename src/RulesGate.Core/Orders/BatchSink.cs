using RulesGate.Core.Gate;
using RulesGate.Core.Journal;

namespace RulesGate.Core.Orders;

/// <summary>
/// A run's orders gathered into one segment, committed when <see cref="Size"/> have gathered, when one needs a
/// transaction of its own (a trip goes with its latch, right after it; a token is checked again) and on
/// <see cref="Flush()"/>: whoever acknowledges an order (writes its line, sends it) does so only when
/// <see cref="Pending"/> is 0.
/// </summary>
internal sealed class BatchSink(JournalStore store, int size)
{
    private readonly List<JournalEntry> entries = new(size);
    private readonly Dictionary<string, byte[]> blobs = new(StringComparer.Ordinal);

    public int Size => size;

    /// <summary>How many events wait to be durable.</summary>
    public int Pending => entries.Count;

    /// <summary>Adds the order; commits when the batch is full or the order needs a transaction of its own: returns the order's first event once committed, else null.</summary>
    /// <exception cref="Governance.TokenRefusedException">The token the order used was used meanwhile: nothing of the order was written.</exception>
    public JournalEvent? Add(OrderRecord record)
    {
        if (record.Token is not null)
        {
            // What gathered before does not hang on this order's token.
            Flush();
        }

        var at = entries.Count;
        Gather(record.Entries, record.Blobs);
        if (!record.Alone && entries.Count < size)
        {
            return null;
        }

        try
        {
            return Commit(record.TripCause, record.Token)[at];
        }
        catch (Governance.TokenRefusedException) when (record.Token is not null)
        {
            // Nothing else was gathered with it.
            Clear();
            throw;
        }
    }

    /// <summary>Adds a line that is not a valid intent, with the trip its violation count caused (null for none).</summary>
    public void Malformed(string? runId, int line, string text, string reason, string? tripCause)
    {
        Gather([GateJournal.Malformed(runId, line, text, reason)], []);
        if (tripCause is not null || entries.Count >= size)
        {
            Commit(tripCause);
        }
    }

    /// <summary>Commits what has gathered, in one transaction.</summary>
    public void Flush() => Commit(null);

    private IReadOnlyList<JournalEvent> Commit(string? tripCause, JournalChange? token = null)
    {
        if (entries.Count == 0)
        {
            return [];
        }

        var events = GateJournal.Append(store, entries, tripCause, [.. blobs], token, segment: size > 1);
        Clear();
        return events;
    }

    private void Clear()
    {
        entries.Clear();
        blobs.Clear();
    }

    private void Gather(IEnumerable<JournalEntry> added, IEnumerable<KeyValuePair<string, byte[]>> used)
    {
        entries.AddRange(added);
        foreach (var (hash, bytes) in used)
        {
            blobs.TryAdd(hash, bytes);
        }
    }
}
