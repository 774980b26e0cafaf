using System.Security.Cryptography;
using System.Text;

namespace RulesGate.Core.Journal;

/// <summary>
/// The append-only, hash-chained journal over any <see cref="IJournalStorage"/>: each append is one durable
/// transaction holding its events, the blobs they need, the projections they change and the record of those
/// changes (a <see cref="ProjectedType"/> event), so a projection and its events can never disagree unnoticed.
/// </summary>
/// <remarks>Callers serialize their use of one store (the CLI is single-threaded, and JournalWriter owns its store).</remarks>
public sealed class JournalStore : IDisposable
{
    /// <summary>
    /// The event that closes every transaction that sets projections: each document with the sequence number and
    /// SHA-256 of the value it was given (null when it was deleted), so <see cref="JournalVerifier"/> can rebuild the projections from the
    /// chain and name a document that was deleted, edited or added behind the journal's back.
    /// </summary>
    public const string ProjectedType = EventTypes.JournalProjected;

    public const string ProjectedStream = "journal";

    /// <summary>The event that records a blob's SHA-256 in the chain when the blob is first kept.</summary>
    public const string BlobType = EventTypes.JournalBlob;

    private readonly IJournalStorage storage;
    private readonly TimeProvider time;
    private readonly HashSet<string> storedBlobs = new(StringComparer.Ordinal);

    /// <param name="storage">Owned by the store from now on.</param>
    public JournalStore(IJournalStorage storage, TimeProvider? time = null)
    {
        this.storage = storage;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>Where the journal lives, for messages.</summary>
    public string Location => storage.Location;

    /// <summary>The earlier format the journal was brought from in place as it was opened (<see cref="IJournalStorage.UpgradedFrom"/>), or null.</summary>
    public int? UpgradedFrom => storage.UpgradedFrom;

    /// <summary>The diary's projection and its metrics.</summary>
    public IDiaryStore Diary => storage.Diary;

    /// <summary>Appends the entries in one durable transaction, with <paramref name="project"/> run inside it.</summary>
    /// <param name="blobs">Content to keep once per hash (rule files by their SHA-256), in the same transaction.</param>
    /// <param name="project">Updates projections from the appended events; it runs before the commit.</param>
    /// <param name="expected">
    /// The version <c>Stream</c> must still have (the sequence number of its last event, 0 for none): when another
    /// append got there first, nothing is written and <see cref="JournalConflictException"/> says so.
    /// </param>
    /// <param name="segment">
    /// Keep the entries as one segment (<see cref="JournalSegment"/>) rather than a row each: how decisions are
    /// journaled in bulk. The events that record blobs and projections stay on rows of their own after it.
    /// </param>
    public IReadOnlyList<JournalEvent> Append(
        IReadOnlyList<JournalEntry> entries,
        IReadOnlyList<KeyValuePair<string, byte[]>>? blobs = null,
        Action<JournalTransaction, IReadOnlyList<JournalEvent>>? project = null,
        (string Stream, long Version)? expected = null,
        bool segment = false) =>
        Append(entries, null, blobs, project, expected, segment);

    /// <summary>
    /// The segment <paramref name="entries"/> make when appended after <paramref name="head"/>, hashed and encoded
    /// outside any transaction, so that a group commit prepares the next batch while the last one commits.
    /// </summary>
    public PreparedSegment Prepare(IReadOnlyList<JournalEntry> entries, (long Seq, string Hash) head)
    {
        Check(entries);
        var (events, segment) = JournalSegment.Chain(entries, head, Serialization.JsonText.Timestamp(time.GetUtcNow()));
        return new PreparedSegment(entries, head, events, segment);
    }

    /// <summary>Appends a prepared segment; when the journal has moved on since it was prepared, it is chained and encoded again at the real head.</summary>
    public IReadOnlyList<JournalEvent> Append(PreparedSegment prepared, IReadOnlyList<KeyValuePair<string, byte[]>>? blobs = null) =>
        Append(prepared.Entries, prepared, blobs, project: null, expected: null, segment: true);

    /// <summary>The head this store's last append committed: its last event, blobs' and projections' included.</summary>
    public (long Seq, string Hash)? Committed { get; private set; }

    /// <summary>The last event's sequence number and hash, to prepare a segment after it; (0, genesis) for an empty journal.</summary>
    public (long Seq, string Hash) Head()
    {
        using var transaction = storage.BeginWrite();
        return transaction.Head();
    }

    private IReadOnlyList<JournalEvent> Append(
        IReadOnlyList<JournalEntry> entries,
        PreparedSegment? prepared,
        IReadOnlyList<KeyValuePair<string, byte[]>>? blobs,
        Action<JournalTransaction, IReadOnlyList<JournalEvent>>? project,
        (string Stream, long Version)? expected,
        bool segment)
    {
        Check(entries);

        // Blobs are content-addressed: one whose bytes do not hash to its name is never kept.
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (hash, bytes) in blobs ?? [])
        {
            // Checked once per hash and process: a blob kept before is not hashed again on every decision.
            if (storedBlobs.Contains(hash))
            {
                continue;
            }

            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != hash)
            {
                throw new ArgumentException($"A blob named {hash} holds other bytes; blobs are named by their SHA-256.", nameof(blobs));
            }

            if (storage.Blob(hash) is null)
            {
                fresh.Add(hash);
            }
        }

