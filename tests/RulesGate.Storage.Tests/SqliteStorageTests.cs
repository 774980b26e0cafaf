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

    public override void Dispose()
    {
        base.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
