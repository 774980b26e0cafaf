using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Serialization;

namespace RulesGate.Storage.Postgres;

/// <summary>
/// The diary projection in its own table, with the metrics computed in SQL, as on SQLite. Times are stored as
/// <see cref="JsonText.Timestamp"/> writes them (fixed width, collation "C"), so text order is time order.
/// </summary>
internal sealed class PostgresDiary(NpgsqlDataSource source) : IDiaryStore
{
    private const string Window = "(@from::text IS NULL OR recorded_at > @from) AND (@to::text IS NULL OR recorded_at <= @to)";
    private const string Paper = "stage = 1";

    public IReadOnlyDictionary<string, long> Find(IReadOnlyCollection<string> entryIds)
    {
        // Ten thousand ids a round trip.
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        using var connection = source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT entry_id, seq FROM diary WHERE entry_id = ANY(@ids)", connection);
        var ids = command.Parameters.Add("ids", NpgsqlDbType.Array | NpgsqlDbType.Text);
        foreach (var chunk in entryIds.Chunk(10_000))
        {
            ids.Value = chunk;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                found[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        return found;
    }

    public DiaryMetrics Metrics(string policyId, DiaryWindow window)
    {
        using var connection = source.OpenConnection();
        var stages = new Dictionary<PromotionStage, StageMetrics>();
        using (var query = Query(connection, window, policyId, $"""
            SELECT stage, COUNT(*), SUM(forced), COUNT(*) FILTER (WHERE severity = 0), COUNT(*) FILTER (WHERE severity = 1), COUNT(*) FILTER (WHERE severity = 2), MIN(recorded_at), MAX(recorded_at)
            FROM diary WHERE policy_id = @policy AND {Window} GROUP BY stage
            """))
        {
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                stages[(PromotionStage)reader.GetInt32(0)] = new StageMetrics(
                    Int(reader, 1), Int(reader, 2), Int(reader, 3), Int(reader, 4), Int(reader, 5), Time(reader.GetString(6)), Time(reader.GetString(7)));
            }
        }

        PromotionStage? latest = null;
        using (var query = Query(connection, window, policyId, $"SELECT stage FROM diary WHERE policy_id = @policy AND {Window} ORDER BY recorded_at DESC, seq DESC LIMIT 1"))
        {
            if (query.ExecuteScalar() is int stage)
            {
                latest = (PromotionStage)stage;
            }
        }

        return new DiaryMetrics(policyId, StageMetrics.Sum(stages.Values), stages, latest, latest is { } at ? Streak(connection, policyId, window, at) : 0, GreenSpanDays(connection, policyId, window));
    }

    public IReadOnlyDictionary<string, int> Regimes(string policyId, DiaryWindow window)
    {
        using var connection = source.OpenConnection();
        using var query = Query(connection, window, policyId, $"SELECT regime, COUNT(*) FROM diary WHERE policy_id = @policy AND regime IS NOT NULL AND {Window} GROUP BY regime");
        using var reader = query.ExecuteReader();
        var regimes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            regimes[reader.GetString(0)] = Int(reader, 1);
        }

        return regimes;
    }

    public IEnumerable<DiaryRow> Rows()
    {
        using var connection = source.OpenConnection();
        using var command = new NpgsqlCommand($"SELECT {Columns} FROM diary ORDER BY seq", connection);
        foreach (var row in Read(command))
        {
            yield return row;
        }
    }

    public IEnumerable<DiaryRow> Rows(string policyId)
    {
        using var connection = source.OpenConnection();
        foreach (var row in PolicyRows(connection, null, policyId))
        {
            yield return row;
        }
    }

    private const string Columns = "entry_id, policy_id, recorded_at, stage, severity, forced, regime, seq";

    /// <summary>One policy's rows in time order, read on <paramref name="connection"/> (in <paramref name="transaction"/> when there is one), streamed.</summary>
    internal static IEnumerable<DiaryRow> PolicyRows(NpgsqlConnection connection, NpgsqlTransaction? transaction, string policyId)
    {
        using var command = new NpgsqlCommand($"SELECT {Columns} FROM diary WHERE policy_id = @policy ORDER BY recorded_at, seq", connection, transaction);
        command.Parameters.AddWithValue("policy", policyId);
        foreach (var row in Read(command))
        {
            yield return row;
        }
    }

