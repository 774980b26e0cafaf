using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;

namespace RulesGate.Storage.Sqlite;

/// <summary>
/// The journal in one SQLite file (WAL, synchronous=FULL): an append returns only once its transaction is durable.
/// Creates and opens journals; what they hold and promise is <see cref="JournalStore"/>'s, over <see cref="SqliteStorage"/>.
/// </summary>
public static class SqliteJournal
{
    /// <summary>Where the journal lives unless told otherwise.</summary>
    public const string DefaultPath = "artifacts/rulesgate.db";

    /// <summary>The layout this version writes and reads, kept in the file's <c>user_version</c>.</summary>
    /// <remarks>
    /// Format 2 added the segments table; format 3 keeps each policy's diary figures as a projection, and diary entries
    /// in segments; format 4 indexes segments by stream and type (<c>segment_keys</c>), and a format-3 journal opened
    /// for writing is brought to it in place (<see cref="Upgrade"/>).
    /// </remarks>
    internal const int Format = 4;

    /// <summary>The earliest format this version brings to <see cref="Format"/> in place.</summary>
    private const int Upgradable = 3;

    private const int ReadOnlyDatabase = 8;    // SQLITE_READONLY
    private const int CannotOpen = 14;         // SQLITE_CANTOPEN

    // Reads a row of every table (a query that only prepares would not touch the file), so a journal that cannot be
    // read fails here; one row each, so opening costs the same however much the journal holds.
    private const string ReadCheck = "PRAGMA busy_timeout=5000; SELECT (SELECT count(*) FROM (SELECT 1 FROM events LIMIT 1)) + (SELECT count(*) FROM (SELECT 1 FROM segments LIMIT 1)) + (SELECT count(*) FROM (SELECT 1 FROM blobs LIMIT 1)) + (SELECT count(*) FROM (SELECT 1 FROM projections LIMIT 1)) + (SELECT count(*) FROM head) + (SELECT count(*) FROM (SELECT 1 FROM diary LIMIT 1));";


