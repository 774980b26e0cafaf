using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;

namespace RulesGate.Storage.Sqlite;

/// <summary>The storage port on one SQLite connection; <see cref="SqliteJournal"/> opens it.</summary>
internal sealed class SqliteStorage : IJournalStorage
{
    private const string EventColumns = "seq, stream, type, time, payload, prev_hash, hash";
    private const string SegmentColumns = "first_seq, last_seq, count, streams, types, last_hash, body";

    private readonly SqliteConnection connection;

    internal SqliteStorage(string path, SqliteConnection connection)
    {
        Location = path;
        this.connection = connection;
        diary = new SqliteDiary(connection);
    }

    public string Location { get; }

    public int? UpgradedFrom { get; init; }

    private readonly SqliteDiary diary;

    public IDiaryStore Diary => diary;

    public IStorageTransaction BeginWrite() => new Transaction(connection.BeginTransaction(deferred: false));

    /// <summary>
    /// The write lock is taken, a row written and all rolled back (BEGIN IMMEDIATE … ROLLBACK: a read-only or locked
    /// journal fails here), and a page's worth written and synced beside the file, then removed (a full disk fails here).
    /// </summary>
    public void Probe()
    {
        using (var transaction = connection.BeginTransaction(deferred: false))
        {
            using (var write = connection.CreateCommand())
            {
                write.Transaction = transaction;
                write.CommandText = "INSERT INTO blobs (hash, bytes) VALUES ('probe', x'')";
                write.ExecuteNonQuery();
            }

            var probe = Location + ".probe";
            try
            {
                using var file = new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough);
                file.Write(new byte[4096]);
                file.Flush(flushToDisk: true);
            }
            finally
            {
                File.Delete(probe);
            }
        }
    }

    public IEnumerable<JournalEvent> Read(EventFilter filter)
    {
        using var command = connection.CreateCommand();
        var types = filter.Types ?? [];
        var typeTest = types.Count == 0 ? "" : $" AND type IN ({string.Join(", ", types.Select((_, i) => $"$type{i}"))})";
        command.CommandText = $"SELECT {EventColumns} FROM events WHERE seq BETWEEN $from AND $to AND ($stream IS NULL OR stream = $stream){typeTest} ORDER BY seq";
        command.Parameters.AddWithValue("$from", filter.From);
        command.Parameters.AddWithValue("$to", filter.To);
        command.Parameters.AddWithValue("$stream", (object?)filter.Stream ?? DBNull.Value);
        for (var i = 0; i < types.Count; i++)
        {
            command.Parameters.AddWithValue($"$type{i}", types[i]);
        }

        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return EventOf(reader);
        }
    }

    public IEnumerable<StoredSegment> Segments(EventFilter filter)
    {
        using var command = connection.CreateCommand();
        var types = filter.Types ?? [];
        // A stream or types are found through the segment index, so the cost follows the segments found, not those kept.
        var streamTest = filter.Stream is null ? "" : " AND first_seq IN (SELECT first_seq FROM segment_keys WHERE key = $stream)";
        var typeTest = types.Count == 0 ? "" : $" AND first_seq IN (SELECT first_seq FROM segment_keys WHERE key IN ({string.Join(", ", types.Select((_, i) => $"$type{i}"))}))";
        command.CommandText = $"SELECT {SegmentColumns} FROM segments WHERE last_seq >= $from AND first_seq <= $to{streamTest}{typeTest} ORDER BY first_seq";
        command.Parameters.AddWithValue("$from", filter.From);
        command.Parameters.AddWithValue("$to", filter.To);
        if (filter.Stream is not null)
        {
            command.Parameters.AddWithValue("$stream", StoredSegment.StreamKey(filter.Stream));
        }

        for (var i = 0; i < types.Count; i++)
        {
            command.Parameters.AddWithValue($"$type{i}", StoredSegment.TypeKey(types[i]));
        }

        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return SegmentOf(reader);
        }
    }

    public IEnumerable<(long First, string Streams, string Types)> SegmentRows()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT first_seq, streams, types FROM segments ORDER BY first_seq";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), reader.GetString(1), reader.GetString(2));
        }
    }

    public IEnumerable<(long First, string Key)> SegmentIndex()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT first_seq, key FROM segment_keys ORDER BY first_seq";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), reader.GetString(1));
        }
    }

    public long LastSeq()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(COALESCE((SELECT MAX(seq) FROM events), 0), COALESCE((SELECT MAX(last_seq) FROM segments), 0))";
        return (long)command.ExecuteScalar()!;
    }

    public byte[]? Blob(string hash)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT bytes FROM blobs WHERE hash = $hash";
        command.Parameters.AddWithValue("$hash", hash);
        return command.ExecuteScalar() as byte[];
    }

    public StoredProjection? Load(string projection, string id) => LoadIn(connection, null, projection, id);

    public IReadOnlyList<StoredProjection> All(string? projection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT projection, id, value, seq FROM projections WHERE $projection IS NULL OR projection = $projection";
        command.Parameters.AddWithValue("$projection", (object?)projection ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        var all = new List<StoredProjection>();
        while (reader.Read())
        {
            all.Add(new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
        }

        return all;
    }

    /// <summary>A range of the primary key (projection, id); SQLite compares text by its bytes.</summary>
    public IReadOnlyList<StoredProjection> Range(string projection, string from, string to)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT projection, id, value, seq FROM projections WHERE projection = $projection AND id >= $from AND id < $to ORDER BY id";
        command.Parameters.AddWithValue("$projection", projection);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
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
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, hash FROM head WHERE one = 1";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    public void Dispose()
    {
        connection.Dispose();
    }

    private static JournalEvent EventOf(SqliteDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6));

    private static StoredSegment SegmentOf(SqliteDataReader reader) =>
        new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), (byte[])reader.GetValue(6));

    private static StoredProjection? LoadIn(SqliteConnection connection, SqliteTransaction? transaction, string projection, string id)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT value, seq FROM projections WHERE projection = $projection AND id = $id";
        command.Parameters.AddWithValue("$projection", projection);
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new(projection, id, reader.GetString(0), reader.GetInt64(1)) : null;
    }

    private sealed class Transaction(SqliteTransaction transaction) : IStorageTransaction
    {
        private readonly SqliteConnection connection = transaction.Connection!;
        private SqliteCommand? insert;

        public (long Seq, string Hash) Head()
        {
            using var command = Command("SELECT seq, hash FROM (SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1) UNION ALL SELECT * FROM (SELECT last_seq, last_hash FROM segments ORDER BY first_seq DESC LIMIT 1) ORDER BY seq DESC LIMIT 1");
            using var reader = command.ExecuteReader();
            return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : (0, JournalEvent.Genesis);
        }

        public StoredSegment? LastSegment(string stream)
        {
            using var command = Command($"SELECT {SegmentColumns} FROM segments WHERE first_seq = (SELECT max(first_seq) FROM segment_keys WHERE key = $stream)");
            command.Parameters.AddWithValue("$stream", StoredSegment.StreamKey(stream));
            using var reader = command.ExecuteReader();
            return reader.Read() ? SegmentOf(reader) : null;
        }

        public void Insert(StoredSegment segment)
        {
            using var command = Command($"INSERT INTO segments ({SegmentColumns}) VALUES ($first, $last, $count, $streams, $types, $hash, $body)");
            command.Parameters.AddWithValue("$first", segment.First);
            command.Parameters.AddWithValue("$last", segment.Last);
            command.Parameters.AddWithValue("$count", segment.Count);
            command.Parameters.AddWithValue("$streams", segment.Streams);
            command.Parameters.AddWithValue("$types", segment.Types);
            command.Parameters.AddWithValue("$hash", segment.LastHash);
            command.Parameters.AddWithValue("$body", segment.Body);
            command.ExecuteNonQuery();
            SqliteJournal.Index(connection, transaction, segment.First, segment.Keys);
        }

        public long StreamVersion(string stream)
        {
            using var command = Command("SELECT COALESCE(MAX(seq), 0) FROM events WHERE stream = $stream");
            command.Parameters.AddWithValue("$stream", stream);
            return (long)command.ExecuteScalar()!;
        }

        public void Insert(JournalEvent appended)
        {
            if (insert is null)
            {
                insert = Command($"INSERT INTO events ({EventColumns}) VALUES ($seq, $stream, $type, $time, $payload, $prev, $hash)");
                insert.Parameters.Add("$seq", SqliteType.Integer);
                foreach (var name in (string[])["$stream", "$type", "$time", "$payload", "$prev", "$hash"])
                {
                    insert.Parameters.Add(name, SqliteType.Text);
                }

                insert.Prepare();
            }

            var parameters = insert.Parameters;
            parameters[0].Value = appended.Seq;
            parameters[1].Value = appended.Stream;
            parameters[2].Value = appended.Type;
            parameters[3].Value = appended.Time;
            parameters[4].Value = appended.Payload;
            parameters[5].Value = appended.PrevHash;
            parameters[6].Value = appended.Hash;
            insert.ExecuteNonQuery();
        }

        public void PutBlob(string hash, byte[] bytes)
        {
            using var command = Command("INSERT OR IGNORE INTO blobs (hash, bytes) VALUES ($hash, $bytes)");
            command.Parameters.AddWithValue("$hash", hash);
            command.Parameters.AddWithValue("$bytes", bytes);
            command.ExecuteNonQuery();
        }

        public StoredProjection? Load(string projection, string id) => LoadIn(connection, transaction, projection, id);

        public void Store(StoredProjection document)
        {
            using var command = Command("INSERT INTO projections (projection, id, value, seq) VALUES ($projection, $id, $value, $seq) ON CONFLICT(projection, id) DO UPDATE SET value = excluded.value, seq = excluded.seq");
            command.Parameters.AddWithValue("$projection", document.Projection);
            command.Parameters.AddWithValue("$id", document.Id);
            command.Parameters.AddWithValue("$value", document.Value);
            command.Parameters.AddWithValue("$seq", document.Seq);
            command.ExecuteNonQuery();
        }

        public void Delete(string projection, string id)
        {
            using var command = Command("DELETE FROM projections WHERE projection = $projection AND id = $id");
            command.Parameters.AddWithValue("$projection", projection);
            command.Parameters.AddWithValue("$id", id);
            command.ExecuteNonQuery();
        }

        public void AddDiary(IReadOnlyList<DiaryRow> rows)
        {
            using var insert = Command(SqliteDiary.Insert);
            SqliteDiary.Add(insert, rows);
        }

        public IEnumerable<DiaryRow> DiaryRows(string policyId) => SqliteDiary.Read(SqliteDiary.PolicyRows(Command(""), policyId));

        public void SetHead(long seq, string hash)
        {
            using var command = Command("INSERT INTO head (one, seq, hash) VALUES (1, $seq, $hash) ON CONFLICT(one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
            command.Parameters.AddWithValue("$seq", seq);
            command.Parameters.AddWithValue("$hash", hash);
            command.ExecuteNonQuery();
        }

        public void Commit() => transaction.Commit();

        public void Dispose()
        {
            insert?.Dispose();
            transaction.Dispose();
        }

        private SqliteCommand Command(string sql)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            return command;
        }
    }
}
