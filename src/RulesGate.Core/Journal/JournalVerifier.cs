namespace RulesGate.Core.Journal;

/// <summary>The outcome of walking the chain: how many events held, and the first broken link if any.</summary>
public sealed record JournalVerification(long Events, long? BrokenAt, string? Problem)
{
    public bool Intact => Problem is null;
}

/// <summary>Walks the hash chain from the first event and names the first link that does not hold.</summary>
public static class JournalVerifier
{
    public static JournalVerification Verify(JournalStore store)
    {
        long count = 0, expected = 1;
        var previous = JournalEvent.Genesis;
        foreach (var e in store.Read())
        {
            if (e.Seq != expected)
            {
                return Broken(count, expected, e.Seq > expected
                    ? $"event {expected} is missing: the sequence jumps from {expected - 1} to {e.Seq} (a row was removed)."
                    : $"event {e.Seq} appears out of order after {expected - 1} (a row was inserted).");
            }

            if (e.PrevHash != previous)
            {
                return Broken(count, e.Seq, $"event {e.Seq} does not link to event {e.Seq - 1}: its prev_hash is not that event's hash (a row was removed, inserted or altered).");
            }

            if (e.ComputeHash() != e.Hash)
            {
                return Broken(count, e.Seq, $"event {e.Seq} ({e.Type}, stream {e.Stream}) was altered: its contents no longer match its hash.");
            }

            previous = e.Hash;
            count++;
            expected++;
        }

        if (store.RecordedHead() is { } head && (head.Seq != count || head.Hash != previous))
        {
            return Broken(count, count + 1, $"the journal ends at event {count}, but event {head.Seq} was recorded as its last (rows were removed from the end).");
        }

        return new JournalVerification(count, null, null);
    }

    private static JournalVerification Broken(long count, long at, string problem) => new(count, at, problem);
}
