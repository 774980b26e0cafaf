using System.Globalization;
using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;
using RulesGate.Core.Promotion;

namespace RulesGate.Storage.Sqlite;

/// <summary>
/// The diary projection in its own table, with a window's metrics computed in SQL over its (policy, time) index. Times are stored
/// as <see cref="JsonText.Timestamp"/> writes them (fixed width), so text order is time order.
/// </summary>
internal sealed class SqliteDiary(SqliteConnection connection) : IDiaryStore
{
    private const string Window = "($from IS NULL OR recorded_at > $from) AND ($to IS NULL OR recorded_at <= $to)";
    private const string Paper = "stage = 1";

    public IReadOnlyDictionary<string, long> Find(IReadOnlyCollection<string> entryIds)
    {
        // One read transaction and one prepared statement for them all: the file's read lock is taken once, not per id.
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        using var transaction = connection.BeginTransaction(deferred: true);
        using var find = connection.CreateCommand();
        find.Transaction = transaction;
        find.CommandText = "SELECT seq FROM diary WHERE entry_id = $id";
        var id = find.Parameters.Add("$id", SqliteType.Text);
        find.Prepare();
        foreach (var entryId in entryIds)
        {
            id.Value = entryId;
            if (find.ExecuteScalar() is long seq)
            {
                found[entryId] = seq;
            }
        }

        return found;
    }