    private static IEnumerable<DiaryRow> Read(NpgsqlCommand command)
    {
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return DiaryRow.Stored(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt64(7));
        }
    }

    /// <summary>Inserts the rows in the caller's transaction.</summary>
    internal static void Add(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<DiaryRow> rows)
    {
        using var insert = new NpgsqlCommand("INSERT INTO diary (entry_id, policy_id, recorded_at, stage, severity, forced, regime, seq) VALUES (@id, @policy, @at, @stage, @severity, @forced, @regime, @seq)", connection, transaction);
        var parameters = new[]
        {
            insert.Parameters.Add("id", NpgsqlDbType.Text), insert.Parameters.Add("policy", NpgsqlDbType.Text),
            insert.Parameters.Add("at", NpgsqlDbType.Text), insert.Parameters.Add("stage", NpgsqlDbType.Integer),
            insert.Parameters.Add("severity", NpgsqlDbType.Integer), insert.Parameters.Add("forced", NpgsqlDbType.Integer),
            insert.Parameters.Add("regime", NpgsqlDbType.Text), insert.Parameters.Add("seq", NpgsqlDbType.Bigint),
        };
        foreach (var row in rows)
        {
            foreach (var (parameter, value) in parameters.Zip(row.Columns()))
            {
                parameter.Value = value;
            }

            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Walking back from the newest entry: how many in a row are at <paramref name="latest"/>, normal and not forced.</summary>
    private static int Streak(NpgsqlConnection connection, string policyId, DiaryWindow window, PromotionStage latest)
    {
        var (at, seq) = NewestBreak(connection, policyId, window, "(stage <> @stage OR severity <> 0 OR forced <> 0)", latest);
        using var query = Query(connection, window, policyId, $"SELECT COUNT(*) FROM diary WHERE policy_id = @policy AND {Window} AND (recorded_at, seq) > (@at, @seq)");
        query.Parameters.AddWithValue("at", at);
        query.Parameters.AddWithValue("seq", seq);
        return Convert.ToInt32(query.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Over the paper entries in time order, the trailing run of normal, unforced ones, in days from first to last.</summary>
    private static double GreenSpanDays(NpgsqlConnection connection, string policyId, DiaryWindow window)
    {
        var (at, seq) = NewestBreak(connection, policyId, window, $"{Paper} AND (severity <> 0 OR forced <> 0)", null);
        using var query = Query(connection, window, policyId, $"SELECT MIN(recorded_at), MAX(recorded_at) FROM diary WHERE policy_id = @policy AND {Paper} AND {Window} AND (recorded_at, seq) > (@at, @seq)");
        query.Parameters.AddWithValue("at", at);
        query.Parameters.AddWithValue("seq", seq);
        using var reader = query.ExecuteReader();
        return reader.Read() && !reader.IsDBNull(0) ? (Time(reader.GetString(1)) - Time(reader.GetString(0))).TotalDays : 0;
    }

    /// <summary>The newest entry matching <paramref name="condition"/> (one of this class's constants); before every entry when there is none.</summary>
    private static (string At, long Seq) NewestBreak(NpgsqlConnection connection, string policyId, DiaryWindow window, string condition, PromotionStage? stage)
    {
        using var query = Query(connection, window, policyId, $"SELECT recorded_at, seq FROM diary WHERE policy_id = @policy AND {Window} AND {condition} ORDER BY recorded_at DESC, seq DESC LIMIT 1");
        if (stage is { } value)
        {
            query.Parameters.AddWithValue("stage", (int)value);
        }

        using var reader = query.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetInt64(1)) : ("", 0);
    }

    private static NpgsqlCommand Query(NpgsqlConnection connection, DiaryWindow window, string policyId, string sql)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("policy", policyId);
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Text) { Value = window.From is { } from ? JsonText.Timestamp(from) : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Text) { Value = window.To is { } to ? JsonText.Timestamp(to) : DBNull.Value });
        return command;
    }

    private static int Int(NpgsqlDataReader reader, int column) => Convert.ToInt32(reader.GetValue(column), CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text) => DateTimeOffset.ParseExact(text, JsonText.TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
