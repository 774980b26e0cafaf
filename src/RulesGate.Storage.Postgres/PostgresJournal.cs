using Npgsql;
using RulesGate.Core.Journal;

namespace RulesGate.Storage.Postgres;

/// <summary>
/// The journal in a PostgreSQL database, for desks where several RulesGate nodes and operators share one chain:
/// appends are serialized by the database (a transaction-scoped advisory lock), not by a process, and a commit
/// returns once the server has made it durable (synchronous_commit). Creates and opens journals; what they hold
/// and promise is <see cref="JournalStore"/>'s, over <see cref="PostgresStorage"/>.
/// </summary>
public static class PostgresJournal
{
    /// <summary>The layout this version writes and reads, kept in the table <c>rulesgate_format</c>; the same number as SQLite's.</summary>
    /// <remarks>Format 4 indexes segments by stream and type (<c>segment_keys</c>); a format-3 journal opened for writing is brought to it in place.</remarks>
    internal const int Format = 4;

    private const int Upgradable = 3;

    private const string SegmentKeys = "CREATE TABLE IF NOT EXISTS segment_keys (key TEXT COLLATE \"C\" NOT NULL, first_seq BIGINT NOT NULL, PRIMARY KEY (key, first_seq));";

    /// <summary>The advisory lock every write transaction takes first: one writer at a time across every node.</summary>
    internal const long WriteLock = 0x5275_6c65_7347_6174;   // "RulesGat"

    private static readonly string Schema = $"""
        CREATE TABLE IF NOT EXISTS rulesgate_format (one INTEGER PRIMARY KEY CHECK (one = 1), format INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS events (
            seq BIGINT PRIMARY KEY, stream TEXT COLLATE "C" NOT NULL, type TEXT COLLATE "C" NOT NULL, time TEXT COLLATE "C" NOT NULL,
            payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS events_stream ON events (stream, seq);
        CREATE INDEX IF NOT EXISTS events_type ON events (type, seq);
        CREATE TABLE IF NOT EXISTS segments (
            first_seq BIGINT PRIMARY KEY, last_seq BIGINT NOT NULL, count INTEGER NOT NULL,
            streams TEXT COLLATE "C" NOT NULL, types TEXT COLLATE "C" NOT NULL, last_hash TEXT NOT NULL, body BYTEA NOT NULL);
        {SegmentKeys}
        CREATE TABLE IF NOT EXISTS blobs (hash TEXT COLLATE "C" PRIMARY KEY, bytes BYTEA NOT NULL);
        CREATE TABLE IF NOT EXISTS projections (
            projection TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, value TEXT NOT NULL, seq BIGINT NOT NULL,
            PRIMARY KEY (projection, id));
        CREATE TABLE IF NOT EXISTS head (one INTEGER PRIMARY KEY CHECK (one = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS diary (
            entry_id TEXT COLLATE "C" PRIMARY KEY, policy_id TEXT COLLATE "C" NOT NULL, recorded_at TEXT COLLATE "C" NOT NULL,
            stage INTEGER NOT NULL, severity INTEGER NOT NULL, forced INTEGER NOT NULL, regime TEXT COLLATE "C", seq BIGINT NOT NULL);
        CREATE INDEX IF NOT EXISTS diary_policy_time ON diary (policy_id, recorded_at, seq);
        INSERT INTO rulesgate_format (one, format) VALUES (1, {Format}) ON CONFLICT (one) DO NOTHING;
        """;

    /// <summary>Whether <paramref name="journal"/> names a PostgreSQL journal: a <c>postgres://</c> URL or a connection string (<c>Host=…</c>).</summary>
    public static bool Names(string journal) =>
        journal.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || journal.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || journal.TrimStart().StartsWith("host=", StringComparison.OrdinalIgnoreCase)
        || journal.Contains(";host=", StringComparison.OrdinalIgnoreCase);

    /// <summary>Creates the journal's tables in the database (or opens it when it holds one already).</summary>
    /// <exception cref="JournalException">The server cannot be reached, or the database holds tables that are not a RulesGate journal of this format.</exception>
    public static JournalStore Create(string journal, TimeProvider? time = null) => Create(journal, out _, time);

    /// <summary>As <see cref="Create(string, TimeProvider?)"/>, saying whether the database held a journal already.</summary>
    public static JournalStore Create(string journal, out bool existed, TimeProvider? time = null)
    {
        var storage = Connect(journal, create: true, readOnly: false, out var created);
        existed = !created;
        return new(storage, time);
    }

    /// <summary>Opens the journal in the database; only <see cref="Create(string, TimeProvider?)"/> makes one.</summary>
    /// <param name="readOnly">Every transaction is read-only: nothing can be written through it.</param>
    public static JournalStore Open(string journal, TimeProvider? time = null, bool readOnly = false) => new(Connect(journal, create: false, readOnly, out _), time);

    internal static PostgresStorage Connect(string journal, bool create, bool readOnly) => Connect(journal, create, readOnly, out _);

