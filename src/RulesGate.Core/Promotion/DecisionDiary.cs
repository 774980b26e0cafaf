using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

/// <summary>
/// The decision diary in the journal: each entry is a <c>diary.entry</c> event on the stream
/// <c>diary:{policy}</c>, kept in segments, and projected in the same transaction into the storage's diary
/// (<see cref="IDiaryStore"/>) and into each policy's <see cref="DiaryFigures"/>: the gates read those over the whole
/// diary in constant time, and a window's metrics are computed where the rows are.
/// </summary>
internal static class DecisionDiary
{
    public const string EntryType = EventTypes.DiaryEntry;

    /// <summary>What an ingest did.</summary>
    public sealed record IngestResult(int Added, int Duplicates);

    /// <summary>
    /// Appends the entries not yet in the diary in one transaction: all or nothing. An entry id already
    /// recorded, or repeated in <paramref name="entries"/>, is skipped, so ingesting a file twice changes nothing.
    /// </summary>
    public static IngestResult Ingest(JournalStore store, IReadOnlyList<DiaryEntry> entries)
    {
        var fresh = new List<DiaryEntry>();
        var seen = new Dictionary<string, DiaryEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            // The same id twice in one batch: the same entry repeated is skipped, two different ones conflict.
            if (!seen.TryAdd(entry.EntryId, entry) && seen[entry.EntryId] != entry)
            {
                throw DiaryConflictException.Within(entry.EntryId);
            }
        }

        // In the file's order, each id once.
        var recorded = store.Diary.Find(seen.Keys);
        foreach (var entry in entries)
        {
            if (!seen.Remove(entry.EntryId))
            {
                continue;
            }

            if (!recorded.TryGetValue(entry.EntryId, out var seq))
            {
                fresh.Add(entry);
            }
            else if (Recorded(store, seq) != entry)
            {
                throw DiaryConflictException.Recorded(entry.EntryId, seq);
            }
        }

        if (fresh.Count > 0)
        {
            store.Append([.. fresh.Select(Event)], project: (scope, events) => Project(scope, fresh, events), segment: true);
        }

