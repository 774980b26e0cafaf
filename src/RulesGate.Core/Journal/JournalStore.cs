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
    public const string ProjectedType = "journal.projected";

    public const string ProjectedStream = "journal";

    /// <summary>The event that records a blob's SHA-256 in the chain when the blob is first kept.</summary>
    public const string BlobType = "journal.blob";

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

    /// <summary>The diary's projection and its metrics.</summary>
    public IDiaryStore Diary => storage.Diary;

    /// <summary>Appends the entries in one durable transaction, with <paramref name="project"/> run inside it.</summary>
    /// <param name="blobs">Content to keep once per hash (rule files by their SHA-256), in the same transaction.</param>
    /// <param name="project">Updates projections from the appended events; it runs before the commit.</param>
    /// <param name="expected">
    /// The version <c>Stream</c> must still have (the sequence number of its last event, 0 for none): when another
    /// append got there first, nothing is written and <see cref="JournalConflictException"/> says so.
    /// </param>
    public IReadOnlyList<JournalEvent> Append(
        IReadOnlyList<JournalEntry> entries,
        IReadOnlyList<KeyValuePair<string, byte[]>>? blobs = null,
        Action<JournalTransaction, IReadOnlyList<JournalEvent>>? project = null,
        (string Stream, long Version)? expected = null)
    {
        foreach (var entry in entries)
        {
            Check("stream", entry.Stream);
            Check("type", entry.Type);
        }

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
        if (expected is { } want && transaction.StreamVersion(want.Stream) is var actual && actual != want.Version)
        {
            throw new JournalConflictException(want.Stream, want.Version, actual);
        }

        var (seq, previous) = transaction.Head();
        var stamp = Serialization.JsonText.Timestamp(time.GetUtcNow());
        var appended = new List<JournalEvent>(entries.Count);
        JournalEvent Insert(string stream, string type, string payload)
        {
            seq++;
            var added = new JournalEvent(seq, stream, type, stamp, payload, previous, JournalEvent.HashOf(previous, seq, stream, type, stamp, payload));
            transaction.Insert(added);
            previous = added.Hash;
            return added;
        }

        foreach (var entry in entries)
        {
            appended.Add(Insert(entry.Stream, entry.Type, entry.Payload));
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

        if (appended.Count > 0)
        {
            transaction.SetHead(seq, previous);
        }

        transaction.Commit();
        foreach (var (hash, _) in blobs ?? [])
        {
            storedBlobs.Add(hash);
        }

        return appended;
    }

    /// <summary>Every event in order, optionally of one stream and one type.</summary>
    public IEnumerable<JournalEvent> Read(string? stream = null, string? type = null) =>
        storage.Read(new EventFilter(stream, type is null ? null : [type]));

    /// <summary>The events that pass <paramref name="filter"/>, in order.</summary>
    public IEnumerable<JournalEvent> Read(EventFilter filter) => storage.Read(filter);

    /// <summary>The event at <paramref name="seq"/>, or null.</summary>
    public JournalEvent? Event(long seq) => storage.Read(new EventFilter(From: seq, To: seq)).FirstOrDefault();

    /// <summary>The sequence number of the last event; 0 for an empty journal.</summary>
    public long LastSeq() => storage.LastSeq();

    /// <summary>The content kept under <paramref name="hash"/>, or null.</summary>
    public byte[]? Blob(string hash) => storage.Blob(hash);

    /// <summary>A projection document, or null.</summary>
    public StoredProjection? Load(string projection, string id) => storage.Load(projection, id);

    /// <summary>Every document of <paramref name="projection"/>, by id.</summary>
    public IReadOnlyList<StoredProjection> All(string projection) => [.. storage.All(projection).OrderBy(document => document.Id, StringComparer.Ordinal)];

    /// <summary>The last event's sequence number and hash as the store recorded them at its last append.</summary>
    internal (long Seq, string Hash)? RecordedHead() => storage.RecordedHead();

    /// <summary>Every projection document, by projection and id.</summary>
    internal IReadOnlyList<StoredProjection> Projections() => storage.All(null);

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

    private static void Check(string name, string value)
    {
        if (value.Length == 0 || value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
        {
            throw JournalException.BadField(name, value);
        }
    }
}
