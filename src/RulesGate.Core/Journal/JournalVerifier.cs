namespace RulesGate.Core.Journal;

/// <summary>
/// The outcome of walking the chain: how many events held, and the first broken link if any (<see cref="BrokenAt"/>);
/// or, with the chain whole, the first projection that differs from what the events recorded (no event number).
/// </summary>
public sealed record JournalVerification(long Events, long? BrokenAt, string? Problem)
{
    public bool Intact => Problem is null;

    /// <summary>One line for people: intact, where the chain broke, or which projection differs.</summary>
    public string Describe() => (Intact, BrokenAt) switch
    {
        (true, _) => $"Journal verified: {Events} events, every link holds, every projection matches.",
        (false, { } at) => $"Journal BROKEN at event {at}: {Problem} ({Events} {(Events == 1 ? "event" : "events")} before it hold).",
        _ => $"Journal BROKEN: its {Events} events hold, but {Problem}",
    };
}

/// <summary>Walks the hash chain from the first event and names the first link that does not hold.</summary>
public static class JournalVerifier
{
    /// <summary>How many events are hashed at once, on every core; the links between them are then checked in order.</summary>
    private const int Chunk = 4096;

    /// <param name="tables">Checks of projections kept in tables of their own, each naming the first row that differs from the events, or null.</param>
    public static JournalVerification Verify(JournalStore store, params Func<JournalStore, string?>[] tables)
    {
        long count = 0, expected = 1;
        var previous = JournalEvent.Genesis;
        var projected = new Dictionary<(string Projection, string Id), (long Seq, string Sha256, long At)>();
        var blobs = new List<(string Sha256, long At)>();
        foreach (var (e, holds, unreadable) in Hashed(store.Read()))
        {
            if (unreadable is not null)
            {
                return Broken(count, unreadable.First, unreadable.Message);
            }

            if (e!.Seq != expected)
            {
                return Broken(count, expected, e.Seq > expected
                    ? $"event {expected} is missing: the sequence jumps from {expected - 1} to {e.Seq} (a row was removed)."
                    : $"event {e.Seq} appears out of order after {expected - 1} (a row was inserted).");
            }

            if (e.PrevHash != previous)
            {
                return Broken(count, e.Seq, $"event {e.Seq} does not link to event {e.Seq - 1}: its prev_hash is not that event's hash (a row was removed, inserted or altered).");
            }

            if (!holds)
            {
                return Broken(count, e.Seq, $"event {e.Seq} ({e.Type}, stream {e.Stream}) was altered: its contents no longer match its hash (inside a segment, where an event's link is its predecessor's hash, the event before it may be the one rewritten).");
            }

            if (e.Type == JournalStore.ProjectedType)
            {
                Fold(e, projected);
            }
            else if (e.Type == JournalStore.BlobType)
            {
                using var blob = System.Text.Json.JsonDocument.Parse(e.Payload);
                blobs.Add((blob.RootElement.GetProperty("sha256").GetString()!, e.Seq));
            }

            previous = e.Hash;
            count++;
            expected++;
        }

        if (store.RecordedHead() is { } head && (head.Seq != count || head.Hash != previous))
        {
            return Broken(count, count + 1, $"the journal ends at event {count}, but event {head.Seq} was recorded as its last (rows were removed from the end).");
        }

        // The chain holds; what is left to break is a blob, the segment index or a projection, which no event number names.
        var problem = Blobs(store, blobs) ?? store.SegmentIndexProblem() ?? Projections(store, projected) ?? tables.Select(check => check(store)).FirstOrDefault(found => found is not null);
        return new JournalVerification(count, null, problem);
    }

    /// <summary>Every blob the chain recorded, still there and still holding the bytes of its hash.</summary>
    private static string? Blobs(JournalStore store, List<(string Sha256, long At)> blobs)
    {
        foreach (var (hash, at) in blobs)
        {
            var problem = store.Blob(hash) is not { } bytes ? $"blob {hash[..12]} recorded by event {at} is missing from the journal (its row was deleted)."
                : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)) != hash ? $"blob {hash[..12]} recorded by event {at} was altered: its bytes no longer hash to its name."
                : null;
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    /// <summary>
    /// The projections rebuilt from the chain's projection records, compared document by document with what the
    /// storage holds; the first that differs, by projection and id, is named.
    /// </summary>
    private static string? Projections(JournalStore store, Dictionary<(string Projection, string Id), (long Seq, string Sha256, long At)> projected)
    {
        var rows = store.Projections().ToDictionary(row => (row.Projection, row.Id));
        foreach (var document in projected.Keys.Concat(rows.Keys).Distinct().OrderBy(pair => pair.Projection, StringComparer.Ordinal).ThenBy(pair => pair.Id, StringComparer.Ordinal))
        {
            var recorded = projected.TryGetValue(document, out var found) ? found : ((long Seq, string Sha256, long At)?)null;
            var row = rows.GetValueOrDefault(document);
            var key = StoredProjection.KeyOf(document.Projection, document.Id);
            var problem = (recorded, row) switch
            {
                (null, not null) => $"projection '{key}' is in the journal but no event set it (a row was added behind the journal).",
                ({ } want, null) => $"projection '{key}' set by event {want.At} is missing from the journal (its row was deleted).",
                ({ } want, { } have) when have.Seq != want.Seq || JournalStore.Fingerprint(have.Value) != want.Sha256
                    => $"projection '{key}' differs from what event {want.At} recorded (its row was edited).",
                _ => null,
            };
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static void Fold(JournalEvent e, Dictionary<(string Projection, string Id), (long Seq, string Sha256, long At)> projected)
    {
        using var document = System.Text.Json.JsonDocument.Parse(e.Payload);
        foreach (var set in document.RootElement.GetProperty("set").EnumerateArray())
        {
            var key = (set.GetProperty("projection").GetString()!, set.GetProperty("id").GetString()!);
            if (set.GetProperty("sha256").ValueKind == System.Text.Json.JsonValueKind.Null)
            {
                projected.Remove(key);
            }
            else
            {
                projected[key] = (set.GetProperty("seq").GetInt64(), set.GetProperty("sha256").GetString()!, e.Seq);
            }
        }
    }

    /// <summary>
    /// The events in order, each with whether it matches its own hash, computed a chunk at a time in parallel
    /// (an event's hash depends on its own fields and stored link alone); an unreadable segment comes last, after
    /// every event read before it.
    /// </summary>
    private static IEnumerable<(JournalEvent? Event, bool Holds, JournalSegmentException? Unreadable)> Hashed(IEnumerable<JournalEvent> events)
    {
        var chunk = new List<JournalEvent>(Chunk);
        var holds = new bool[Chunk];
        using var each = events.GetEnumerator();
        var more = true;
        while (more)
        {
            chunk.Clear();
            JournalSegmentException? unreadable = null;
            try
            {
                while (chunk.Count < Chunk && (more = each.MoveNext()))
                {
                    chunk.Add(each.Current);
                }
            }
            catch (JournalSegmentException error)
            {
                (unreadable, more) = (error, false);
            }

            Parallel.For(0, chunk.Count, i => holds[i] = chunk[i].ComputeHash() == chunk[i].Hash);
            for (var i = 0; i < chunk.Count; i++)
            {
                yield return (chunk[i], holds[i], null);
            }

            if (unreadable is not null)
            {
                yield return (null, false, unreadable);
            }
        }
    }

    private static JournalVerification Broken(long count, long at, string problem) => new(count, at, problem);
}
