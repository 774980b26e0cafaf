using System.Globalization;
using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

/// <summary>
/// The decision diary in the journal: each entry is a <c>diary.entry</c> event on the stream
/// <c>diary:{policy}</c>, projected into the <c>diary</c> table that the metrics are computed from in SQL.
/// </summary>
public static class DecisionDiary
{
    public const string EntryType = "diary.entry";

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
        using (var exists = store.Command("SELECT seq FROM diary WHERE entry_id = $id"))
        {
            var id = exists.Parameters.Add("$id", SqliteType.Text);
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
                id.Value = entry.EntryId;
                if (exists.ExecuteScalar() is not long seq)
                {
                    fresh.Add(entry);
                }
                else if (Recorded(store, seq) != entry)
                {
                    throw DiaryConflictException.Recorded(entry.EntryId, seq);
                }
            }
        }

        if (fresh.Count > 0)
        {
            store.Append([.. fresh.Select(Event)], project: (scope, events) => Project(scope, fresh, events));
        }

        return new IngestResult(fresh.Count, entries.Count - fresh.Count);
    }

    /// <summary>The diary's metrics for one policy over a window.</summary>
    public static DiaryMetrics Metrics(JournalStore store, string policyId, DiaryWindow window)
    {
        var stages = new Dictionary<PromotionStage, StageMetrics>();
        using (var query = Query(store, window, policyId, """
            SELECT stage, COUNT(*), SUM(forced), SUM(severity = 0), SUM(severity = 1), SUM(severity = 2), MIN(recorded_at), MAX(recorded_at)
            FROM diary WHERE policy_id = $policy AND {window} GROUP BY stage
            """))
        {
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                stages[(PromotionStage)reader.GetInt32(0)] = new StageMetrics(
                    reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5), Time(reader.GetString(6)), Time(reader.GetString(7)));
            }
        }

        var overall = StageMetrics.Sum(stages.Values);
        PromotionStage? latest = null;
        using (var query = Query(store, window, policyId, "SELECT stage FROM diary WHERE policy_id = $policy AND {window} ORDER BY recorded_at DESC, seq DESC LIMIT 1"))
        {
            if (query.ExecuteScalar() is long stage)
            {
                latest = (PromotionStage)stage;
            }
        }

        return new DiaryMetrics(policyId, overall, stages, latest, latest is { } at ? Streak(store, policyId, window, at) : 0, GreenSpanDays(store, policyId, window));
    }

    /// <summary>Entries per regime label over the window; entries without one are not counted.</summary>
    public static IReadOnlyDictionary<string, int> Regimes(JournalStore store, string policyId, DiaryWindow window)
    {
        using var query = Query(store, window, policyId, "SELECT regime, COUNT(*) FROM diary WHERE policy_id = $policy AND regime IS NOT NULL AND {window} GROUP BY regime");
        using var reader = query.ExecuteReader();
        var regimes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            regimes[reader.GetString(0)] = reader.GetInt32(1);
        }

        return regimes;
    }

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

    private static void Project(JournalTransaction scope, List<DiaryEntry> entries, IReadOnlyList<JournalEvent> events)
    {
        using var insert = scope.Command("INSERT INTO diary (entry_id, policy_id, recorded_at, stage, severity, forced, regime, seq) VALUES ($id, $policy, $at, $stage, $severity, $forced, $regime, $seq)");
        var parameters = new[]
        {
            insert.Parameters.Add("$id", SqliteType.Text), insert.Parameters.Add("$policy", SqliteType.Text),
            insert.Parameters.Add("$at", SqliteType.Text), insert.Parameters.Add("$stage", SqliteType.Integer),
            insert.Parameters.Add("$severity", SqliteType.Integer), insert.Parameters.Add("$forced", SqliteType.Integer),
            insert.Parameters.Add("$regime", SqliteType.Text), insert.Parameters.Add("$seq", SqliteType.Integer),
        };
        insert.Prepare();
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            parameters[0].Value = entry.EntryId;
            parameters[1].Value = entry.PolicyId;
            parameters[2].Value = JournalStore.Timestamp(entry.RecordedAt);
            parameters[3].Value = (int)entry.Stage;
            parameters[4].Value = (int)entry.Severity;
            parameters[5].Value = entry.Forced ? 1 : 0;
            parameters[6].Value = (object?)entry.Regime ?? DBNull.Value;
            parameters[7].Value = events[i].Seq;
            insert.ExecuteNonQuery();
        }
    }

    private static DiaryEntry? Recorded(JournalStore store, long seq) =>
        store.Event(seq) is { Type: EntryType } recorded ? EntryOf(recorded) : null;

    /// <summary>The entry a <see cref="EntryType"/> event recorded.</summary>
    private static DiaryEntry EntryOf(JournalEvent recorded)
    {
        using var payload = System.Text.Json.JsonDocument.Parse(recorded.Payload);
        return DiaryEntry.Read(payload.RootElement);
    }

    /// <summary>
    /// The diary table rebuilt from its events and compared row by row: the first entry whose row was deleted,
    /// edited or added behind the journal, or null when the table is exactly what the events say.
    /// </summary>
    public static string? Verify(JournalStore store)
    {
        using var rows = store.Command("SELECT entry_id, policy_id, recorded_at, stage, severity, forced, regime, seq FROM diary ORDER BY seq");
        using var reader = rows.ExecuteReader();
        using var events = store.Read(type: EntryType).GetEnumerator();
        string Added() => $"diary row '{reader.GetString(0)}' (event {reader.GetInt64(7)}) is not what any diary event recorded (a row was added behind the journal).";
        var hasRow = reader.Read();
        while (events.MoveNext())
        {
            var recorded = events.Current;
            var entry = EntryOf(recorded);
            if (hasRow && reader.GetInt64(7) < recorded.Seq)
            {
                return Added();
            }

            if (!hasRow || reader.GetInt64(7) > recorded.Seq)
            {
                return $"diary entry '{entry.EntryId}' recorded by event {recorded.Seq} is missing from the diary table (its row was deleted).";
            }

            var expected = (entry.EntryId, entry.PolicyId, JournalStore.Timestamp(entry.RecordedAt), (long)entry.Stage, (long)entry.Severity, entry.Forced ? 1L : 0L, entry.Regime);
            var actual = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetString(6));
            if (expected != actual)
            {
                return $"diary entry '{entry.EntryId}' differs from what event {recorded.Seq} recorded (its row was edited).";
            }

            hasRow = reader.Read();
        }

        return hasRow ? Added() : null;
    }

    /// <summary>Walking back from the newest entry: how many in a row are at <paramref name="latest"/>, normal and not forced.</summary>
    private static int Streak(JournalStore store, string policyId, DiaryWindow window, PromotionStage latest)
    {
        var (at, seq) = NewestBreak(store, policyId, window, $"(stage != {(int)latest} OR severity != 0 OR forced != 0)");
        using var query = Query(store, window, policyId, "SELECT COUNT(*) FROM diary WHERE policy_id = $policy AND {window} AND (recorded_at, seq) > ($at, $seq)");
        query.Parameters.AddWithValue("$at", at);
        query.Parameters.AddWithValue("$seq", seq);
        return Convert.ToInt32(query.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Over the paper entries in time order, the trailing run of normal, unforced ones, in days from first to last.</summary>
    private static double GreenSpanDays(JournalStore store, string policyId, DiaryWindow window)
    {
        const string Paper = "stage = 1";
        var (at, seq) = NewestBreak(store, policyId, window, $"{Paper} AND (severity != 0 OR forced != 0)");
        using var query = Query(store, window, policyId, $"SELECT MIN(recorded_at), MAX(recorded_at) FROM diary WHERE policy_id = $policy AND {Paper} AND {{window}} AND (recorded_at, seq) > ($at, $seq)");
        query.Parameters.AddWithValue("$at", at);
        query.Parameters.AddWithValue("$seq", seq);
        using var reader = query.ExecuteReader();
        return reader.Read() && !reader.IsDBNull(0) ? (Time(reader.GetString(1)) - Time(reader.GetString(0))).TotalDays : 0;
    }

    /// <summary>The newest entry matching <paramref name="condition"/>; before every entry when there is none.</summary>
    private static (string At, long Seq) NewestBreak(JournalStore store, string policyId, DiaryWindow window, string condition)
    {
        using var query = Query(store, window, policyId, $"SELECT recorded_at, seq FROM diary WHERE policy_id = $policy AND {{window}} AND {condition} ORDER BY recorded_at DESC, seq DESC LIMIT 1");
        using var reader = query.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetInt64(1)) : ("", 0);
    }

    private static SqliteCommand Query(JournalStore store, DiaryWindow window, string policyId, string sql)
    {
        var command = store.Command(sql.Replace("{window}", "($from IS NULL OR recorded_at > $from) AND ($to IS NULL OR recorded_at <= $to)", StringComparison.Ordinal));
        command.Parameters.AddWithValue("$policy", policyId);
        command.Parameters.AddWithValue("$from", window.From is { } from ? JournalStore.Timestamp(from) : DBNull.Value);
        command.Parameters.AddWithValue("$to", window.To is { } to ? JournalStore.Timestamp(to) : DBNull.Value);
        return command;
    }

    private static DateTimeOffset Time(string text) => DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
