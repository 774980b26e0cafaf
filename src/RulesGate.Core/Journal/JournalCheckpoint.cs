using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Journal;

/// <summary>
/// A signed tree head, as transparency logs keep them: the journal's size, the Merkle root over its first
/// <see cref="Size"/> event hashes (<see cref="MerkleTree"/>) and the time, signed with ECDSA P-256 over SHA-256
/// (IEEE P1363 signature). Kept outside the database, it pins those events: a writer who deletes an event and
/// re-chains the rest, or rewrites one, cannot make the journal match it again.
/// </summary>
/// <param name="Root">The Merkle root, lower-case hex.</param>
/// <param name="KeyId">The first 16 hex digits of the SHA-256 of the signing key's public key (SubjectPublicKeyInfo).</param>
/// <param name="Signature">Base64 of the signature over <see cref="Body"/>.</param>
public sealed record JournalCheckpoint(long Size, string Root, string Time, string KeyId, string Signature)
{
    public const string Format = "rulesgate-checkpoint/1";
    public const string CheckpointType = EventTypes.JournalCheckpoint;

    /// <summary>The signed text: the format, the size, the root and the time, one per line.</summary>
    public string Body => string.Create(CultureInfo.InvariantCulture, $"{Format}\n{Size}\n{Root}\n{Time}\n");

    /// <summary>Signs the journal's head as it is now, and journals the checkpoint too (as the event after the ones it covers).</summary>
    public static JournalCheckpoint Sign(JournalStore store, ECDsa key, DateTimeOffset now)
    {
        var leaves = Leaves(store, long.MaxValue);
        var unsigned = new JournalCheckpoint(leaves.Count, Convert.ToHexStringLower(MerkleTree.Root(leaves)), JsonText.Timestamp(now), KeyIdOf(key), "");
        var signed = unsigned with { Signature = Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(unsigned.Body), HashAlgorithmName.SHA256)) };
        store.Append([new JournalEntry(JournalStore.ProjectedStream, CheckpointType, signed.Json(pretty: false))]);
        return signed;
    }

    /// <summary>Whether the signature is this key's over <see cref="Body"/>.</summary>
    public bool SignedBy(ECDsa publicKey)
    {
        try
        {
            return KeyId == KeyIdOf(publicKey) && publicKey.VerifyData(Encoding.UTF8.GetBytes(Body), Convert.FromBase64String(Signature), HashAlgorithmName.SHA256);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// What is wrong with the journal against this checkpoint, or null when its first <see cref="Size"/> events are
    /// exactly what was signed (later events only extend it).
    /// </summary>
    public string? Check(JournalStore store, ECDsa publicKey)
    {
        if (!SignedBy(publicKey))
        {
            return "the checkpoint's signature does not verify with this public key (a forged or edited checkpoint, or another key)";
        }

        var leaves = Leaves(store, Size);
        if (leaves.Count < Size)
        {
            return $"the journal holds {leaves.Count} events, but the checkpoint of {Time} signed {Size} (events were removed)";
        }

        return Convert.ToHexStringLower(MerkleTree.Root(leaves)) == Root
            ? null
            : $"its first {Size} events are not the ones the checkpoint of {Time} signed (an event was altered, removed or inserted and the chain rebuilt)";
    }

    public string Json(bool pretty = true) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("format"u8, Format);
        writer.WriteNumber("size"u8, Size);
        writer.WriteString("root"u8, Root);
        writer.WriteString("time"u8, Time);
        writer.WriteString("key_id"u8, KeyId);
        writer.WriteString("signature"u8, Signature);
        writer.WriteEndObject();
    }, pretty);

    /// <exception cref="FormatException">Not a checkpoint of this format; says what is wrong.</exception>
    public static JournalCheckpoint Read(JsonElement json)
    {
        var fields = new JsonFields(json, "checkpoint", "format", "size", "root", "time", "key_id", "signature");
        if (fields.String("format") != Format)
        {
            throw new FormatException($"checkpoint.format: expected {Format}.");
        }

        var size = fields.Number("size");
        return size >= 0 && size == Math.Floor(size) && size < long.MaxValue
            ? new JournalCheckpoint((long)size, fields.String("root"), fields.String("time"), fields.String("key_id"), fields.String("signature"))
            : throw new FormatException("checkpoint.size: expected a whole number of events.");
    }

    public static string KeyIdOf(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

    /// <summary>The event hashes of the first <paramref name="size"/> events, as Merkle leaves.</summary>
    internal static List<byte[]> Leaves(JournalStore store, long size) =>
        [.. store.Read(new EventFilter(To: size)).Select(e => Convert.FromHexString(e.Hash))];
}

