using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

/// <summary>
/// The decision diary in the journal: each entry is a <c>diary.entry</c> event on the stream
/// <c>diary:{policy}</c>, projected in the same transaction into the storage's diary (<see cref="IDiaryStore"/>),
/// which computes the metrics where the rows are.
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
            if (seen.TryGetValue(entry.EntryId, out var earlier))
            {
                // The same id twice in one batch: the same entry repeated is skipped, two different ones conflict.
                if (earlier != entry)
                {
                    throw DiaryConflictException.Within(entry.EntryId);
                }

                continue;
            }

            seen[entry.EntryId] = entry;
            if (store.Diary.Find(entry.EntryId) is not { } seq)
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
            store.Append([.. fresh.Select(Event)], project: (scope, events) => Project(scope, fresh, events));
        }

        return new IngestResult(fresh.Count, entries.Count - fresh.Count);
    }

    /// <summary>The diary's metrics for one policy over a window.</summary>
    public static DiaryMetrics Metrics(JournalStore store, string policyId, DiaryWindow window) => store.Diary.Metrics(policyId, window);

    /// <summary>Entries per regime label over the window; entries without one are not counted.</summary>
    public static IReadOnlyDictionary<string, int> Regimes(JournalStore store, string policyId, DiaryWindow window) => store.Diary.Regimes(policyId, window);

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

    private static void Project(JournalTransaction scope, List<DiaryEntry> entries, IReadOnlyList<JournalEvent> events) =>
        scope.AddDiary([.. entries.Select((entry, i) => new DiaryRow(entry.EntryId, entry.PolicyId, entry.RecordedAt, entry.Stage, entry.Severity, entry.Forced, entry.Regime, events[i].Seq))]);

    private static DiaryEntry? Recorded(JournalStore store, long seq) =>
        store.Event(seq) is { Type: EntryType } recorded ? EntryOf(recorded) : null;

    /// <summary>The entry a <see cref="EntryType"/> event recorded.</summary>
    internal static DiaryEntry EntryOf(JournalEvent recorded)
    {
        using var payload = System.Text.Json.JsonDocument.Parse(recorded.Payload);
        return DiaryEntry.Read(payload.RootElement);
    }

    /// <summary>
    /// The diary rebuilt from its events and compared row by row: the first entry whose row was deleted,
    /// edited or added behind the journal, or null when the rows are exactly what the events say.
    /// </summary>
    public static string? Verify(JournalStore store)
    {
        try
        {
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

                hasRow = rows.MoveNext();
            }

            return hasRow ? Added() : null;
        }
        catch (JournalException malformed)
        {
            return malformed.Message;
        }
    }
}