    public DiaryMetrics Metrics(string policyId, DiaryWindow window)
    {
        var stages = new Dictionary<PromotionStage, StageMetrics>();
        using (var query = Query(window, policyId, $"""
            SELECT stage, COUNT(*), SUM(forced), SUM(severity = 0), SUM(severity = 1), SUM(severity = 2), MIN(recorded_at), MAX(recorded_at)
            FROM diary WHERE policy_id = $policy AND {Window} GROUP BY stage
            """))
        {
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                stages[(PromotionStage)reader.GetInt32(0)] = new StageMetrics(
                    reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5), Time(reader.GetString(6)), Time(reader.GetString(7)));
            }
        }

        PromotionStage? latest = null;
        using (var query = Query(window, policyId, $"SELECT stage FROM diary WHERE policy_id = $policy AND {Window} ORDER BY recorded_at DESC, seq DESC LIMIT 1"))
        {
            if (query.ExecuteScalar() is long stage)
            {
                latest = (PromotionStage)stage;
            }
        }

        return new DiaryMetrics(policyId, StageMetrics.Sum(stages.Values), stages, latest, latest is { } at ? Streak(policyId, window, at) : 0, GreenSpanDays(policyId, window));
    }

    public IReadOnlyDictionary<string, int> Regimes(string policyId, DiaryWindow window)
    {
        using var query = Query(window, policyId, $"SELECT regime, COUNT(*) FROM diary WHERE policy_id = $policy AND regime IS NOT NULL AND {Window} GROUP BY regime");
        using var reader = query.ExecuteReader();
        var regimes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            regimes[reader.GetString(0)] = reader.GetInt32(1);
        }

        return regimes;
    }

    public IEnumerable<DiaryRow> Rows()
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM diary ORDER BY seq";
        return Read(command);
    }

    public IEnumerable<DiaryRow> Rows(string policyId) => Read(PolicyRows(connection.CreateCommand(), policyId));

    private const string Columns = "entry_id, policy_id, recorded_at, stage, severity, forced, regime, seq";

    /// <summary><paramref name="command"/> made the query for one policy's rows in time order.</summary>
    internal static SqliteCommand PolicyRows(SqliteCommand command, string policyId)
    {
        command.CommandText = $"SELECT {Columns} FROM diary WHERE policy_id = $policy ORDER BY recorded_at, seq";
        command.Parameters.AddWithValue("$policy", policyId);
        return command;
    }

    /// <summary>The rows <paramref name="command"/> selects (<see cref="Columns"/>), streamed; the command is disposed at the end.</summary>
    internal static IEnumerable<DiaryRow> Read(SqliteCommand command)
    {
        using (command)
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                yield return DiaryRow.Stored(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt64(7));
            }
        }
    }

    /// <summary>The statement <see cref="Add"/> runs.</summary>
    internal const string Insert = "INSERT INTO diary (entry_id, policy_id, recorded_at, stage, severity, forced, regime, seq) VALUES ($id, $policy, $at, $stage, $severity, $forced, $regime, $seq)";

    /// <summary>Inserts the rows with <paramref name="insert"/>, the <see cref="Insert"/> statement in the caller's transaction.</summary>
    internal static void Add(SqliteCommand insert, IReadOnlyList<DiaryRow> rows)
    {
        var (id, policy, at, stage, severity, forced, regime, seq) = (
            insert.Parameters.Add("$id", SqliteType.Text), insert.Parameters.Add("$policy", SqliteType.Text),
            insert.Parameters.Add("$at", SqliteType.Text), insert.Parameters.Add("$stage", SqliteType.Integer),
            insert.Parameters.Add("$severity", SqliteType.Integer), insert.Parameters.Add("$forced", SqliteType.Integer),
            insert.Parameters.Add("$regime", SqliteType.Text), insert.Parameters.Add("$seq", SqliteType.Integer));
        insert.Prepare();
        foreach (var row in rows)
        {
            id.Value = row.EntryId;
            policy.Value = row.PolicyId;
            at.Value = JsonText.Timestamp(row.RecordedAt);
            stage.Value = (int)row.Stage;
            severity.Value = (int)row.Severity;
            forced.Value = row.Forced ? 1 : 0;
            regime.Value = (object?)row.Regime ?? DBNull.Value;
            seq.Value = row.Seq;
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Walking back from the newest entry: how many in a row are at <paramref name="latest"/>, normal and not forced.</summary>
    private int Streak(string policyId, DiaryWindow window, PromotionStage latest)
    {
        var (at, seq) = NewestBreak(policyId, window, "(stage != $stage OR severity != 0 OR forced != 0)", latest);
        using var query = Query(window, policyId, $"SELECT COUNT(*) FROM diary WHERE policy_id = $policy AND {Window} AND (recorded_at, seq) > ($at, $seq)");
        query.Parameters.AddWithValue("$at", at);
        query.Parameters.AddWithValue("$seq", seq);
        return Convert.ToInt32(query.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Over the paper entries in time order, the trailing run of normal, unforced ones, in days from first to last.</summary>
    private double GreenSpanDays(string policyId, DiaryWindow window)
    {
        var (at, seq) = NewestBreak(policyId, window, $"{Paper} AND (severity != 0 OR forced != 0)", null);
        using var query = Query(window, policyId, $"SELECT MIN(recorded_at), MAX(recorded_at) FROM diary WHERE policy_id = $policy AND {Paper} AND {Window} AND (recorded_at, seq) > ($at, $seq)");
        query.Parameters.AddWithValue("$at", at);
        query.Parameters.AddWithValue("$seq", seq);
        using var reader = query.ExecuteReader();
        return reader.Read() && !reader.IsDBNull(0) ? (Time(reader.GetString(1)) - Time(reader.GetString(0))).TotalDays : 0;
    }

    /// <summary>The newest entry matching <paramref name="condition"/> (one of this class's constants); before every entry when there is none.</summary>
    private (string At, long Seq) NewestBreak(string policyId, DiaryWindow window, string condition, PromotionStage? stage)
    {
        using var query = Query(window, policyId, $"SELECT recorded_at, seq FROM diary WHERE policy_id = $policy AND {Window} AND {condition} ORDER BY recorded_at DESC, seq DESC LIMIT 1");
        if (stage is { } value)
        {
            query.Parameters.AddWithValue("$stage", (int)value);
        }

        using var reader = query.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetInt64(1)) : ("", 0);
    }

    private SqliteCommand Query(DiaryWindow window, string policyId, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$policy", policyId);
        command.Parameters.AddWithValue("$from", window.From is { } from ? JsonText.Timestamp(from) : DBNull.Value);
        command.Parameters.AddWithValue("$to", window.To is { } to ? JsonText.Timestamp(to) : DBNull.Value);
        return command;
    }

    private static DateTimeOffset Time(string text) => DateTimeOffset.ParseExact(text, JsonText.TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
