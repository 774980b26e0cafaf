using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;

namespace RulesGate.Storage.Tests;

/// <summary>
/// What every storage adapter promises Core, written once against the port: an adapter's test class derives
/// from this one and says how to make and reopen an empty journal.
/// </summary>
public abstract class JournalStorageContract : IDisposable
{
    private readonly List<IJournalStorage> opened = [];

    /// <summary>A new, empty journal of the adapter under test.</summary>
    protected abstract IJournalStorage CreateEmpty();

    /// <summary>The journal <see cref="CreateEmpty"/> made, opened again by a new connection.</summary>
    protected abstract IJournalStorage Reopen();

    public virtual void Dispose()
    {
        foreach (var storage in opened)
        {
            storage.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    private IJournalStorage Empty() => Track(CreateEmpty());

    private IJournalStorage Again() => Track(Reopen());

    private IJournalStorage Track(IJournalStorage storage)
    {
        opened.Add(storage);
        return storage;
    }

    private static JournalEvent Event(long seq, string stream = "s", string type = "t", string payload = "{}", string prev = JournalEvent.Genesis) =>
        new(seq, stream, type, "2026-03-01T00:00:00.0000000Z", payload, prev, $"hash-{seq}");

    private static void Commit(IJournalStorage storage, Action<IStorageTransaction> write)
    {
        using var transaction = storage.BeginWrite();
        write(transaction);
        transaction.Commit();
    }

    private static DiaryRow Row(string id, long seq, int hour, PromotionStage stage = PromotionStage.Paper, DiarySeverity severity = DiarySeverity.Normal, bool forced = false, string? regime = null, string policy = "alpha") =>
        new(id, policy, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).AddHours(hour), stage, severity, forced, regime, seq);

    [Fact]
    public void Range_FindsTheDocumentsBetweenItsBounds_InTheirOrder_AndNoOthers()
    {
        var storage = Empty();
        string[] ids = ["wf:a", "wf:a:2", "wf:é", "wf:😀", "wf", "wfx:a", "vf:a", "wf;a"];
        Commit(storage, transaction =>
        {
            foreach (var id in ids)
            {
                transaction.Store(new StoredProjection("workflow", id, "{}", 1));
            }

            transaction.Store(new StoredProjection("other", "wf:a", "{}", 1));
        });

        var last = char.ConvertFromUtf32(0x10FFFF);
        IEnumerable<string> Range(IJournalStorage from, string low, string high) => from.Range("workflow", low, high).Select(document => document.Id);

        // In the order of the ids' UTF-8 bytes, the adapter's own, as asked.
        Assert.Equal(["wf:a", "wf:a:2", "wf:é", "wf:😀"], Range(storage, "wf:", "wf:" + last));
        Assert.Equal(["wf:a", "wf:a:2"], Range(Again(), "wf:a", "wf:a" + last));
        Assert.Equal(["vf:a", "wf"], Range(storage, "", "wf:"));
        Assert.Empty(Range(storage, "zz", "zz" + last));
        Assert.Equal(ids.Length, storage.Range("workflow", "", last).Count);
    }

    [Fact]
    public void Probe_OfAJournalThatTakesWrites_PassesAndWritesNothing()
    {
        var storage = Empty();
        Commit(storage, transaction => transaction.Insert(Event(1)));

        storage.Probe();

        Assert.Equal(1, storage.LastSeq());
        Assert.Empty(storage.All(null));
        Assert.Equal(1, Again().LastSeq());
    }

    [Fact]
    public void Empty_HasNoEventsNoHeadAndTheGenesisHash()
    {
        var storage = Empty();

        Assert.Equal(0, storage.LastSeq());
        Assert.Empty(storage.Read(EventFilter.All));
        Assert.Null(storage.RecordedHead());
        Assert.Empty(storage.All(null));
        using var transaction = storage.BeginWrite();
        Assert.Equal((0L, JournalEvent.Genesis), transaction.Head());
    }

    [Fact]
    public void Events_ComeBackExactlyAsWrittenInSequenceOrder()
    {
        var storage = Empty();
        var written = new[]
        {
            Event(1, payload: """{"text":"Grüße, 株式, 🚀, \"quoted\""}"""),
            Event(2, stream: "run:π", type: "gate.decision", payload: new string('x', 100_000), prev: "hash-1"),
            Event(3, payload: "{}", prev: "hash-2"),
        };

        Commit(storage, transaction => Array.ForEach(written, transaction.Insert));

        Assert.Equal(written, Again().Read(EventFilter.All));
        Assert.Equal(3, storage.LastSeq());
        using var transaction = storage.BeginWrite();
        Assert.Equal((3L, "hash-3"), transaction.Head());
    }

    [Fact]
    public void Read_ByStreamTypesAndRange_ReturnsOnlyThoseInOrder()
    {
        var storage = Empty();
        Commit(storage, transaction =>
        {
            transaction.Insert(Event(1, "a", "x"));
            transaction.Insert(Event(2, "b", "y"));
            transaction.Insert(Event(3, "a", "z"));
            transaction.Insert(Event(4, "a", "y"));
            transaction.Insert(Event(5, "b", "x"));
        });

        Assert.Equal([1L, 3, 4], storage.Read(new EventFilter(Stream: "a")).Select(e => e.Seq));
        Assert.Equal([1L, 2, 4, 5], storage.Read(new EventFilter(Types: ["x", "y"])).Select(e => e.Seq));
        Assert.Equal([2L, 3, 4], storage.Read(new EventFilter(From: 2, To: 4)).Select(e => e.Seq));
        Assert.Equal([4L], storage.Read(new EventFilter("a", ["y"], 2, 5)).Select(e => e.Seq));
        Assert.Empty(storage.Read(new EventFilter(Stream: "A")));
        Assert.Empty(storage.Read(new EventFilter(From: 6)));
    }

    [Fact]
    public void StreamVersion_IsTheLastSequenceNumberOfThatStream()
    {
        var storage = Empty();
        Commit(storage, transaction =>
        {
            transaction.Insert(Event(1, "a"));
            transaction.Insert(Event(2, "b"));
            transaction.Insert(Event(3, "a"));
        });

        using var transaction = storage.BeginWrite();
        Assert.Equal(3, transaction.StreamVersion("a"));
        Assert.Equal(2, transaction.StreamVersion("b"));
        Assert.Equal(0, transaction.StreamVersion("c"));
    }

    [Fact]
    public void Rollback_LeavesNothingOfTheTransaction()
    {
        var storage = Empty();
        using (var transaction = storage.BeginWrite())
        {
            transaction.Insert(Event(1));
            transaction.PutBlob("h", [1, 2, 3]);
            transaction.Store(new StoredProjection("p", "id", "v", 1));
            transaction.AddDiary([Row("e-1", 1, 0)]);
            transaction.SetHead(1, "hash-1");
            Assert.Equal("v", transaction.Load("p", "id")?.Value);
        }

        foreach (var view in new[] { storage, Again() })
        {
            Assert.Equal(0, view.LastSeq());
            Assert.Null(view.Blob("h"));
            Assert.Null(view.Load("p", "id"));
            Assert.Empty(view.Diary.Find(["e-1"]));
            Assert.Null(view.RecordedHead());
        }
    }

    [Fact]
    public void Blobs_KeepTheFirstContentUnderAHash()
    {
        var storage = Empty();
        Commit(storage, transaction => transaction.PutBlob("h", [1, 2, 3]));
        Commit(storage, transaction => transaction.PutBlob("h", [9]));

        Assert.Equal([1, 2, 3], Again().Blob("h"));
        Assert.Null(storage.Blob("other"));
    }

    [Fact]
    public void Projections_AreDocumentsByProjectionAndIdWithTheirVersion()
    {
        var storage = Empty();
        Commit(storage, transaction =>
        {
            transaction.Store(new StoredProjection("ledger", "alpha", "one", 1));
            transaction.Store(new StoredProjection("ledger", "alpha", "two", 2));
            Assert.Equal(new StoredProjection("ledger", "alpha", "two", 2), transaction.Load("ledger", "alpha"));
            transaction.Store(new StoredProjection("ledger", "beta", "b", 3));
            transaction.Store(new StoredProjection("killswitch", "", "k", 4));

            // A colon is part of an id, never a separator: these are two documents.
            transaction.Store(new StoredProjection("x", "a:b", "first", 5));
            transaction.Store(new StoredProjection("x:a", "b", "second", 6));
        });

        var again = Again();
        Assert.Equal(new StoredProjection("ledger", "alpha", "two", 2), again.Load("ledger", "alpha"));
        Assert.Equal("k", again.Load("killswitch", "")?.Value);
        Assert.Null(again.Load("ledger", "ALPHA"));
        Assert.Null(again.Load("ledger", "gamma"));
        Assert.Equal(["alpha", "beta"], again.All("ledger").Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.Equal("first", again.Load("x", "a:b")?.Value);
        Assert.Equal("second", again.Load("x:a", "b")?.Value);
        Assert.Equal(5, again.All(null).Count);
    }

    [Fact]
    public void Projections_DeletedDocumentsAreGone()
    {
        var storage = Empty();
        Commit(storage, transaction =>
        {
            transaction.Store(new StoredProjection("outbox", "1", "a", 1));
            transaction.Store(new StoredProjection("outbox", "2", "b", 2));
        });
        Commit(storage, transaction =>
        {
            transaction.Delete("outbox", "1");
            transaction.Delete("outbox", "never");
            Assert.Null(transaction.Load("outbox", "1"));
        });

        Assert.Null(Again().Load("outbox", "1"));
        Assert.Equal(["2"], Again().All("outbox").Select(d => d.Id));
    }

    [Fact]
    public void JournalStore_DeletedProjectionStillVerifies_AndOneRestoredBehindItsBackDoesNot()
    {
        var storage = CreateEmpty();
        using var store = new JournalStore(storage);
        store.Append([new JournalEntry("a", "t", "{}")], project: (scope, events) => scope.Store("outbox", "1", "pending", events[0].Seq));
        store.Append([new JournalEntry("a", "done", "{}")], project: (scope, events) => scope.Delete("outbox", "1", events[0].Seq));
        Assert.True(JournalVerifier.Verify(store).Intact, JournalVerifier.Verify(store).Problem);

        // Written through the port, beside the journal: no event records it.
        Commit(storage, transaction => transaction.Store(new StoredProjection("outbox", "1", "pending", 1)));

        var verification = JournalVerifier.Verify(store);
        Assert.False(verification.Intact);
        Assert.Contains("projection 'outbox:1'", verification.Problem, StringComparison.Ordinal);
        Assert.Contains("added", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Head_IsWhatTheLastAppendRecorded()
    {
        var storage = Empty();
        Commit(storage, transaction => transaction.SetHead(1, "hash-1"));
        Commit(storage, transaction => transaction.SetHead(7, "hash-7"));

        Assert.Equal((7L, "hash-7"), Again().RecordedHead());
    }

    [Fact]
    public void Diary_FindsEntriesAndReturnsRowsExactlyInSequenceOrder()
    {
        var storage = Empty();
        var rows = new[] { Row("e-1", 1, 0, regime: "calm"), Row("e-2", 2, 1, PromotionStage.Pilot, DiarySeverity.Alert, forced: true), Row("e-3", 3, 2) with { RecordedAt = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1) } };
        Commit(storage, transaction => transaction.AddDiary(rows));

        Assert.Equal(new Dictionary<string, long> { ["e-2"] = 2, ["e-3"] = 3 }, Again().Diary.Find(["e-2", "E-2", "e-3", "e-9"]));
        Assert.Empty(storage.Diary.Find([]));
        Assert.Equal(rows, Again().Diary.Rows());
    }

    [Fact]
    public void DiaryRows_OfOnePolicy_ComeByTimeThenSequence_InsideTheTransactionAndAfter()
    {
        var storage = Empty();
        Commit(storage, transaction => transaction.AddDiary([Row("e-1", 1, 5), Row("e-2", 2, 1, policy: "beta")]));
        var late = new[] { Row("e-3", 3, 2), Row("e-4", 4, 5), Row("e-5", 5, 0) };
        using (var transaction = storage.BeginWrite())
        {
            transaction.AddDiary(late);

            Assert.Equal(["e-5", "e-3", "e-1", "e-4"], transaction.DiaryRows("alpha").Select(row => row.EntryId));
            transaction.Commit();
        }

        Assert.Equal(["e-5", "e-3", "e-1", "e-4"], Again().Diary.Rows("alpha").Select(row => row.EntryId));
        Assert.Equal(["e-2"], storage.Diary.Rows("beta").Select(row => row.EntryId));
        Assert.Empty(storage.Diary.Rows("nobody"));
    }

    [Fact]
    public void DiaryMetrics_CountPerStageOverTheWindow()
    {
        var storage = Empty();
        Commit(storage, transaction => transaction.AddDiary(
        [
            Row("e-1", 1, 0),
            Row("e-2", 2, 1, severity: DiarySeverity.Warn),
            Row("e-3", 3, 2, forced: true),
            Row("e-4", 4, 3, PromotionStage.Pilot, DiarySeverity.Alert),
            Row("e-5", 5, 4, PromotionStage.Pilot),
            Row("x-1", 6, 5, policy: "beta"),
        ]));

        var all = storage.Diary.Metrics("alpha", DiaryWindow.All);
        Assert.Equal(5, all.Overall.Total);
        Assert.Equal(new StageMetrics(3, 1, 2, 1, 0, Hour(0), Hour(2)), all.Stages[PromotionStage.Paper]);
        Assert.Equal(new StageMetrics(2, 0, 1, 0, 1, Hour(3), Hour(4)), all.Stages[PromotionStage.Pilot]);
        Assert.Equal(PromotionStage.Pilot, all.LatestStage);

        // (From, To]: the entry at From is out, the one at To is in.
        var window = storage.Diary.Metrics("alpha", new DiaryWindow(Hour(1), Hour(3)));
        Assert.Equal(2, window.Overall.Total);
        Assert.Equal(1, window.Stages[PromotionStage.Paper].Total);
        Assert.Equal(1, window.Stages[PromotionStage.Pilot].Total);

        Assert.Equal(0, storage.Diary.Metrics("nobody", DiaryWindow.All).Overall.Total);
        Assert.Null(storage.Diary.Metrics("nobody", DiaryWindow.All).LatestStage);
    }

    [Fact]
    public void DiaryMetrics_StreakCountsBackFromTheNewestUntilABreak()
    {
        var storage = Empty();
        Commit(storage, transaction => transaction.AddDiary(
        [
            Row("e-1", 1, 0, PromotionStage.Pilot),
            Row("e-2", 2, 1, PromotionStage.Pilot, DiarySeverity.Warn),
            Row("e-3", 3, 2, PromotionStage.Pilot),
            Row("e-4", 4, 3, PromotionStage.Pilot),

            // Recorded later but stamped earlier: time decides, not arrival.
            Row("e-5", 5, -1, PromotionStage.Pilot),
        ]));

        var metrics = storage.Diary.Metrics("alpha", DiaryWindow.All);

        Assert.Equal(PromotionStage.Pilot, metrics.LatestStage);
        Assert.Equal(2, metrics.NormalStreak);
    }

    [Fact]
    public void DiaryMetrics_GreenSpanIsTheTrailingCleanPaperRunInDays()
    {
        var storage = Empty();
        Commit(storage, transaction => transaction.AddDiary(
        [
            Row("e-1", 1, 0),
            Row("e-2", 2, 24, severity: DiarySeverity.Alert),
            Row("e-3", 3, 48),
            Row("e-4", 4, 60, PromotionStage.Pilot, DiarySeverity.Alert),
            Row("e-5", 5, 96),
        ]));

        Assert.Equal(2.0, storage.Diary.Metrics("alpha", DiaryWindow.All).PaperGreenSpanDays);
    }

    [Fact]
    public void DiaryRegimes_CountLabelledEntriesInTheWindow()
    {
        var storage = Empty();
        Commit(storage, transaction => transaction.AddDiary(
        [
            Row("e-1", 1, 0, regime: "calm"),
            Row("e-2", 2, 1, regime: "storm"),
            Row("e-3", 3, 2, regime: "calm"),
            Row("e-4", 4, 3),
        ]));

        Assert.Equal(new Dictionary<string, int> { ["calm"] = 2, ["storm"] = 1 }, storage.Diary.Regimes("alpha", DiaryWindow.All));
        Assert.Equal(new Dictionary<string, int> { ["calm"] = 1, ["storm"] = 1 }, storage.Diary.Regimes("alpha", new DiaryWindow(Hour(0), null)));
    }

    [Fact]
    public void JournalStore_ChainsEventsRecordsProjectionsAndVerifies()
    {
        using var store = new JournalStore(CreateEmpty());
        store.Append([new JournalEntry("a", "t", "{}")], project: (scope, events) => scope.Store("p", "one", "v", events[0].Seq));
        store.Append([new JournalEntry("b", "t", "{}"), new JournalEntry("a", "t", """{"n":1}""")]);

        var events = store.Read().ToList();
        Assert.Equal([1L, 2, 3, 4], events.Select(e => e.Seq));
        Assert.Equal(JournalStore.ProjectedType, events[1].Type);
        Assert.All(events.Skip(1).Zip(events), pair => Assert.Equal(pair.Second.Hash, pair.First.PrevHash));
        Assert.True(JournalVerifier.Verify(store).Intact, JournalVerifier.Verify(store).Problem);
    }

    [Fact]
    public void JournalStore_ExpectedVersionThatMovedOn_WritesNothing()
    {
        using var store = new JournalStore(CreateEmpty());
        store.Append([new JournalEntry("a", "t", "{}")], expected: ("a", 0));

        var conflict = Assert.Throws<JournalConflictException>(() =>
            store.Append([new JournalEntry("a", "t", "{}")], project: (scope, events) => scope.Store("p", "x", "v", events[0].Seq), expected: ("a", 0)));

        Assert.Equal((0L, 1L), (conflict.Expected, conflict.Actual));
        Assert.Equal(1, store.LastSeq());
        Assert.Null(store.Load("p", "x"));
        Assert.Single(store.Append([new JournalEntry("a", "t", "{}")], expected: ("a", 1)));
    }

    [Fact]
    public void Segments_AreFoundByRangeStreamAndType_AndCountTowardTheHead()
    {
        var storage = Empty();
        var first = new StoredSegment(1, 3, 3, "\na\nb\n", "\nx\n", "hash-3", [1, 2, 3]);
        var second = new StoredSegment(5, 6, 2, "\nb\n", "\ny\n", "hash-6", [4, 5]);
        Commit(storage, transaction =>
        {
            transaction.Insert(first);
            transaction.Insert(Event(4, "a", prev: "hash-3"));
            transaction.Insert(second);
        });

        var again = Again();
        Assert.Equal(6, again.LastSeq());
        Assert.Equal([first, second], again.Segments(EventFilter.All), SegmentEquality.Instance);
        Assert.Equal([first], again.Segments(new EventFilter(Stream: "a")), SegmentEquality.Instance);
        Assert.Empty(again.Segments(new EventFilter(Stream: "\na")));
        Assert.Equal([second], again.Segments(new EventFilter(Types: ["y"])), SegmentEquality.Instance);
        Assert.Equal([second], again.Segments(new EventFilter(From: 4)), SegmentEquality.Instance);
        Assert.Empty(again.Segments(new EventFilter(From: 4, To: 4)));
        Assert.Equal([(1L, "\na\nb\n", "\nx\n"), (5L, "\nb\n", "\ny\n")], again.SegmentRows());
        Assert.Equal([(1L, "s:a"), (1L, "s:b"), (1L, "t:x"), (5L, "s:b"), (5L, "t:y")], again.SegmentIndex().OrderBy(entry => entry.First).ThenBy(entry => entry.Key, StringComparer.Ordinal));
        using var transaction = storage.BeginWrite();
        Assert.Equal((6L, "hash-6"), transaction.Head());
        Assert.Equal(5, transaction.LastSegment("b")?.First);
        Assert.Equal(1, transaction.LastSegment("a")?.First);
        Assert.Null(transaction.LastSegment("c"));
    }

    [Fact]
    public void Segments_RolledBackLeaveNothing()
    {
        var storage = Empty();
        using (var transaction = storage.BeginWrite())
        {
            transaction.Insert(new StoredSegment(1, 2, 2, "\na\n", "\nx\n", "hash-2", [1]));
        }

        Assert.Equal(0, Again().LastSeq());
        Assert.Empty(Again().Segments(EventFilter.All));
        Assert.Empty(Again().SegmentIndex());
    }

    [Fact]
    public void JournalStore_SegmentedAppends_ReadBackMergedWithRowsAndVerify()
    {
        using var store = new JournalStore(CreateEmpty());
        store.Append([new JournalEntry("run:1", "gate.decision", """{"n":1}"""), new JournalEntry("gate", "gate.decision", """{"n":2}""")], segment: true);
        store.Append([new JournalEntry("ledger", "ledger.updated", """{"n":3}""")], expected: ("ledger", 0));
        store.Append([new JournalEntry("run:1", "gate.malformed", """{"n":4}""")], [new("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", [])], segment: true);

        var events = store.Read().ToList();
        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => e.Seq));
        Assert.Equal(["gate.decision", "gate.decision", "ledger.updated", "gate.malformed", JournalStore.BlobType], events.Select(e => e.Type));
        Assert.Equal([1L, 4], store.Read("run:1").Select(e => e.Seq));
        Assert.Equal([4L], store.Read(new EventFilter("run:1", ["gate.malformed"], 2)).Select(e => e.Seq));
        Assert.Equal("""{"n":2}""", store.Event(2)?.Payload);
        Assert.Equal(5, store.LastSeq());
        Assert.True(JournalVerifier.Verify(store).Intact, JournalVerifier.Verify(store).Problem);

        // An expected version counts the events inside segments too.
        Assert.Throws<JournalConflictException>(() => store.Append([new JournalEntry("run:1", "t", "{}")], expected: ("run:1", 1)));
        Assert.Single(store.Append([new JournalEntry("run:1", "t", "{}")], expected: ("run:1", 4)));
    }

    private sealed class SegmentEquality : IEqualityComparer<StoredSegment>
    {
        public static readonly SegmentEquality Instance = new();

        public bool Equals(StoredSegment? x, StoredSegment? y) =>
            x is not null && y is not null && x with { Body = [] } == y with { Body = [] } && x.Body.SequenceEqual(y.Body);

        public int GetHashCode(StoredSegment obj) => obj.First.GetHashCode();
    }

    private static DateTimeOffset Hour(int hour) => new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).AddHours(hour);
}
