using RulesGate.Core.Promotion;

namespace RulesGate.Core.Journal;

/// <summary>
/// The storage port: what RulesGate needs from a database. An append-only event log with blobs kept once per
/// hash, and beside it the projections (documents by projection and id, each with the sequence number of the
/// event that last set it) and the diary with its metrics. Everything else — the hash chain, the projection
/// records, kill switch latching, ledgers, workflows — is Core's, written once over this port, so every adapter
/// (SQLite today) keeps the same promises; the contract suite in tests/RulesGate.Storage.Tests holds each to them.
/// </summary>
/// <remarks>One writer at a time per journal; an adapter serializes transactions (SQLite: BEGIN IMMEDIATE).</remarks>
public interface IJournalStorage : IDisposable
{
    /// <summary>Where the journal lives, for messages: a file path or a server and database.</summary>
    string Location { get; }

    /// <summary>The earlier format this journal was brought from in place as it was opened, or null when it was of this one.</summary>
    int? UpgradedFrom { get; }

    /// <summary>Starts the one write transaction: nothing it does is visible to a reader, or survives, before <see cref="IStorageTransaction.Commit"/>.</summary>
    IStorageTransaction BeginWrite();

    /// <summary>The events kept on rows of their own that pass <paramref name="filter"/>, in sequence order, streamed.</summary>
    IEnumerable<JournalEvent> Read(EventFilter filter);

    /// <summary>
    /// The segments whose index columns say they may hold events that pass <paramref name="filter"/>
    /// (<see cref="JournalSegment.Holds"/>), by their first sequence number, streamed; Core decodes and filters the events.
    /// </summary>
    IEnumerable<StoredSegment> Segments(EventFilter filter);

    /// <summary>The sequence number of the last event, on a row or in a segment; 0 for an empty journal.</summary>
    long LastSeq();

    /// <summary>
    /// Every segment's row without its body, as (first sequence number, streams, types), by first sequence number,
    /// streamed: what <c>journal verify</c> compares the segment index with.
    /// </summary>
    IEnumerable<(long First, string Streams, string Types)> SegmentRows();

    /// <summary>
    /// The segment index as kept, (first sequence number, key) for each <see cref="StoredSegment.Keys"/> of each
    /// segment, by first sequence number, streamed; <see cref="Segments"/> finds a stream's or a type's segments through it.
    /// </summary>
    IEnumerable<(long First, string Key)> SegmentIndex();

    /// <summary>The content kept under <paramref name="hash"/>, or null.</summary>
    byte[]? Blob(string hash);

    /// <summary>One projection document, or null.</summary>
    StoredProjection? Load(string projection, string id);

    /// <summary>Every document of <paramref name="projection"/>, or of every projection when it is null; in any order (Core sorts).</summary>
    IReadOnlyList<StoredProjection> All(string? projection);

    /// <summary>
    /// The documents of <paramref name="projection"/> whose id is at least <paramref name="from"/> and below
    /// <paramref name="to"/>, comparing their UTF-8 bytes, in that order: found through the key's index, so the cost
    /// follows what is found, not what the projection holds.
    /// </summary>
    IReadOnlyList<StoredProjection> Range(string projection, string from, string to);

    /// <summary>The last event as the store recorded it at its last append (its sequence number and hash), or null before any.</summary>
    (long Seq, string Hash)? RecordedHead();

    /// <summary>The diary entries' projection and the metrics computed over it.</summary>
    IDiaryStore Diary { get; }

    /// <summary>
    /// Checks that the journal would take a write now — its write lock can be had, and what it is kept on has room —
    /// writing nothing to it: what keeps a server's readiness true to the journal.
    /// </summary>
    /// <exception cref="Exception">It would not: the adapter's own error, which says why.</exception>
    void Probe();
}

/// <summary>The one write transaction of an <see cref="IJournalStorage"/>; disposing it without a commit rolls everything back.</summary>
public interface IStorageTransaction : IDisposable
{
    /// <summary>The last event's sequence number and hash, on a row or in a segment; (0, <see cref="JournalEvent.Genesis"/>) when there is none.</summary>
    (long Seq, string Hash) Head();

    /// <summary>The sequence number of the last event of <paramref name="stream"/> on a row of its own; 0 when there is none.</summary>
    long StreamVersion(string stream);

    /// <summary>The last segment whose index says it holds events of <paramref name="stream"/>, or null.</summary>
    StoredSegment? LastSegment(string stream);

    void Insert(JournalEvent appended);

    /// <summary>Keeps a segment: one row for a batch of events (<see cref="JournalSegment"/>), and its <see cref="StoredSegment.Keys"/> in the segment index.</summary>
    void Insert(StoredSegment segment);