    private static PostgresStorage Connect(string journal, bool create, bool readOnly, out bool created)
    {
        created = false;
        int? upgradedFrom = null;
        var builder = Builder(journal);
        builder.Options = readOnly ? "-c default_transaction_read_only=on" : null;
        var location = Location(builder);
        var source = NpgsqlDataSource.Create(builder);
        try
        {
            using var connection = source.OpenConnection();
            using var transaction = connection.BeginTransaction();
            if (create)
            {
                Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({WriteLock})");
            }

            var format = Scalar(connection, transaction, "SELECT to_regclass('rulesgate_format') IS NOT NULL") is true
                ? Scalar(connection, transaction, "SELECT format FROM rulesgate_format WHERE one = 1") as int?
                : null;
            if (format is null)
            {
                var tables = (long)Scalar(connection, transaction, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")!;
                if (!create || tables > 0)
                {
                    // Another program's database is never changed.
                    throw tables > 0
                        ? JournalException.Missing($"{location} is not a RulesGate journal: its database holds {tables} other {(tables == 1 ? "table" : "tables")}; give RulesGate a database of its own.")
                        : JournalException.Missing($"There is no journal in {location}; create one with 'rulesgate journal init --journal {location}', or name the right one with --journal.");
                }

                Execute(connection, transaction, Schema);
                created = true;
            }
            else if (format == Upgradable && !readOnly)
            {
                upgradedFrom = Upgrade(connection, transaction) ? Upgradable : null;
            }
            else if (format != Format)
            {
                throw JournalException.Missing(format == Upgradable
                    ? $"{location} is a journal of format {format}, which this RulesGate reads once it has brought it to format {Format} in place; open it once for writing ('rulesgate journal init --journal {location}' does, changing nothing else)."
                    : format < Format
                    ? $"{location} is a journal of an earlier RulesGate (format {format}; this one reads format {Format}); keep it for reference and create a new one in another database."
                    : $"{location} is a journal of a newer RulesGate (format {format}; this one reads format {Format}); use that RulesGate to read it, nothing was changed.");
            }

            transaction.Commit();
        }
        catch (NpgsqlException error)
        {
            source.Dispose();
            throw JournalException.Missing($"The journal {location} cannot be reached: {error.Message.TrimEnd('.')}.");
        }
        catch
        {
            source.Dispose();
            throw;
        }

        return new PostgresStorage(location, source) { UpgradedFrom = upgradedFrom };
    }

    /// <summary>
    /// Brings a format-3 journal to format 4 inside <paramref name="transaction"/>, under the write lock: the segment
    /// index, filled from the segments' rows (which <c>journal verify</c> checks against their bodies, and the index
    /// against them). Nothing else changes.
    /// </summary>
    /// <returns>Whether this call upgraded it (not another node meanwhile).</returns>
    private static bool Upgrade(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({WriteLock})");
        if (Scalar(connection, transaction, "SELECT format FROM rulesgate_format WHERE one = 1") as int? != Upgradable)
        {
            return false;
        }

        Execute(connection, transaction, SegmentKeys);
        var rows = new List<(long First, string Streams, string Types)>();
        using (var read = new NpgsqlCommand("SELECT first_seq, streams, types FROM segments", connection, transaction))
        using (var reader = read.ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        foreach (var (first, streams, types) in rows)
        {
            Index(connection, transaction, first, StoredSegment.KeysOf(streams, types));
        }

        Execute(connection, transaction, $"UPDATE rulesgate_format SET format = {Format} WHERE one = 1");
        return true;
    }

    /// <summary>Lists the segment from <paramref name="first"/> in the segment index under each of <paramref name="keys"/>.</summary>
    internal static void Index(NpgsqlConnection connection, NpgsqlTransaction transaction, long first, IEnumerable<string> keys)
    {
        using var command = new NpgsqlCommand("INSERT INTO segment_keys (key, first_seq) SELECT unnest(@keys), @first", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("keys", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = keys.ToArray() });
        command.Parameters.AddWithValue("first", first);
        command.ExecuteNonQuery();
    }

    /// <summary>The connection settings a <c>postgres://user:password@host:port/database?sslmode=…</c> URL or a connection string gives.</summary>
    /// <exception cref="JournalException">It is neither.</exception>
    internal static NpgsqlConnectionStringBuilder Builder(string journal)
    {
        if (!journal.Contains("://", StringComparison.Ordinal))
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(journal);
            }
            catch (ArgumentException error)
            {
                throw JournalException.Missing($"--journal '{Redacted(journal)}' is not a PostgreSQL connection string ({error.Message}); write Host=H;Port=P;Username=U;Database=D, or postgres://U@H:P/D.");
            }
        }

        if (!Uri.TryCreate(journal, UriKind.Absolute, out var url) || url.Scheme is not ("postgres" or "postgresql") || url.Host.Length == 0)
        {
            throw JournalException.Missing($"--journal '{Redacted(journal)}' is not a PostgreSQL URL; write postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.");
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = url.Host, Port = url.IsDefaultPort || url.Port < 0 ? 5432 : url.Port };
        var user = url.UserInfo.Split(':', 2);
        if (user[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(user[0]);
        }

        if (user.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(user[1]);
        }

        var database = Uri.UnescapeDataString(url.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (Uri.UnescapeDataString(k), Uri.UnescapeDataString(v)) : (pair, "");
            if (!key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) || !Enum.TryParse<SslMode>(value, ignoreCase: true, out var mode))
            {
                throw JournalException.Missing($"--journal: '{key}={value}' is not understood in a PostgreSQL URL; only sslmode (disable, prefer, require, verify-ca, verify-full) is, or write a connection string.");
            }

            builder.SslMode = mode;
        }

        return builder;
    }

    /// <summary>How messages name the journal: a URL without its password.</summary>
    internal static string Location(NpgsqlConnectionStringBuilder builder) =>
        $"postgres://{(builder.Username is { Length: > 0 } user ? Uri.EscapeDataString(user) + "@" : "")}{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";

    private static string Redacted(string journal) =>
        System.Text.RegularExpressions.Regex.Replace(journal, @"(?i)(password\s*=\s*)[^;]*|(?<=://[^:/@]*:)[^@]*(?=@)", match => match.Groups[1].Success ? match.Groups[1].Value + "***" : "***");

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    private static object? Scalar(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        return command.ExecuteScalar();
    }
}