        return new IngestResult(fresh.Count, entries.Count - fresh.Count);
    }

    /// <summary>The diary's metrics for one policy over a window: over the whole diary, its figures as kept at ingest.</summary>
    public static DiaryMetrics Metrics(JournalStore store, string policyId, DiaryWindow window) =>
        window == DiaryWindow.All ? Figures(store, policyId).Metrics(policyId) : store.Diary.Metrics(policyId, window);

    /// <summary>Entries per regime label over the window; entries without one are not counted.</summary>
    public static IReadOnlyDictionary<string, int> Regimes(JournalStore store, string policyId, DiaryWindow window) =>
        window == DiaryWindow.All ? Figures(store, policyId).Regimes : store.Diary.Regimes(policyId, window);

    /// <summary>Every policy with diary entries: one document each, not a row each.</summary>
    public static IEnumerable<string> Policies(JournalStore store) => store.All(DiaryFigures.Projection).Select(document => document.Id);

    private static DiaryFigures Figures(JournalStore store, string policyId) => DiaryFigures.Of(store.Load(DiaryFigures.Projection, policyId));

    private static JournalEntry Event(DiaryEntry entry) => new($"diary:{entry.PolicyId}", EntryType, JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("entry_id"u8, entry.EntryId);
        writer.WriteString("policy_id"u8, entry.PolicyId);
        writer.WriteString("recorded_at"u8, JsonText.Timestamp(entry.RecordedAt));
        writer.WriteString("stage"u8, entry.Stage.Name());
        writer.WriteString("severity"u8, entry.Severity.ToString().ToLowerInvariant());
        writer.WriteBoolean("forced"u8, entry.Forced);
        JsonText.Optional(writer, "regime"u8, entry.Regime);
        JsonText.Optional(writer, "evidence_id"u8, entry.EvidenceId);
        JsonText.Optional(writer, "notes"u8, entry.Notes);
        writer.WriteEndObject();
    }, pretty: false));

    /// <summary>
    /// The rows, and each policy's figures carried forward over its new entries in time order; a policy given an
    /// entry older than its newest has its figures computed again from all its rows, once for the batch.
    /// </summary>
    private static void Project(JournalTransaction scope, List<DiaryEntry> entries, IReadOnlyList<JournalEvent> events)
    {
        var rows = entries.Select((entry, i) => new DiaryRow(entry.EntryId, entry.PolicyId, entry.RecordedAt, entry.Stage, entry.Severity, entry.Forced, entry.Regime, events[i].Seq)).ToList();
        scope.AddDiary(rows);
        foreach (var policy in rows.GroupBy(row => row.PolicyId, StringComparer.Ordinal))
        {
            var added = InTimeOrder([.. policy]);
            var figures = DiaryFigures.Of(scope.Load(DiaryFigures.Projection, policy.Key));
            figures = figures.Precedes(added[0]) ? figures.Then(added) : DiaryFigures.None.Then(scope.DiaryRows(policy.Key));
            scope.Store(DiaryFigures.Projection, policy.Key, figures.Json(), added.Max(row => row.Seq));
        }
    }

    /// <summary>The rows by time, then sequence number; rows that come in that order already (a diary usually does) are not sorted.</summary>
    private static List<DiaryRow> InTimeOrder(List<DiaryRow> rows)
    {
        for (var i = 1; i < rows.Count; i++)
        {
            if (rows[i].RecordedAt < rows[i - 1].RecordedAt)
            {
                return [.. rows.OrderBy(row => row.RecordedAt).ThenBy(row => row.Seq)];
            }
        }

        return rows;
    }

    private static DiaryEntry? Recorded(JournalStore store, long seq) =>
        store.Event(seq) is { Type: EntryType } recorded ? EntryOf(recorded) : null;

    /// <summary>The entry a <see cref="EntryType"/> event recorded.</summary>
    internal static DiaryEntry EntryOf(JournalEvent recorded)
    {
        using var payload = System.Text.Json.JsonDocument.Parse(recorded.Payload);
        return DiaryEntry.Read(payload.RootElement);
    }

    /// <summary>
    /// The diary rebuilt from its events and compared row by row, then each policy's figures computed again from
    /// its rows and compared with those kept: the first entry whose row was deleted, edited or added behind the
    /// journal, or the first policy whose figures are not what its entries give; null when all agree.
    /// </summary>
    public static string? Verify(JournalStore store)
    {
        try
        {
            var policies = new SortedSet<string>(StringComparer.Ordinal);
            using var rows = store.Diary.Rows().GetEnumerator();
            using var events = store.Read(type: EntryType).GetEnumerator();
            string Added() => $"diary row '{rows.Current.EntryId}' (event {rows.Current.Seq}) is not what any diary event recorded (a row was added behind the journal).";
            var hasRow = rows.MoveNext();
            while (events.MoveNext())
            {
                var recorded = events.Current;
                var entry = EntryOf(recorded);
                if (hasRow && rows.Current.Seq < recorded.Seq)
                {
                    return Added();
                }

                if (!hasRow || rows.Current.Seq > recorded.Seq)
                {
                    return $"diary entry '{entry.EntryId}' recorded by event {recorded.Seq} is missing from the diary table (its row was deleted).";
                }

                if (rows.Current != new DiaryRow(entry.EntryId, entry.PolicyId, entry.RecordedAt, entry.Stage, entry.Severity, entry.Forced, entry.Regime, recorded.Seq))
                {
                    return $"diary entry '{entry.EntryId}' differs from what event {recorded.Seq} recorded (its row was edited).";
                }

                policies.Add(entry.PolicyId);
                hasRow = rows.MoveNext();
            }

            if (hasRow)
            {
                return Added();
            }

            policies.UnionWith(store.All(DiaryFigures.Projection).Select(document => document.Id));
            foreach (var policy in policies)
            {
                var kept = store.Load(DiaryFigures.Projection, policy)?.Value;
                var rebuilt = DiaryFigures.None.Then(store.Diary.Rows(policy));
                var expected = rebuilt.Latest is null ? null : rebuilt.Json();
                if (kept != expected)
                {
                    var how = kept is null ? "they are missing" : expected is null ? "they are kept for a policy without entries" : "they differ from its entries'";
                    return $"the diary figures of '{policy}' (projection {StoredProjection.KeyOf(DiaryFigures.Projection, policy)}) are not what its entries give: {how}.";
                }
            }

            return null;
        }
        catch (JournalException malformed)
        {
            return malformed.Message;
        }
    }
}