        using var transaction = storage.BeginWrite();
        if (expected is { } want && StreamVersion(transaction, want.Stream) is var actual && actual != want.Version)
        {
            throw new JournalConflictException(want.Stream, want.Version, actual);
        }

        var head = transaction.Head();
        var stamp = Serialization.JsonText.Timestamp(time.GetUtcNow());
        IReadOnlyList<JournalEvent> appended;
        if (segment && entries.Count > 0)
        {
            // Prepared at the head it still has, it goes as it is; otherwise it is chained again here.
            var (events, stored) = prepared is { } given && given.After == head ? (given.Events, given.Segment) : JournalSegment.Chain(entries, head, stamp);
            transaction.Insert(stored);
            appended = events;
        }
        else
        {
            appended = Chain(entries, head, stamp);
            foreach (var added in appended)
            {
                transaction.Insert(added);
            }
        }

        var (seq, previous) = appended.Count > 0 ? (appended[^1].Seq, appended[^1].Hash) : head;
        JournalEvent Insert(string stream, string type, string payload)
        {
            seq++;
            var added = new JournalEvent(seq, stream, type, stamp, payload, previous, JournalEvent.HashOf(previous, seq, stream, type, stamp, payload));
            transaction.Insert(added);
            previous = added.Hash;
            return added;
        }

