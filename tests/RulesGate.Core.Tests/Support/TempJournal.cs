using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Core.Tests.Support;

/// <summary>A journal in a folder of its own, deleted with the test.</summary>
public sealed class TempJournal : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-test-").FullName;

    public TempJournal() => Store = SqliteJournal.Create(Path);

    public string Path => System.IO.Path.Combine(folder, "journal.db");

    public JournalStore Store { get; }

    public void Dispose()
    {
        Store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
