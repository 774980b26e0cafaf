using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Core.Tests.Support;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Core.Tests.Journal;

public sealed class JournalStoreTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-journal-").FullName;

    private string DbPath => Path.Combine(folder, "journal.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private JournalStore Filled(int events)
    {
        var store = SqliteJournal.Create(DbPath);
        for (var i = 1; i <= events; i++)
        {
            store.Append([new JournalEntry("s", "t", $$"""{"n":{{i}}}""")]);
        }

        return store;
    }

    private void Tamper(string sql) => Sql.Tamper(DbPath, sql);

    [Fact]
    public void Append_ChainsEachEventToThePreviousOne()
    {
        using var store = Filled(3);

        var events = store.Read().ToList();

        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Seq));
        Assert.Equal(JournalEvent.Genesis, events[0].PrevHash);
        Assert.Equal(events[0].Hash, events[1].PrevHash);
        Assert.All(events, e => Assert.Equal(e.ComputeHash(), e.Hash));
        Assert.True(JournalVerifier.Verify(store).Intact);
    }

    [Fact]
    public void Verify_AlteredPayload_NamesTheAlteredEvent()
    {
        Filled(5).Dispose();
        Tamper("UPDATE events SET payload = '{\"n\":99}' WHERE seq = 3");

        using var store = SqliteJournal.Create(DbPath);
        var result = JournalVerifier.Verify(store);

        Assert.Equal(3, result.BrokenAt);
        Assert.Contains("altered", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RemovedRow_NamesTheMissingEvent()
    {
        Filled(5).Dispose();
        Tamper("DELETE FROM events WHERE seq = 2");

        using var store = SqliteJournal.Create(DbPath);
        var result = JournalVerifier.Verify(store);

        Assert.Equal(2, result.BrokenAt);
        Assert.Contains("removed", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_InsertedRow_NamesTheFirstLinkThatDoesNotHold()
    {
        Filled(5).Dispose();
        Tamper("UPDATE events SET seq = seq + 10 WHERE seq >= 3");
        Tamper("INSERT INTO events VALUES (3, 's', 't', '2026-01-01T00:00:00Z', '{}', 'forged', 'forged')");

        using var store = SqliteJournal.Create(DbPath);
        var result = JournalVerifier.Verify(store);

        Assert.Equal(3, result.BrokenAt);
        Assert.False(result.Intact);
    }

    [Fact]
    public void Verify_TruncatedTail_IsDetectedFromTheRecordedHead()
    {
        Filled(5).Dispose();
        Tamper("DELETE FROM events WHERE seq = 5");

        using var store = SqliteJournal.Create(DbPath);
        var result = JournalVerifier.Verify(store);

        Assert.Equal(4, result.Events);
        Assert.Contains("removed from the end", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_ProjectionChangesInTheSameTransaction()
    {
        using var store = SqliteJournal.Create(DbPath);

        store.Append([new JournalEntry("k", "set", "{}")], project: (scope, events) => scope.Store("p", "key", "value", events[^1].Seq));
        var failed = Assert.Throws<InvalidOperationException>(() =>
            store.Append([new JournalEntry("k", "set", "{}")], project: (scope, _) =>
            {
                scope.Store("p", "key", "lost", 2);
                throw new InvalidOperationException("projection failed");
            }));

        Assert.Equal("projection failed", failed.Message);
        Assert.Equal("value", store.Load("p", "key")?.Value);
        Assert.Single(store.Read(type: "set"));
        Assert.Single(store.Read(type: JournalStore.ProjectedType));
    }

    [Fact]
    public void Append_MultiLineStream_IsRefused()
    {
        using var store = SqliteJournal.Create(DbPath);

        Assert.Throws<JournalException>(() => store.Append([new JournalEntry("a\nb", "t", "{}")]));
    }

    [Fact]
    public async Task Writer_AcknowledgesEveryEntryOnlyOnceDurable()
    {
        var writer = new JournalWriter(SqliteJournal.Create(DbPath), maxBatch: 64);
        var acks = Enumerable.Range(1, 500).Select(i => writer.Append(new JournalEntry("w", "t", $$"""{"n":{{i}}}"""))).ToList();
        var events = await Task.WhenAll(acks);
        await writer.DisposeAsync();

        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), events.Select(e => e.Seq));
        using var store = SqliteJournal.Create(DbPath);
        Assert.Equal(500, store.Read().Count());
        Assert.True(JournalVerifier.Verify(store).Intact);
    }

    [Fact]
    public async Task Writer_ExclusiveWork_RunsAloneAfterWhatWasQueuedBefore_AndLaterBatchesChainAfterIt()
    {
        var writer = new JournalWriter(SqliteJournal.Create(DbPath), maxBatch: 16);
        var before = Enumerable.Range(1, 40).Select(i => writer.Append(new JournalEntry("w", "t", $$"""{"n":{{i}}}"""))).ToList();
        var alone = writer.Exclusively(store => (Seen: store.LastSeq(), Appended: store.Append([new JournalEntry("x", "alone", "{}")])[0].Seq));
        var failing = writer.Exclusively<int>(_ => throw new FormatException("refused"));
        var after = Enumerable.Range(41, 40).Select(i => writer.Append(new JournalEntry("w", "t", $$"""{"n":{{i}}}"""))).ToList();
        await Task.WhenAll(before.Concat(after));
        var (seen, appended) = await alone;
        await writer.DisposeAsync();

        Assert.Equal(40, seen);                 // everything queued before it was committed
        Assert.Equal(41, appended);
        Assert.Equal("refused", (await Assert.ThrowsAsync<FormatException>(() => failing)).Message);
        Assert.Equal(Enumerable.Range(42, 40).Select(i => (long)i), after.Select(task => task.Result.Seq));
        using var store = SqliteJournal.Create(DbPath);
        Assert.True(JournalVerifier.Verify(store).Intact);
    }

    [Fact]
    public async Task Writer_MoreEntriesThanItsQueueHolds_WaitsAndLosesNone()
    {
        var writer = new JournalWriter(SqliteJournal.Create(DbPath), maxBatch: 2);   // the queue holds 8
        var acks = Enumerable.Range(1, 100).Select(i => writer.Append(new JournalEntry("w", "t", $$"""{"n":{{i}}}"""))).ToList();
        await Task.WhenAll(acks);
        await writer.DisposeAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.Append(new JournalEntry("w", "t", "{}")));
        using var store = SqliteJournal.Create(DbPath);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => $$"""{"n":{{i}}}"""), store.Read().Select(e => e.Payload));
    }

    [Fact]
    public void Open_FileThatIsNotAJournal_SaysSo()
    {
        File.WriteAllText(DbPath, "this is not a database, just text that is long enough to be read as a header");

        var error = Assert.Throws<JournalException>(() => SqliteJournal.Create(DbPath));

        Assert.Contains("not a RulesGate journal", error.Message, StringComparison.Ordinal);
    }
}
