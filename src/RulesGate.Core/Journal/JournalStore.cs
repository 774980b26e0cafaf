using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RulesGate.Core.Journal;

/// <summary>
/// The append-only, hash-chained event store in SQLite (WAL, synchronous=FULL): an append returns only once its
/// transaction is durable. Projections (the kill switch, later ledgers and workflow instances) live in the
/// <c>state</c> table and change in the same transaction as the events that change them.
/// </summary>
/// <remarks>One connection per store; callers serialize their use of it (the CLI is single-threaded, and
/// JournalWriter owns its store).</remarks>
public sealed class JournalStore : IDisposable
{
    /// <summary>Where the journal lives unless told otherwise.</summary>
    public const string DefaultPath = "artifacts/rulesgate.db";

    private const string HeadKey = "journal.head";

    /// <summary>
    /// The event that closes every transaction that sets projections: each key with the sequence number and
    /// SHA-256 of the value it was given, so <see cref="JournalVerifier"/> can rebuild the state table from the
    /// chain and name a row that was deleted, edited or added behind the journal's back.
    /// </summary>
    public const string ProjectedType = "journal.projected";

    public const string ProjectedStream = "journal";

    private readonly SqliteConnection connection;
    private readonly TimeProvider time;
    private readonly HashSet<string> storedBlobs = new(StringComparer.Ordinal);

    private JournalStore(string path, SqliteConnection connection, TimeProvider time)
    {
        Path = path;
        this.connection = connection;
        this.time = time;
    }

    public string Path { get; }

