using Npgsql;
using NpgsqlTypes;
using RulesGate.Core.Journal;

namespace RulesGate.Storage.Postgres;

/// <summary>
/// The storage port on a PostgreSQL database; <see cref="PostgresJournal"/> opens it. Each read takes a pooled
/// connection of its own, so reads may be interleaved; each write transaction takes one and, before anything else,
/// the advisory lock that makes writers across every node take turns.
/// </summary>
internal sealed class PostgresStorage(string location, NpgsqlDataSource source) : IJournalStorage
{
    private const string EventColumns = "seq, stream, type, time, payload, prev_hash, hash";
    private const string SegmentColumns = "first_seq, last_seq, count, streams, types, last_hash, body";

    private readonly PostgresDiary diary = new(source);

    public string Location => location;

    public int? UpgradedFrom { get; init; }

    public IDiaryStore Diary => diary;

    /// <summary>A transaction that takes an id and commits: the server must have room for its write-ahead log.</summary>
    public void Probe()
    {
        using var connection = source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var command = new NpgsqlCommand("SELECT txid_current()", connection, transaction);
        command.ExecuteScalar();
        transaction.Commit();
    }

    public IStorageTransaction BeginWrite()
    {
        var connection = source.OpenConnection();
        try
        {
            var transaction = connection.BeginTransaction();
            using var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({PostgresJournal.WriteLock})", connection, transaction);
            command.ExecuteNonQuery();
            return new Transaction(connection, transaction);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public IEnumerable<JournalEvent> Read(EventFilter filter)
    {
        using var connection = source.OpenConnection();
        using var command = Filtered(connection, $"SELECT {EventColumns} FROM events WHERE seq BETWEEN @from AND @to AND (@stream::text IS NULL OR stream = @stream) AND (@types::text[] IS NULL OR type = ANY(@types)) ORDER BY seq", filter, keys: false);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6));
        }
    }

    public IEnumerable<StoredSegment> Segments(EventFilter filter)
    {
        using var connection = source.OpenConnection();
        // A stream or types are found through the segment index, so the cost follows the segments found, not those kept.
        using var command = Filtered(connection, $"SELECT {SegmentColumns} FROM segments WHERE last_seq >= @from AND first_seq <= @to AND (@stream::text IS NULL OR first_seq IN (SELECT first_seq FROM segment_keys WHERE key = @stream)) AND (@types::text[] IS NULL OR first_seq IN (SELECT first_seq FROM segment_keys WHERE key = ANY(@types))) ORDER BY first_seq", filter, keys: true);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return SegmentOf(reader);
        }
    }

    public IEnumerable<(long First, string Streams, string Types)> SegmentRows()
    {
        using var connection = source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT first_seq, streams, types FROM segments ORDER BY first_seq", connection);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), reader.GetString(1), reader.GetString(2));
        }
    }

    public IEnumerable<(long First, string Key)> SegmentIndex()
    {
        using var connection = source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT first_seq, key FROM segment_keys ORDER BY first_seq", connection);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), reader.GetString(1));
        }
    }

    public long LastSeq()
    {
        using var connection = source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT GREATEST(COALESCE((SELECT MAX(seq) FROM events), 0), COALESCE((SELECT MAX(last_seq) FROM segments), 0))", connection);
        return (long)command.ExecuteScalar()!;
    }

    public byte[]? Blob(string hash)
    {
        using var connection = source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT bytes FROM blobs WHERE hash = @hash", connection);
        command.Parameters.AddWithValue("hash", hash);
        return command.ExecuteScalar() as byte[];
    }

    public StoredProjection? Load(string projection, string id)
    {
        using var connection = source.OpenConnection();
        return LoadIn(connection, null, projection, id);
    }

    public IReadOnlyList<StoredProjection> All(string? projection)
    {
        using var connection = source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT projection, id, value, seq FROM projections WHERE @projection::text IS NULL OR projection = @projection", connection);
        command.Parameters.Add(new NpgsqlParameter("projection", NpgsqlDbType.Text) { Value = (object?)projection ?? DBNull.Value });
        using var reader = command.ExecuteReader();
        var all = new List<StoredProjection>();
        while (reader.Read())
        {
            all.Add(new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
        }

        return all;
    }

    /// <summary>The documents in the range, comparing ids byte for byte (collation C).</summary>
    public IReadOnlyList<StoredProjection> Range(string projection, string from, string to)
    {
        using var connection = source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT projection, id, value, seq FROM projections WHERE projection = @projection AND id COLLATE \"C\" >= @from AND id COLLATE \"C\" < @to ORDER BY id COLLATE \"C\"", connection);
        command.Parameters.Add(new NpgsqlParameter("projection", NpgsqlDbType.Text) { Value = projection });
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Text) { Value = from });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Text) { Value = to });
        using var reader = command.ExecuteReader();
        var found = new List<StoredProjection>();
        while (reader.Read())
        {
            found.Add(new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
        }

        return found;
    }

    public (long Seq, string Hash)? RecordedHead()
    {
        using var connection = source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT seq, hash FROM head WHERE one = 1", connection);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    public void Dispose() => source.Dispose();

    /// <summary>A query over a range, a stream and types; <paramref name="keys"/> asks for them as the segment index's keys (<see cref="StoredSegment.Keys"/>).</summary>
    private static NpgsqlCommand Filtered(NpgsqlConnection connection, string sql, EventFilter filter, bool keys)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("from", filter.From);
        command.Parameters.AddWithValue("to", filter.To);
        command.Parameters.Add(new NpgsqlParameter("stream", NpgsqlDbType.Text) { Value = filter.Stream is null ? DBNull.Value : keys ? StoredSegment.StreamKey(filter.Stream) : filter.Stream });
        command.Parameters.Add(new NpgsqlParameter("types", NpgsqlDbType.Array | NpgsqlDbType.Text)
        {
            Value = filter.Types is { Count: > 0 } types ? types.Select(type => keys ? StoredSegment.TypeKey(type) : type).ToArray() : DBNull.Value,
        });
        return command;
    }

    private static StoredSegment SegmentOf(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), (byte[])reader.GetValue(6));

    private static StoredProjection? LoadIn(NpgsqlConnection connection, NpgsqlTransaction? transaction, string projection, string id)
    {
        using var command = new NpgsqlCommand("SELECT value, seq FROM projections WHERE projection = @projection AND id = @id", connection, transaction);
        command.Parameters.AddWithValue("projection", projection);
        command.Parameters.AddWithValue("id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new(projection, id, reader.GetString(0), reader.GetInt64(1)) : null;
    }

    private sealed class Transaction(NpgsqlConnection connection, NpgsqlTransaction transaction) : IStorageTransaction
    {
        private readonly List<JournalEvent> pending = [];

        public (long Seq, string Hash) Head()
        {
            Flush();
            using var command = Command("SELECT seq, hash FROM (SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1) AS e UNION ALL SELECT * FROM (SELECT last_seq, last_hash FROM segments ORDER BY first_seq DESC LIMIT 1) AS s ORDER BY seq DESC LIMIT 1");
            using var reader = command.ExecuteReader();
            return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : (0, JournalEvent.Genesis);
        }

        public long StreamVersion(string stream)
        {
            Flush();
            using var command = Command("SELECT COALESCE(MAX(seq), 0) FROM events WHERE stream = @stream");
            command.Parameters.AddWithValue("stream", stream);
            return (long)command.ExecuteScalar()!;
        }

        public StoredSegment? LastSegment(string stream)
        {
            using var command = Command($"SELECT {SegmentColumns} FROM segments WHERE first_seq = (SELECT max(first_seq) FROM segment_keys WHERE key = @stream)");
            command.Parameters.AddWithValue("stream", StoredSegment.StreamKey(stream));
            using var reader = command.ExecuteReader();
            return reader.Read() ? SegmentOf(reader) : null;
        }

        /// <summary>Events are sent to the server together (binary COPY) when the transaction next reads or commits.</summary>
        public void Insert(JournalEvent appended) => pending.Add(appended);

        public void Insert(StoredSegment segment)
        {
            using var command = Command($"INSERT INTO segments ({SegmentColumns}) VALUES (@first, @last, @count, @streams, @types, @hash, @body)");
            command.Parameters.AddWithValue("first", segment.First);
            command.Parameters.AddWithValue("last", segment.Last);
            command.Parameters.AddWithValue("count", segment.Count);
            command.Parameters.AddWithValue("streams", segment.Streams);
            command.Parameters.AddWithValue("types", segment.Types);
            command.Parameters.AddWithValue("hash", segment.LastHash);
            command.Parameters.AddWithValue("body", segment.Body);
            command.ExecuteNonQuery();
            PostgresJournal.Index(connection, transaction, segment.First, segment.Keys);
        }

        public void PutBlob(string hash, byte[] bytes)
        {
            using var command = Command("INSERT INTO blobs (hash, bytes) VALUES (@hash, @bytes) ON CONFLICT (hash) DO NOTHING");
            command.Parameters.AddWithValue("hash", hash);
            command.Parameters.AddWithValue("bytes", bytes);
            command.ExecuteNonQuery();
        }

        public StoredProjection? Load(string projection, string id)
        {
            Flush();
            return LoadIn(connection, transaction, projection, id);
        }

        public void Store(StoredProjection document)
        {
            using var command = Command("INSERT INTO projections (projection, id, value, seq) VALUES (@projection, @id, @value, @seq) ON CONFLICT (projection, id) DO UPDATE SET value = excluded.value, seq = excluded.seq");
            command.Parameters.AddWithValue("projection", document.Projection);
            command.Parameters.AddWithValue("id", document.Id);
            command.Parameters.AddWithValue("value", document.Value);
            command.Parameters.AddWithValue("seq", document.Seq);
            command.ExecuteNonQuery();
        }

        public void Delete(string projection, string id)
        {
            using var command = Command("DELETE FROM projections WHERE projection = @projection AND id = @id");
            command.Parameters.AddWithValue("projection", projection);
            command.Parameters.AddWithValue("id", id);
            command.ExecuteNonQuery();
        }

        public void AddDiary(IReadOnlyList<DiaryRow> rows) => PostgresDiary.Add(connection, transaction, rows);

        public IEnumerable<DiaryRow> DiaryRows(string policyId) => PostgresDiary.PolicyRows(connection, transaction, policyId);

        public void SetHead(long seq, string hash)
        {
            using var command = Command("INSERT INTO head (one, seq, hash) VALUES (1, @seq, @hash) ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
            command.Parameters.AddWithValue("seq", seq);
            command.Parameters.AddWithValue("hash", hash);
            command.ExecuteNonQuery();
        }

        public void Commit()
        {
            Flush();
            transaction.Commit();
        }

        public void Dispose()
        {
            transaction.Dispose();
            connection.Dispose();
        }

        private void Flush()
        {
            if (pending.Count == 0)
            {
                return;
            }

            using (var copy = connection.BeginBinaryImport($"COPY events ({EventColumns}) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var e in pending)
                {
                    copy.StartRow();
                    copy.Write(e.Seq, NpgsqlDbType.Bigint);
                    copy.Write(e.Stream, NpgsqlDbType.Text);
                    copy.Write(e.Type, NpgsqlDbType.Text);
                    copy.Write(e.Time, NpgsqlDbType.Text);
                    copy.Write(e.Payload, NpgsqlDbType.Text);
                    copy.Write(e.PrevHash, NpgsqlDbType.Text);
                    copy.Write(e.Hash, NpgsqlDbType.Text);
                }

                copy.Complete();
            }

            pending.Clear();
        }

        private NpgsqlCommand Command(string sql) => new(sql, connection, transaction);
    }
}