/// <summary>
/// One event with the audit path that takes it to a checkpoint's root: a third party holding the public key alone
/// can check that the journal the checkpoint signed contains exactly this event.
/// </summary>
public sealed record JournalProof(JournalEvent Event, IReadOnlyList<string> Path, JournalCheckpoint Checkpoint)
{
    /// <summary>The proof, as read, shows a payload other than the CBOR its event's hash covers.</summary>
    public bool ShowsOtherContents { get; init; }

    /// <summary>The proof of event <paramref name="seq"/> under <paramref name="checkpoint"/>.</summary>
    /// <exception cref="FormatException">The checkpoint does not cover that event, or the journal no longer matches it.</exception>
    public static JournalProof Of(JournalStore store, long seq, JournalCheckpoint checkpoint)
    {
        if (seq < 1 || seq > checkpoint.Size)
        {
            throw new FormatException($"--seq: the checkpoint covers events 1 to {checkpoint.Size}; event {seq} is not among them.");
        }

        var leaves = Signed(JournalCheckpoint.Leaves(store, checkpoint.Size), checkpoint);
        return new JournalProof(store.Event(seq)!, [.. MerkleTree.Path(leaves, (int)(seq - 1)).Select(Convert.ToHexStringLower)], checkpoint);
    }

    /// <summary>The proofs of events <paramref name="seqs"/> under <paramref name="checkpoint"/>, the journal read and its tree hashed once for all of them.</summary>
    /// <exception cref="FormatException">The checkpoint does not cover one of them, or the journal no longer matches it.</exception>
    public static IReadOnlyList<JournalProof> Of(JournalStore store, IReadOnlyList<long> seqs, JournalCheckpoint checkpoint)
    {
        if (seqs.FirstOrDefault(seq => seq < 1 || seq > checkpoint.Size) is var outside and not 0)
        {
            throw new FormatException($"the checkpoint covers events 1 to {checkpoint.Size}; event {outside} is not among them.");
        }

        var leaves = Signed(JournalCheckpoint.Leaves(store, checkpoint.Size), checkpoint);
        var paths = MerkleTree.Paths(leaves, seqs.Select(seq => (int)(seq - 1)));
        return [.. seqs.Select((seq, i) => new JournalProof(store.Event(seq)!, [.. paths[i].Select(Convert.ToHexStringLower)], checkpoint))];
    }

    /// <summary>
    /// The proofs of <paramref name="events"/>, read in journal order, under <paramref name="checkpoint"/>, whose tree
    /// is <paramref name="leaves"/> (<see cref="Signed"/>): made one at a time as the events are read, so that the
    /// proofs of millions of events are never held together.
    /// </summary>
    /// <exception cref="FormatException">The checkpoint does not cover one of them.</exception>
    internal static IEnumerable<JournalProof> Of(IReadOnlyList<byte[]> leaves, IEnumerable<JournalEvent> events, JournalCheckpoint checkpoint)
    {
        var prove = MerkleTree.Prover(leaves);
        foreach (var e in events)
        {
            yield return e.Seq >= 1 && e.Seq <= checkpoint.Size
                ? new JournalProof(e, [.. prove((int)(e.Seq - 1)).Select(Convert.ToHexStringLower)], checkpoint)
                : throw new FormatException($"the checkpoint covers events 1 to {checkpoint.Size}; event {e.Seq} is not among them.");
        }
    }

    /// <summary><paramref name="leaves"/>, the event hashes of a journal, when they are the tree <paramref name="checkpoint"/> signed.</summary>
    /// <exception cref="FormatException">They are not: the journal no longer holds what the checkpoint signed.</exception>
    internal static List<byte[]> Signed(List<byte[]> leaves, JournalCheckpoint checkpoint) =>
        leaves.Count == checkpoint.Size && Convert.ToHexStringLower(MerkleTree.Root(leaves)) == checkpoint.Root
            ? leaves
            : throw new FormatException("the journal no longer holds what the checkpoint signed; run 'rulesgate journal verify --checkpoint' to see why.");