    // cache_size: up to 64 MB of pages kept by the connection (filled only as pages are read). With SQLite's default of
    // 2 MB a commit on a journal of a few hundred thousand decisions read about ten pages back from the file, and the
    // order path's p99 at 500 requests/s grew from about 3 ms on an empty journal to 6.3–8.8 ms on a 20 MB one; with
    // it, 3.4–7.1 ms there, median 4.0 (four runs each, alternating, bench serve; issue 28).
    private static readonly string Schema = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"""
        PRAGMA journal_mode=WAL;
        PRAGMA synchronous=FULL;
        PRAGMA busy_timeout=5000;
        PRAGMA cache_size=-65536;
        BEGIN IMMEDIATE;
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY, stream TEXT NOT NULL, type TEXT NOT NULL, time TEXT NOT NULL,
            payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS events_stream ON events(stream, seq);
        CREATE INDEX IF NOT EXISTS events_type ON events(type, seq);
        CREATE TABLE IF NOT EXISTS segments (
            first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, count INTEGER NOT NULL,
            streams TEXT NOT NULL, types TEXT NOT NULL, last_hash TEXT NOT NULL, body BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS segment_keys (key TEXT NOT NULL, first_seq INTEGER NOT NULL, PRIMARY KEY (key, first_seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS blobs (hash TEXT PRIMARY KEY, bytes BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS projections (
            projection TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL, seq INTEGER NOT NULL,
            PRIMARY KEY (projection, id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS head (one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS diary (
            entry_id TEXT PRIMARY KEY, policy_id TEXT NOT NULL, recorded_at TEXT NOT NULL, stage INTEGER NOT NULL,
            severity INTEGER NOT NULL, forced INTEGER NOT NULL, regime TEXT, seq INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS diary_policy_time ON diary(policy_id, recorded_at, seq);
        PRAGMA user_version = {Format};
        COMMIT;
        """);

    /// <summary>Creates the journal at <paramref name="path"/> (and its folder), or opens it when it is one already.</summary>
    /// <exception cref="JournalException">The file exists and is not a RulesGate journal of this format.</exception>
    public static JournalStore Create(string path, TimeProvider? time = null)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        return new JournalStore(Connect(path, SqliteOpenMode.ReadWriteCreate), time);
    }

    /// <summary>Opens the existing journal at <paramref name="path"/>; only <see cref="Create"/> makes one.</summary>
    /// <param name="readOnly">Open it for reading only: nothing is written, and a read-only file is enough.</param>
    /// <exception cref="JournalException">There is no file at <paramref name="path"/>, or it is not a RulesGate journal of this format.</exception>
    public static JournalStore Open(string path, TimeProvider? time = null, bool readOnly = false)
    {
        if (!File.Exists(path))
        {
            throw JournalException.NoJournal(path);
        }

        return new JournalStore(Connect(path, readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite), time);
    }

    internal static SqliteStorage Connect(string path, SqliteOpenMode mode)
    {
        // A WAL journal needs its shared-memory file beside it even to be read; where this user may not write the
        // file or its folder, it is read as an immutable file instead.
        var full = Path.GetFullPath(path);
        if (mode == SqliteOpenMode.ReadOnly && !(MayWrite(full) && MayWrite(Path.GetDirectoryName(full)!)))
        {
            return OpenImmutable(path);
        }

        // A write that finds the lock held waits the busy timeout (5 s) once, not again and again for the driver's 30 s default.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 5 }.ToString());
        int? upgradedFrom = null;
        try
        {
            connection.Open();

            // Only a journal of this format, or a file with nothing in it yet, is taken: another program's database is never changed.
            var empty = mode == SqliteOpenMode.ReadWriteCreate && !HasTables(connection);
            if (!empty)
            {
                if (mode != SqliteOpenMode.ReadOnly && Version(connection) == Upgradable && Upgrade(connection))
                {
                    upgradedFrom = Upgradable;
                }

                CheckFormat(connection, path);
                Query(connection, ReadCheck);
            }

            if (mode != SqliteOpenMode.ReadOnly)
            {
                Execute(connection, Schema);
            }
        }
        catch (SqliteException error)
        {
            connection.Dispose();
            throw error.SqliteErrorCode is ReadOnlyDatabase or CannotOpen && File.Exists(path)
                ? JournalException.Missing($"{path} cannot be written here (the file or its folder is read-only), and this command writes to the journal; read commands (verify, replay, show, status, list) still work.")
                : JournalException.NotAJournal(path, error);
        }
        catch (JournalException)
        {
            connection.Dispose();
            throw;
        }

        return new SqliteStorage(path, connection) { UpgradedFrom = upgradedFrom };
    }

    /// <summary>
    /// Opens the journal as a file nothing writes: no shared memory, no WAL, nothing written beside it; exact when
    /// nothing else can write it either, and refused while its WAL holds writes not yet folded into the file.
    /// </summary>
    internal static SqliteStorage OpenImmutable(string path)
    {
        var full = Path.GetFullPath(path);
        var wal = new FileInfo(full + "-wal");
        if (wal.Exists && wal.Length > 0)
        {
            throw JournalException.Missing($"{path} is read-only here but has writes in {wal.Name} not yet folded into it; open it once where it can be written (any read-write command does), then read it here.");
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = new Uri(full).AbsoluteUri + "?immutable=1", Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        try
        {
            connection.Open();
            CheckFormat(connection, path);
            Query(connection, ReadCheck);
        }
        catch (SqliteException error)
        {
            connection.Dispose();
            throw JournalException.NotAJournal(path, error);
        }
        catch (JournalException)
        {
            connection.Dispose();
            throw;
        }

        return new SqliteStorage(path, connection);
    }

    /// <summary>
    /// Brings a format-3 journal to format 4 in one transaction: the segment index, filled from the segments' rows
    /// (which <c>journal verify</c> checks against their bodies, and the index against them). Nothing else changes.
    /// </summary>
    /// <returns>Whether this call upgraded it (not another process meanwhile).</returns>
    private static bool Upgrade(SqliteConnection connection)
    {
        Execute(connection, "PRAGMA busy_timeout=5000;");
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var tables = connection.CreateCommand())
        {
            // Only a RulesGate journal is changed (another program's database may say 3 too), and only once: another
            // process may have upgraded it meanwhile.
            tables.Transaction = transaction;
            tables.CommandText = $"SELECT (SELECT user_version FROM pragma_user_version) = {Upgradable} AND (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('events', 'segments', 'blobs', 'projections', 'head', 'diary')) = 6";
            if ((long)tables.ExecuteScalar()! != 1)
            {
                return false;
            }
        }

        using (var create = connection.CreateCommand())
        {
            create.Transaction = transaction;
            create.CommandText = "CREATE TABLE segment_keys (key TEXT NOT NULL, first_seq INTEGER NOT NULL, PRIMARY KEY (key, first_seq)) WITHOUT ROWID";
            create.ExecuteNonQuery();
        }

        var rows = new List<(long First, string Streams, string Types)>();
        using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT first_seq, streams, types FROM segments";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        foreach (var (first, streams, types) in rows)
        {
            Index(connection, transaction, first, StoredSegment.KeysOf(streams, types));
        }

        using (var version = connection.CreateCommand())
        {
            version.Transaction = transaction;
            version.CommandText = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"PRAGMA user_version = {Format}");
            version.ExecuteNonQuery();
        }

        transaction.Commit();
        return true;
    }

    /// <summary>Lists the segment from <paramref name="first"/> in the segment index under each of <paramref name="keys"/>.</summary>
    internal static void Index(SqliteConnection connection, SqliteTransaction transaction, long first, IEnumerable<string> keys)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO segment_keys (key, first_seq) VALUES ($key, $first)";
        var key = command.Parameters.Add("$key", SqliteType.Text);
        command.Parameters.AddWithValue("$first", first);
        foreach (var each in keys)
        {
            key.Value = each;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>A journal of an earlier layout is named as one, never read as if it were this one.</summary>
    private static void CheckFormat(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();
        var version = Version(connection);
        if (version != Format)
        {
            command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'";
            var journal = (long)command.ExecuteScalar()! > 0;
            throw journal && version == Upgradable ? JournalException.Missing($"{path} is a journal of format {version}, which this RulesGate reads once it has brought it to format {Format} in place; open it once for writing ('rulesgate journal init --journal {path}' does, changing nothing else).")
                : journal && version < Format ? JournalException.Missing($"{path} is a journal of an earlier RulesGate (format {version}; this one reads format {Format}); keep it for reference and create a new one with 'rulesgate journal init --journal NEW.db'.")
                : journal && version > Format ? JournalException.Missing($"{path} is a journal of a newer RulesGate (format {version}; this one reads format {Format}); use that RulesGate to read it, nothing was changed.")
                : JournalException.NotAJournal(path, new FormatException($"format {version}, expected {Format}"));
        }
    }

    private static long Version(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
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

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
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
