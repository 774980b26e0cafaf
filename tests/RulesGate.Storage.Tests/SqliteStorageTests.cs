using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Storage.Tests;

/// <summary>The contract on SQLite: a journal file in a folder of its own.</summary>
public sealed class SqliteStorageTests : JournalStorageContract
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-storage-").FullName;

    private string DbPath => Path.Combine(folder, "journal.db");

    protected override IJournalStorage CreateEmpty() => SqliteJournal.Connect(DbPath, SqliteOpenMode.ReadWriteCreate);

    protected override IJournalStorage Reopen() => SqliteJournal.Connect(DbPath, SqliteOpenMode.ReadOnly);

    [Fact]
    public void Probe_OfAJournalOpenedReadOnly_OrWhoseWriteLockIsHeld_Fails()
    {
        using var writable = CreateEmpty();
        using var readOnly = Reopen();
        Assert.ThrowsAny<SqliteException>(readOnly.Probe);

        // Another process holds the write lock past the busy timeout: a write now would fail, and so does the probe.
        using var holder = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString());
        holder.Open();
        using (var command = holder.CreateCommand())
        {
            command.CommandText = "PRAGMA busy_timeout=0; BEGIN IMMEDIATE;";
            command.ExecuteNonQuery();
        }

        using var other = SqliteJournal.Connect(DbPath, SqliteOpenMode.ReadWrite);
        Assert.ThrowsAny<SqliteException>(other.Probe);         // after the journal's busy timeout of 5 s
        Assert.Equal(["journal.db", "journal.db-shm", "journal.db-wal"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    public override void Dispose()
    {
        base.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