    /// <summary>Keeps <paramref name="bytes"/> under <paramref name="hash"/> unless something is kept there already.</summary>
    void PutBlob(string hash, byte[] bytes);

    StoredProjection? Load(string projection, string id);

    /// <summary>Creates or replaces the document <c>(Projection, Id)</c>.</summary>
    void Store(StoredProjection document);

    /// <summary>Removes the document, if there is one.</summary>
    void Delete(string projection, string id);

    void AddDiary(IReadOnlyList<DiaryRow> rows);

    /// <summary>One policy's diary rows as this transaction sees them (its own included), by time, then sequence number, streamed.</summary>
    IEnumerable<DiaryRow> DiaryRows(string policyId);

    /// <summary>Records the last event, so that rows removed from the end of the log are noticed.</summary>
    void SetHead(long seq, string hash);

    void Commit();
}

/// <summary>Which events to read: all of them unless narrowed by stream, types and a range of sequence numbers (inclusive).</summary>
public sealed record EventFilter(string? Stream = null, IReadOnlyList<string>? Types = null, long From = 1, long To = long.MaxValue)
{
    public static readonly EventFilter All = new();

    public static EventFilter OfType(string type) => new(Types: [type]);
}

/// <summary>A projection document as stored: the projection it belongs to, its id, its value and its version (the sequence number of the event that set it).</summary>
public sealed record StoredProjection(string Projection, string Id, string Value, long Seq)
{
    /// <summary>How messages name it: <c>ledger:alpha</c>, or <c>killswitch</c> for a projection of one document.</summary>
    public string Key => KeyOf(Projection, Id);

    public static string KeyOf(string projection, string id) => id.Length == 0 ? projection : $"{projection}:{id}";
}

/// <summary>One diary entry as its projection keeps it, with the sequence number of the event that recorded it.</summary>
public sealed record DiaryRow(string EntryId, string PolicyId, DateTimeOffset RecordedAt, PromotionStage Stage, DiarySeverity Severity, bool Forced, string? Regime, long Seq)
{
    /// <summary>A row as an adapter stored it (the time as <see cref="Serialization.JsonText.Timestamp"/> writes it, forced as 0 or 1), checked.</summary>
    /// <exception cref="JournalException">No diary event could have written it.</exception>
    public static DiaryRow Stored(string entryId, string policyId, string recordedAt, long stage, long severity, long forced, string? regime, long seq) =>
        DateTimeOffset.TryParseExact(recordedAt, Serialization.JsonText.TimestampFormat, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) && forced is 0 or 1
            ? new DiaryRow(entryId, policyId, at, (PromotionStage)stage, (DiarySeverity)severity, forced == 1, regime, seq)
            : throw JournalException.Missing($"diary row '{entryId}' (event {seq}) is malformed: no diary event could have written it (a row was edited behind the journal).");

    /// <summary>The row's columns as an adapter stores them, the inverse of <see cref="Stored"/>: entry id, policy id, time, stage, severity, forced (0 or 1), regime (or <see cref="DBNull"/>), seq.</summary>
    public object[] Columns() => [EntryId, PolicyId, Serialization.JsonText.Timestamp(RecordedAt), (int)Stage, (int)Severity, Forced ? 1 : 0, (object?)Regime ?? DBNull.Value, Seq];
}

/// <summary>The diary's projection: entries by id, and the metrics the promotion gates read, computed where the rows are.</summary>
public interface IDiaryStore
{
    /// <summary>Those of <paramref name="entryIds"/> that are recorded, each with the sequence number of the event that recorded it.</summary>
    IReadOnlyDictionary<string, long> Find(IReadOnlyCollection<string> entryIds);

    /// <summary>
    /// One policy's entries in the window (after <c>From</c>, up to and including <c>To</c>): counts per stage,
    /// the latest stage (by time, then sequence number), how many entries in a row at that stage are normal and
    /// not forced, counting back from the newest, and the span in days of the trailing run of normal, unforced
    /// paper entries.
    /// </summary>
    DiaryMetrics Metrics(string policyId, DiaryWindow window);

    /// <summary>Entries per regime label over the window; entries without one are not counted.</summary>
    IReadOnlyDictionary<string, int> Regimes(string policyId, DiaryWindow window);

    /// <summary>Every row, by sequence number.</summary>
    IEnumerable<DiaryRow> Rows();

    /// <summary>One policy's rows, by time, then sequence number, streamed.</summary>
    IEnumerable<DiaryRow> Rows(string policyId);
}