    /// <summary>What is wrong with the proof, or null when the event is in the signed journal as it stands here.</summary>
    /// <param name="verified">Checkpoints whose signature already verified with <paramref name="publicKey"/>: many proofs under one checkpoint verify its signature once. This one is added when it verifies.</param>
    public string? Check(ECDsa publicKey, ISet<JournalCheckpoint>? verified = null)
    {
        if (verified?.Contains(Checkpoint) != true && !Checkpoint.SignedBy(publicKey))
        {
            return "the checkpoint's signature does not verify with this public key";
        }

        verified?.Add(Checkpoint);

        if (Event.ComputeHash() != Event.Hash)
        {
            return $"event {Event.Seq} does not match its own hash (its contents were changed)";
        }

        if (ShowsOtherContents)
        {
            return $"event {Event.Seq}'s payload as shown is not the CBOR its hash covers (its contents were changed)";
        }

        try
        {
            return MerkleTree.Verify(Convert.FromHexString(Event.Hash), Event.Seq - 1, Checkpoint.Size, [.. Path.Select(Convert.FromHexString)], Convert.FromHexString(Checkpoint.Root))
                ? null
                : $"event {Event.Seq} is not in the journal the checkpoint signed (the audit path does not lead to its root)";
        }
        catch (FormatException)
        {
            return "the proof's hashes are not hex";
        }
    }

    /// <summary>The proof as JSON: indented, as <c>journal prove</c> prints it, or on one line, as a JSON Lines file of proofs holds it.</summary>
    public string Json(bool pretty = true) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartObject("event"u8);
        writer.WriteNumber("seq"u8, Event.Seq);
        writer.WriteString("stream"u8, Event.Stream);
        writer.WriteString("type"u8, Event.Type);
        writer.WriteString("time"u8, Event.Time);
        writer.WriteString("payload"u8, Event.Payload);
        if (Event.Cbor is { } cbor)
        {
            writer.WriteBase64String("payload_cbor"u8, cbor.Span);
        }

        writer.WriteString("prev_hash"u8, Event.PrevHash);
        writer.WriteString("hash"u8, Event.Hash);
        writer.WriteEndObject();
        JsonText.Strings(writer, "path"u8, Path);
        writer.WritePropertyName("checkpoint"u8);
        using (var checkpoint = JsonDocument.Parse(Checkpoint.Json(pretty: false)))
        {
            checkpoint.RootElement.WriteTo(writer);
        }

        writer.WriteEndObject();
    }, pretty);

    /// <exception cref="FormatException">Not a proof; says what is wrong.</exception>
    public static JournalProof Read(JsonElement json)
    {
        var fields = new JsonFields(json, "proof", "event", "path", "checkpoint");
        var e = fields.Object("event", "seq", "stream", "type", "time", "payload", "payload_cbor", "prev_hash", "hash");
        var path = fields.Required("path");
        if (path.ValueKind != JsonValueKind.Array || path.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
        {
            throw new FormatException("proof.path: expected an array of hex hashes.");
        }

        var showsOther = false;
        var proven = new JournalEvent((long)e.Number("seq"), e.String("stream"), e.String("type"), e.String("time"), e.String("payload"), e.String("prev_hash"), e.String("hash"));
        if (e.Has("payload_cbor"))
        {
            // The hash covers the CBOR; the JSON beside it must say exactly what the CBOR says, or a reader would be shown other contents than were proven.
            var cbor = e.Required("payload_cbor") is { ValueKind: JsonValueKind.String } text && text.TryGetBytesFromBase64(out var bytes) ? bytes : throw new FormatException("proof.event.payload_cbor: expected base64.");
            var shown = proven.Payload;
            proven = proven with { Cbor = cbor };
            showsOther = CborDocument.ToJson(cbor) != shown;
        }

        return new JournalProof(
            proven,
            [.. path.EnumerateArray().Select(item => item.GetString()!)],
            JournalCheckpoint.Read(fields.Required("checkpoint"))) { ShowsOtherContents = showsOther };
    }
}