        // A blob is kept once per hash, and the chain records its hash: an edited blob is named by verify.
        foreach (var (hash, bytes) in blobs ?? [])
        {
            if (fresh.Contains(hash))
            {
                transaction.PutBlob(hash, bytes);
                Insert(ProjectedStream, BlobType, Serialization.JsonText.Write(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("sha256"u8, hash);
                    writer.WriteNumber("bytes"u8, bytes.Length);
                    writer.WriteEndObject();
                }, pretty: false));
            }
        }

        var scope = new JournalTransaction(transaction);
        project?.Invoke(scope, appended);
        if (scope.Sets.Count > 0)
        {
            Insert(ProjectedStream, ProjectedType, ProjectedPayload(scope.Sets));
        }

        if (seq > head.Seq)
        {
            transaction.SetHead(seq, previous);
        }

        transaction.Commit();
        Committed = (seq, previous);
        foreach (var (hash, _) in blobs ?? [])
        {
            storedBlobs.Add(hash);
        }

        return appended;
    }

    /// <summary>Every event in order, optionally of one stream and one type.</summary>
    public IEnumerable<JournalEvent> Read(string? stream = null, string? type = null) =>
        Read(new EventFilter(stream, type is null ? null : [type]));

    /// <summary>The events that pass <paramref name="filter"/>, in order: those on rows and those in segments, merged.</summary>
    /// <exception cref="JournalSegmentException">A segment on the way cannot be read.</exception>
    public IEnumerable<JournalEvent> Read(EventFilter filter)
    {
        using var rows = storage.Read(filter).GetEnumerator();
        using var segmented = storage.Segments(filter).SelectMany(JournalSegment.Read).Where(e => JournalSegment.Passes(e, filter)).GetEnumerator();
        var row = rows.MoveNext() ? rows.Current : null;
        var inSegment = segmented.MoveNext() ? segmented.Current : null;
        while (row is not null || inSegment is not null)
        {
            if (inSegment is null || (row is not null && row.Seq <= inSegment.Seq))
            {
                yield return row!;
                row = rows.MoveNext() ? rows.Current : null;
            }
            else
            {
                yield return inSegment;
                inSegment = segmented.MoveNext() ? segmented.Current : null;
            }
        }
    }

    /// <summary>The event at <paramref name="seq"/>, or null.</summary>
    public JournalEvent? Event(long seq) => Read(new EventFilter(From: seq, To: seq)).FirstOrDefault();

    /// <summary>The sequence number of the last event; 0 for an empty journal.</summary>
    public long LastSeq() => storage.LastSeq();

    /// <summary>The time of the journal's last event; null for an empty journal.</summary>
    public DateTimeOffset? LastTime() =>
        LastSeq() is > 0 and var seq && Event(seq) is { } last
            ? DateTimeOffset.Parse(last.Time, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal)
            : null;

    /// <summary>The content kept under <paramref name="hash"/>, or null.</summary>
    public byte[]? Blob(string hash) => storage.Blob(hash);

    /// <summary>Checks the journal would take a write now, writing nothing (<see cref="IJournalStorage.Probe"/>).</summary>
    public void Probe() => storage.Probe();

    /// <summary>A projection document, or null.</summary>
    public StoredProjection? Load(string projection, string id) => storage.Load(projection, id);

    /// <summary>Every document of <paramref name="projection"/>, by id.</summary>
    public IReadOnlyList<StoredProjection> All(string projection) => [.. storage.All(projection).OrderBy(document => document.Id, StringComparer.Ordinal)];

    /// <summary>The documents of <paramref name="projection"/> whose id starts with <paramref name="prefix"/>, in ordinal order of their ids; found by index.</summary>
    public IReadOnlyList<StoredProjection> Starting(string projection, string prefix) =>
        [.. Range(projection, prefix, prefix + char.ConvertFromUtf32(0x10FFFF)).Where(document => document.Id.StartsWith(prefix, StringComparison.Ordinal))];

    /// <summary>The documents of <paramref name="projection"/> with <paramref name="from"/> ≤ id &lt; <paramref name="to"/>, in the ordinal order of their ids; found by index.</summary>
    public IReadOnlyList<StoredProjection> Range(string projection, string from, string to) =>
        [.. storage.Range(projection, from, to).OrderBy(document => document.Id, StringComparer.Ordinal)];

    /// <summary>The last event's sequence number and hash as the store recorded them at its last append.</summary>
    internal (long Seq, string Hash)? RecordedHead() => storage.RecordedHead();

    /// <summary>Every projection document, by projection and id.</summary>
    internal IReadOnlyList<StoredProjection> Projections() => storage.All(null);

    /// <summary>
    /// The first segment the segment index does not list by exactly its streams and types (a read of a stream or type
    /// would miss it, or find it where it has nothing), or an index entry of no segment; null when the index is true to
    /// the segments' rows. Those rows are checked against their bodies as the chain is walked, so this completes the check.
    /// </summary>
    internal string? SegmentIndexProblem()
    {
        using var index = storage.SegmentIndex().GetEnumerator();
        var next = index.MoveNext() ? index.Current : ((long First, string Key)?)null;
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (first, streams, types) in storage.SegmentRows())
        {
            listed.Clear();
            for (; next is { } entry && entry.First <= first; next = index.MoveNext() ? index.Current : null)
            {
                if (entry.First < first)
                {
                    return Orphan(entry);
                }

                listed.Add(entry.Key);
            }

            if (!listed.SetEquals(StoredSegment.KeysOf(streams, types)))
            {
                return $"the segment index does not list the segment from event {first} by its streams and types (the index was edited behind the journal).";
            }
        }

        return next is { } left ? Orphan(left) : null;

        static string Orphan((long First, string Key) entry) =>
            $"the segment index lists '{entry.Key}' for a segment from event {entry.First}, and there is none (the index was edited behind the journal).";
    }

    /// <summary>The events for <paramref name="entries"/> after <paramref name="head"/>, each linked to the one before.</summary>
    private static List<JournalEvent> Chain(IReadOnlyList<JournalEntry> entries, (long Seq, string Hash) head, string stamp)
    {
        var (seq, previous) = head;
        var events = new List<JournalEvent>(entries.Count);
        foreach (var entry in entries)
        {
            seq++;
            var payload = entry.Payload;   // a CBOR entry's JSON is made once
            var added = new JournalEvent(seq, entry.Stream, entry.Type, stamp, payload, previous, JournalEvent.HashOf(previous, seq, entry.Stream, entry.Type, stamp, payload));
            events.Add(added);
            previous = added.Hash;
        }

        return events;
    }

    /// <summary>The sequence number of the last event of <paramref name="stream"/>, on a row or in a segment; 0 when it has none.</summary>
    private static long StreamVersion(IStorageTransaction transaction, string stream)
    {
        var rows = transaction.StreamVersion(stream);
        var last = transaction.LastSegment(stream) is { } found && found.Last > rows
            ? JournalSegment.Read(found).LastOrDefault(e => e.Stream == stream)?.Seq ?? 0
            : 0;
        return Math.Max(rows, last);
    }

    /// <summary>The value's fingerprint as <see cref="ProjectedType"/> events record it.</summary>
    public static string Fingerprint(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    public void Dispose() => storage.Dispose();

    private static string ProjectedPayload(IReadOnlyDictionary<(string Projection, string Id), (string? Value, long Seq)> sets) => Serialization.JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("set"u8);
        foreach (var ((projection, id), (value, seq)) in sets)
        {
            writer.WriteStartObject();
            writer.WriteString("projection"u8, projection);
            writer.WriteString("id"u8, id);
            writer.WriteNumber("seq"u8, seq);
            if (value is null)
            {
                writer.WriteNull("sha256"u8);   // deleted
            }
            else
            {
                writer.WriteString("sha256"u8, Fingerprint(value));
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty: false);

    private static void Check(IReadOnlyList<JournalEntry> entries)
    {
        foreach (var entry in entries)
        {
            Check("stream", entry.Stream);
            Check("type", entry.Type);
        }
    }

    private static void Check(string name, string value)
    {
        if (value.Length == 0 || value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
        {
            throw JournalException.BadField(name, value);
        }
    }
}

/// <summary>A batch of entries chained after <see cref="After"/> and encoded as a segment, ready to commit.</summary>
public sealed record PreparedSegment(IReadOnlyList<JournalEntry> Entries, (long Seq, string Hash) After, IReadOnlyList<JournalEvent> Events, StoredSegment Segment);