    /// <summary>Creates the journal at <paramref name="path"/> (and its folder), or opens it when it is one already.</summary>
    /// <exception cref="JournalException">The file exists and is not a RulesGate journal.</exception>
    public static JournalStore Create(string path, TimeProvider? time = null)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        return Connect(path, SqliteOpenMode.ReadWriteCreate, time);
    }

    /// <summary>Opens the existing journal at <paramref name="path"/>; only <see cref="Create"/> makes one.</summary>
    /// <param name="readOnly">Open it for reading only: nothing is written, and a read-only file is enough.</param>
    /// <exception cref="JournalException">There is no file at <paramref name="path"/>, or it is not a RulesGate journal.</exception>
    public static JournalStore Open(string path, TimeProvider? time = null, bool readOnly = false)
    {
        if (!File.Exists(path))
        {
            throw JournalException.NoJournal(path);
        }

        return Connect(path, readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite, time);
    }

    private const int ReadOnlyDatabase = 8;    // SQLITE_READONLY
    private const int CannotOpen = 14;         // SQLITE_CANTOPEN

    // Reads both tables (a query that only prepares would not touch the file), so a journal that cannot be read fails here.
    private const string ReadCheck = "PRAGMA busy_timeout=5000; SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM state);";

    private static JournalStore Connect(string path, SqliteOpenMode mode, TimeProvider? time)
    {
        // A WAL journal needs its shared-memory file beside it even to be read; where this user may not write the
        // file or its folder, it is read as an immutable file instead.
        var full = System.IO.Path.GetFullPath(path);
        if (mode == SqliteOpenMode.ReadOnly && !(MayWrite(full) && MayWrite(System.IO.Path.GetDirectoryName(full)!)))
        {
            return OpenImmutable(path, time);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        try
        {
            connection.Open();

            // Only a journal, or a file with nothing in it yet, is taken: another program's database is never changed.
            if (mode != SqliteOpenMode.ReadWriteCreate || HasTables(connection))
            {
                Query(connection, ReadCheck);
            }

            if (mode != SqliteOpenMode.ReadOnly)
            {
                Execute(connection, """
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                PRAGMA busy_timeout=5000;
                CREATE TABLE IF NOT EXISTS events (
                    seq INTEGER PRIMARY KEY, stream TEXT NOT NULL, type TEXT NOT NULL, time TEXT NOT NULL,
                    payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS events_stream ON events(stream, seq);
                CREATE TABLE IF NOT EXISTS blobs (hash TEXT PRIMARY KEY, bytes BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL, seq INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS diary (
                    entry_id TEXT PRIMARY KEY, policy_id TEXT NOT NULL, recorded_at TEXT NOT NULL, stage INTEGER NOT NULL,
                    severity INTEGER NOT NULL, forced INTEGER NOT NULL, regime TEXT, seq INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS diary_policy_time ON diary(policy_id, recorded_at, seq, stage, severity, forced);
                CREATE INDEX IF NOT EXISTS diary_policy_stage ON diary(policy_id, stage, recorded_at, seq, severity, forced);
                """);
            }
        }
        catch (SqliteException error)
        {
            connection.Dispose();
            throw error.SqliteErrorCode is ReadOnlyDatabase or CannotOpen && File.Exists(path)
                ? JournalException.Missing($"{path} cannot be written here (the file or its folder is read-only), and this command writes to the journal; read commands (verify, replay, show, status, list) still work.")
                : JournalException.NotAJournal(path, error);
        }

        return new JournalStore(path, connection, time ?? TimeProvider.System);
    }

    /// <summary>
    /// Opens the journal as a file nothing writes: no shared memory, no WAL, nothing written beside it; exact when
    /// nothing else can write it either, and refused while its WAL holds writes not yet folded into the file.
    /// </summary>
    internal static JournalStore OpenImmutable(string path, TimeProvider? time)
    {
        var full = System.IO.Path.GetFullPath(path);
        var wal = new FileInfo(full + "-wal");
        if (wal.Exists && wal.Length > 0)
        {
            throw JournalException.Missing($"{path} is read-only here but has writes in {wal.Name} not yet folded into it; open it once where it can be written (any read-write command does), then read it here.");
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = new Uri(full).AbsoluteUri + "?immutable=1", Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Query(connection, ReadCheck);
        }
        catch (SqliteException error)
        {
            connection.Dispose();
            throw JournalException.NotAJournal(path, error);
        }

        return new JournalStore(path, connection, time ?? TimeProvider.System);
    }

    /// <summary>Appends the entries in one durable transaction, with <paramref name="project"/> run inside it.</summary>
    /// <param name="blobs">Content to keep once per hash (rule files by their SHA-256), in the same transaction.</param>
    /// <param name="project">Updates projections from the appended events; it runs before the commit.</param>
    public IReadOnlyList<JournalEvent> Append(
        IReadOnlyList<JournalEntry> entries,
        IReadOnlyList<KeyValuePair<string, byte[]>>? blobs = null,
        Action<JournalTransaction, IReadOnlyList<JournalEvent>>? project = null)
    {
        foreach (var entry in entries)
        {
            Check("stream", entry.Stream);
            Check("type", entry.Type);
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        var (seq, previous) = Head(transaction);
        var stamp = Timestamp(time.GetUtcNow());
        var appended = new List<JournalEvent>(entries.Count);
        using var insert = Command(transaction, "INSERT INTO events (seq, stream, type, time, payload, prev_hash, hash) VALUES ($seq, $stream, $type, $time, $payload, $prev, $hash)");
        var parameters = new[]
        {
            insert.Parameters.Add("$seq", SqliteType.Integer),
            insert.Parameters.Add("$stream", SqliteType.Text),
            insert.Parameters.Add("$type", SqliteType.Text),
            insert.Parameters.Add("$time", SqliteType.Text),
            insert.Parameters.Add("$payload", SqliteType.Text),
            insert.Parameters.Add("$prev", SqliteType.Text),
            insert.Parameters.Add("$hash", SqliteType.Text),
        };
        insert.Prepare();
        JournalEvent Insert(string stream, string type, string payload)
        {
            seq++;
            var added = new JournalEvent(seq, stream, type, stamp, payload, previous, JournalEvent.HashOf(previous, seq, stream, type, stamp, payload));
            parameters[0].Value = seq;
            parameters[1].Value = added.Stream;
            parameters[2].Value = added.Type;
            parameters[3].Value = added.Time;
            parameters[4].Value = added.Payload;
            parameters[5].Value = added.PrevHash;
            parameters[6].Value = added.Hash;
            insert.ExecuteNonQuery();
            previous = added.Hash;
            return added;
        }

        foreach (var entry in entries)
        {
            appended.Add(Insert(entry.Stream, entry.Type, entry.Payload));
        }

        foreach (var (hash, bytes) in blobs ?? [])
        {
            if (!storedBlobs.Contains(hash))
            {
                using var blob = Command(transaction, "INSERT OR IGNORE INTO blobs (hash, bytes) VALUES ($hash, $bytes)");
                blob.Parameters.AddWithValue("$hash", hash);
                blob.Parameters.AddWithValue("$bytes", bytes);
                blob.ExecuteNonQuery();
            }
        }

        var scope = new JournalTransaction(transaction);
        project?.Invoke(scope, appended);
        if (scope.Sets.Count > 0)
        {
            Insert(ProjectedStream, ProjectedType, ProjectedPayload(scope.Sets));
        }

        if (appended.Count > 0)
        {
            scope.SetUnrecorded(HeadKey, string.Create(CultureInfo.InvariantCulture, $"{seq} {previous}"), seq);
        }

        transaction.Commit();
        foreach (var (hash, _) in blobs ?? [])
        {
            storedBlobs.Add(hash);
        }

        return appended;
    }

    /// <summary>Every event in order, optionally of one stream.</summary>
    public IEnumerable<JournalEvent> Read(string? stream = null, string? type = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, stream, type, time, payload, prev_hash, hash FROM events"
            + " WHERE ($stream IS NULL OR stream = $stream) AND ($type IS NULL OR type = $type) ORDER BY seq";
        command.Parameters.AddWithValue("$stream", (object?)stream ?? DBNull.Value);
        command.Parameters.AddWithValue("$type", (object?)type ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new JournalEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6));
        }
    }

    /// <summary>The event at <paramref name="seq"/>, or null.</summary>
    public JournalEvent? Event(long seq)
    {
        using var command = Command("SELECT seq, stream, type, time, payload, prev_hash, hash FROM events WHERE seq = $seq");
        command.Parameters.AddWithValue("$seq", seq);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new JournalEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)) : null;
    }

    /// <summary>The sequence number of the last event; 0 for an empty journal.</summary>
    public long LastSeq()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM events";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The content kept under <paramref name="hash"/>, or null.</summary>
    public byte[]? Blob(string hash)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT bytes FROM blobs WHERE hash = $hash";
        command.Parameters.AddWithValue("$hash", hash);
        return command.ExecuteScalar() as byte[];
    }

    /// <summary>A projection's current value, or null.</summary>
    public string? State(string key) => StateWithSeq(key)?.Value;

    /// <summary>A projection's value and the sequence number of the event that last set it (its version), or null.</summary>
    public (string Value, long Seq)? StateWithSeq(string key)
    {
        using var command = Command("SELECT value, seq FROM state WHERE key = $key");
        command.Parameters.AddWithValue("$key", key);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetInt64(1)) : null;
    }

    /// <summary>A projection: its key, value and the sequence number of the event that last set it.</summary>
    public sealed record Projection(string Key, string Value, long Seq);

    /// <summary>Every projection whose key starts with <paramref name="prefix"/>, by key.</summary>
    public IReadOnlyList<Projection> States(string prefix)
    {
        using var command = Command("SELECT key, value, seq FROM state WHERE substr(key, 1, length($prefix)) = $prefix ORDER BY key");
        command.Parameters.AddWithValue("$prefix", prefix);
        using var reader = command.ExecuteReader();
        var states = new List<Projection>();
        while (reader.Read())
        {
            states.Add(new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }

        return states;
    }

    /// <summary>A read outside any append, for projections kept in tables of their own.</summary>
    internal SqliteCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    /// <summary>The last event's sequence number and hash as the store recorded them at its last append.</summary>
    internal (long Seq, string Hash)? RecordedHead()
    {
        var text = State(HeadKey);
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(' ');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? (seq, parts[1]) : (-1, "");
    }

    /// <summary>Every projection but the store's own bookkeeping, by key.</summary>
    internal IReadOnlyList<Projection> Projections() => [.. States("").Where(projection => projection.Key != HeadKey)];

    /// <summary>The value's fingerprint as <see cref="ProjectedType"/> events record it.</summary>
    public static string Fingerprint(string value) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)));

    private static string ProjectedPayload(IReadOnlyDictionary<string, (string Value, long Seq)> sets) => Serialization.JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("set"u8);
        foreach (var (key, (value, seq)) in sets)
        {
            writer.WriteStartObject();
            writer.WriteString("key"u8, key);
            writer.WriteNumber("seq"u8, seq);
            writer.WriteString("sha256"u8, Fingerprint(value));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty: false);

    public void Dispose() => connection.Dispose();

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private (long Seq, string Hash) Head(SqliteTransaction transaction)
    {
        using var command = Command(transaction, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : (0, JournalEvent.Genesis);
    }

    private SqliteCommand Command(SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Check(string name, string value)
    {
        if (value.Length == 0 || value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
        {
            throw JournalException.BadField(name, value);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Whether this process may write <paramref name="path"/>, as the system decides (access(2)); nothing is written to find out.</summary>
    private static bool MayWrite(string path) => OperatingSystem.IsWindows() || Access(path, 2) == 0;

    // On Linux and macOS the "ANSI" marshalling of a string is UTF-8.
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "access", CharSet = System.Runtime.InteropServices.CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true, SetLastError = true)]
    private static extern int Access(string path, int mode);

    private static bool HasTables(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master";
        return (long)command.ExecuteScalar()! > 0;
    }

    /// <summary>Runs every statement of <paramref name="sql"/> and reads every row, so each one really touches the file.</summary>
    private static void Query(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        do
        {
            while (reader.Read())
            {
            }
        }
        while (reader.NextResult());
    }
}
