using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Core.Tests.Support;

/// <summary>A journal in a folder of its own (with room beside it for artifacts), deleted with the test.</summary>
public sealed class TempJournal : IDisposable
{
    public TempJournal(TimeProvider? time = null) => Store = SqliteJournal.Create(Path, time);

    /// <summary>The test's own folder: the journal is in it, and anything else the test writes may be.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("rulesgate-test-").FullName;

    public string Path => System.IO.Path.Combine(Folder, "journal.db");

    public JournalStore Store { get; }

    public void Dispose()
    {
        Store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
    }
}
