using RulesGate.Core.Serialization;
using ZstdSharp;

namespace RulesGate.Core.Journal;

/// <summary>
/// A segment as stored: one row for a batch of events appended in one transaction. <see cref="Body"/> is what
/// counts (the events, compressed); the other columns index it (its range, the streams and types it holds, its
/// last hash) and are checked against the body whenever it is read.
/// </summary>
/// <param name="Streams">Each distinct stream between newlines, as <c>\nrun:a\ngate\n</c>, so a stream is found by <c>\n{stream}\n</c>.</param>
/// <param name="Types">Each distinct type, the same way.</param>
public sealed record StoredSegment(long First, long Last, int Count, string Streams, string Types, string LastHash, byte[] Body)
{
    /// <summary>
    /// The keys the storage indexes the segment by (<c>s:STREAM</c> for each stream, <c>t:TYPE</c> for each type), so
    /// a read of one stream or type finds its segments through an index rather than by scanning every segment's row.
    /// </summary>
    public IEnumerable<string> Keys => KeysOf(Streams, Types);

    /// <summary>The index keys of a segment whose row holds <paramref name="streams"/> and <paramref name="types"/>.</summary>
    public static IEnumerable<string> KeysOf(string streams, string types) =>
        streams.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(StreamKey)
            .Concat(types.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(TypeKey));

    /// <summary>The index key of the segments that hold events of <paramref name="stream"/>.</summary>
    public static string StreamKey(string stream) => "s:" + stream;

    /// <summary>The index key of the segments that hold events of <paramref name="type"/>.</summary>
    public static string TypeKey(string type) => "t:" + type;
}

/// <summary>
/// The encoding of a segment, standard and self-describing so that any CBOR and zstd tool reads it years later:
/// a zstd frame (level 1, with its content checksum) holding one CBOR map,
/// <c>{"format": "rulesgate-segment/2", "prev": hash before the first event, "events": [[seq, stream, type, time, payload, sha256], …]}</c>.
/// A payload is a text string (JSON) or, for an entry given as CBOR (<see cref="JournalEntry.OfCbor"/>), that CBOR
/// embedded as a byte string tagged 24 (an encoded CBOR data item), so a reader finds each event's bytes without
/// walking them. Each event keeps its own hash, computed as for an event on a row of its own over the payload's bytes
/// (<see cref="JournalEvent.ComputeHash"/>), so one chain runs through rows and segments and <c>journal verify</c>
/// names the first altered event inside a segment without turning a payload into JSON. Segments of format 1 (every
/// payload text) are read as before.
/// </summary>
internal static class JournalSegment
{
    public const string Format = "rulesgate-segment/2";

    /// <summary>The first format, whose payloads are all JSON text; still read.</summary>
    public const string FormatOne = "rulesgate-segment/1";

    /// <summary>Events past this many decoded bytes make a segment unreadable: a hostile body cannot make a reader allocate without bound.</summary>
    private const int MaxDecoded = 1 << 30;

    [ThreadStatic] private static Compressor? compressor;
    [ThreadStatic] private static Decompressor? decompressor;
    [ThreadStatic] private static byte[]? decoding;

    /// <summary>The row for <paramref name="events"/>: consecutive, chained events, at least one, each keeping the hash it has.</summary>
    public static StoredSegment Of(IReadOnlyList<JournalEvent> events)
    {
        var body = new Body(events[0].PrevHash, events.Count);
        Span<byte> hash = stackalloc byte[32];
        foreach (var e in events)
        {
            body.Start(e.Seq);
            body.Text(e.Stream);
            body.Text(e.Type);
            body.Text(e.Time);
            _ = e.Cbor is { } cbor ? body.Raw(cbor.Span) : body.Text(e.Payload);
            Convert.FromHexString(e.Hash, hash, out _, out _);
            body.Hash(hash);
        }

        return Row(events, body.Compress());
    }

    /// <summary>
    /// Chains <paramref name="entries"/> after <paramref name="head"/> and encodes them in one pass: each field is
    /// turned into UTF-8 once (a CBOR payload is copied as it is), written into the body and hashed from there (the
    /// same bytes <see cref="JournalEvent.ComputeHash"/> hashes), so a batch costs one encoding and one SHA-256 per event.
    /// </summary>
    public static (List<JournalEvent> Events, StoredSegment Segment) Chain(IReadOnlyList<JournalEntry> entries, (long Seq, string Hash) head, string time)
    {
        var (seq, previous) = head;
        var events = new List<JournalEvent>(entries.Count);
        var body = new Body(previous, entries.Count);
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<byte> prefix = stackalloc byte[64 + 1 + 20 + 1];
        Span<byte> hash = stackalloc byte[32];
        ReadOnlySpan<byte> newline = "\n"u8;
        foreach (var entry in entries)
        {
            seq++;
            var at = System.Text.Encoding.UTF8.GetBytes(previous, prefix);
            prefix[at++] = (byte)'\n';
            seq.TryFormat(prefix[at..], out var digits, provider: System.Globalization.CultureInfo.InvariantCulture);
            sha.AppendData(prefix[..(at + digits)]);
            body.Start(seq);
            sha.AppendData(newline);
            sha.AppendData(body.Text(entry.Stream));
            sha.AppendData(newline);
            sha.AppendData(body.Text(entry.Type));
            sha.AppendData(newline);
            sha.AppendData(body.Text(time));
            sha.AppendData(newline);
            sha.AppendData(entry.Cbor is { } given ? body.Raw(given) : body.Text(entry.Payload));
            sha.GetHashAndReset(hash);
            body.Hash(hash);
            var hex = Convert.ToHexStringLower(hash);
            events.Add(entry.Cbor is { } cbor
                ? new JournalEvent(seq, entry.Stream, entry.Type, time, cbor, previous, hex)
                : new JournalEvent(seq, entry.Stream, entry.Type, time, entry.Payload, previous, hex));
            previous = hex;
        }

        return (events, Row(events, body.Compress()));
    }

    private static StoredSegment Row(IReadOnlyList<JournalEvent> events, byte[] body) =>
        new(events[0].Seq, events[^1].Seq, events.Count, Index(events, e => e.Stream), Index(events, e => e.Type), events[^1].Hash, body);

    /// <summary>
    /// The CBOR of a segment, written by hand into a buffer of this thread's (definite lengths, shortest heads:
    /// what System.Formats.Cbor's Strict mode reads back), then compressed.
    /// </summary>
    private sealed class Body
    {
        [ThreadStatic] private static byte[]? scratch;

        private byte[] buffer;
        private int length;

        public Body(string previous, int count)
        {
            buffer = scratch ?? new byte[1 << 20];
            scratch = null;
            length = 0;
            Head(5, 3);
            Text("format");
            Text(Format);
            Text("prev");
            Text(previous);
            Text("events");
            Head(4, (ulong)count);
        }

        /// <summary>Opens an event, <c>[seq, …</c>.</summary>
        public void Start(long seq)
        {
            Head(4, 6);
            Head(0, (ulong)seq);
        }

        /// <summary>Writes a text string; returns its UTF-8 bytes, for hashing.</summary>
        public ReadOnlySpan<byte> Text(string text)
        {
            var bytes = System.Text.Encoding.UTF8.GetByteCount(text);
            Head(3, (ulong)bytes);
            Room(bytes);
            var start = length;
            length += System.Text.Encoding.UTF8.GetBytes(text, buffer.AsSpan(length));
            return buffer.AsSpan(start, bytes);
        }

        /// <summary>Writes encoded CBOR (a payload given as CBOR) as an embedded data item, <c>24(h'…')</c>; returns it, for hashing.</summary>
        public ReadOnlySpan<byte> Raw(ReadOnlySpan<byte> encoded)
        {
            Head(6, 24);
            Head(2, (ulong)encoded.Length);
            Room(encoded.Length);
            var start = length;
            encoded.CopyTo(buffer.AsSpan(length));
            length += encoded.Length;
            return buffer.AsSpan(start, encoded.Length);
        }

        public void Hash(ReadOnlySpan<byte> hash)
        {
            Head(2, (ulong)hash.Length);
            Room(hash.Length);
            hash.CopyTo(buffer.AsSpan(length));
            length += hash.Length;
        }

        public byte[] Compress()
        {
            compressor ??= NewCompressor();
            var compressed = compressor.Wrap(buffer.AsSpan(0, length)).ToArray();
            if (buffer.Length <= 1 << 26)
            {
                scratch = buffer;
            }

            return compressed;
        }

        private void Head(int major, ulong value)
        {
            Room(9);
            length += Serialization.CborDocument.WriteHead(buffer.AsSpan(length), major, value);
        }

        private void Room(int more)
        {
            if (length + more > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + more));
            }
        }
    }

    /// <summary>
    /// The events of <paramref name="segment"/>, each with the hash it was stored with (its links and hashes are
    /// for <see cref="JournalVerifier"/> to check); its index columns must agree with its body.
    /// </summary>
    /// <exception cref="JournalSegmentException">The body is not a segment (altered, truncated, another format), or disagrees with its row.</exception>
    public static List<JournalEvent> Read(StoredSegment segment)
    {
        ReadOnlySpan<byte> decoded;
        try
        {
            decompressor ??= new Decompressor();
            var size = Decompressor.GetDecompressedSize(segment.Body);
            if (size is 0 or > MaxDecoded)
            {
                throw new JournalSegmentException(segment, $"its zstd frame declares {size} bytes");
            }

            // Decoded into this thread's buffer (nothing read from it outlives this call): a segment is megabytes,
            // and a fresh array for each would cost more than decoding it.
            var into = decoding is { } kept && kept.Length >= (int)size ? kept : new byte[(int)size];
            decoding = into.Length <= 1 << 26 ? into : decoding;
            var written = decompressor.Unwrap(segment.Body, into);
            decoded = written == (int)size ? into.AsSpan(0, written) : throw new JournalSegmentException(segment, $"its zstd frame declares {size} bytes and holds {written}");
        }
        catch (ZstdException error)
        {
            throw new JournalSegmentException(segment, $"its compressed bytes do not decode ({error.Message})");
        }

        var events = new List<JournalEvent>(Math.Clamp(segment.Count, 0, 4096));   // the row says how many; it is not trusted for an allocation
        try
        {
            var reader = new CborSpan(decoded);
            var format = reader.Count(5, "the segment map") == 3 && Utf8.GetString(reader.Text("'format'")) == "format" ? Utf8.GetString(reader.Text("the format")) : null;
            if (format is not (Format or FormatOne))
            {
                throw new JournalSegmentException(segment, $"it is not a {Format} body");
            }

            var previous = reader.Text("'prev'").SequenceEqual("prev"u8) ? Utf8.GetString(reader.Text("the previous hash")) : throw new JournalSegmentException(segment, "its body has no 'prev'");
            if (!reader.Text("'events'").SequenceEqual("events"u8))
            {
                throw new JournalSegmentException(segment, "its body has no 'events'");
            }

            var (stream, type, time) = (new Field(), new Field(), new Field());
            for (var count = reader.Count(4, "the events"); count > 0; count--)
            {
                if (reader.Count(4, "an event") != 6)
                {
                    throw new JournalSegmentException(segment, $"its event {events.Count + 1} is not [seq, stream, type, time, payload, sha256]");
                }

                var seq = reader.Unsigned("a sequence number") is var number && number <= long.MaxValue ? (long)number : throw new FormatException("a sequence number is too large");
                stream.Read(ref reader);
                type.Read(ref reader);
                time.Read(ref reader);
                var isCbor = format == Format && reader.PeekMajor() == 6;
                var cbor = isCbor ? Embedded(ref reader) : null;
                var json = isCbor ? null : Utf8.GetString(reader.Text("a payload"));
                var hash = reader.Bytes("a hash") is { Length: 32 } bytes ? Convert.ToHexStringLower(bytes) : throw new FormatException("a hash is not 32 bytes");
                events.Add(isCbor ? new JournalEvent(seq, stream.Text, type.Text, time.Text, cbor!, previous, hash) : new JournalEvent(seq, stream.Text, type.Text, time.Text, json!, previous, hash));
                previous = hash;
            }

            if (reader.Remaining != 0)
            {
                throw new JournalSegmentException(segment, "its body has bytes after the segment");
            }
        }
        catch (Exception error) when (error is not JournalSegmentException and (FormatException or ArgumentException))
        {
            // ArgumentException: text that is not UTF-8.
            throw new JournalSegmentException(segment, $"its body is not valid CBOR of a segment ({error.Message})");
        }

        var problem = events.Count == 0 ? "it holds no events"
            : events.Count != segment.Count ? $"its row says {segment.Count} events, its body holds {events.Count}"
            : events[0].Seq != segment.First || events[^1].Seq != segment.Last ? $"its row says events {segment.First}–{segment.Last}, its body holds {events[0].Seq}–{events[^1].Seq}"
            : events[^1].Hash != segment.LastHash ? "its row's last hash is not its last event's"
            : Index(events, e => e.Stream) != segment.Streams || Index(events, e => e.Type) != segment.Types ? "its row's streams or types are not those of its events"
            : null;
        return problem is null ? events : throw new JournalSegmentException(segment, problem);
    }

    private static readonly System.Text.UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A payload stored as CBOR: the bytes of <c>24(h'…')</c>, an encoded data item (RFC 8949, 3.4.5.1), checked when it is turned into JSON.</summary>
    private static byte[] Embedded(ref CborSpan reader) =>
        reader.Expect(6, "a tag") == 24 ? reader.Bytes("an encoded payload").ToArray() : throw new FormatException("a payload is tagged other than as encoded CBOR (24)");

    /// <summary>A text field of consecutive events, decoded once while it repeats (most events of a segment share their stream, type and time).</summary>
    private sealed class Field
    {
        private byte[] bytes = [];

        public string Text { get; private set; } = "";

        public void Read(ref CborSpan reader)
        {
            var read = reader.Text("a text field");
            if (!read.SequenceEqual(bytes))
            {
                Text = Utf8.GetString(read);
                bytes = read.ToArray();
            }
        }
    }

    /// <summary>Whether the segment may hold events that pass <paramref name="filter"/>, by its index columns.</summary>
    public static bool Holds(StoredSegment segment, EventFilter filter) =>
        segment.Last >= filter.From && segment.First <= filter.To
        && (filter.Stream is null || segment.Streams.Contains($"\n{filter.Stream}\n", StringComparison.Ordinal))
        && (filter.Types is not { Count: > 0 } types || types.Any(type => segment.Types.Contains($"\n{type}\n", StringComparison.Ordinal)));

    /// <summary>Whether <paramref name="e"/> passes <paramref name="filter"/>.</summary>
    public static bool Passes(JournalEvent e, EventFilter filter) =>
        e.Seq >= filter.From && e.Seq <= filter.To
        && (filter.Stream is null || e.Stream == filter.Stream)
        && (filter.Types is not { Count: > 0 } types || types.Contains(e.Type));

    private static string Index(IReadOnlyList<JournalEvent> events, Func<JournalEvent, string> field)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            seen.Add(field(e));
        }

        return "\n" + string.Join("", seen.Select(value => value + "\n"));
    }

    private static Compressor NewCompressor()
    {
        var made = new Compressor(1);
        made.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        return made;
    }
}

/// <summary>A segment that cannot be read as one: named by its range, with what is wrong.</summary>
internal sealed class JournalSegmentException(StoredSegment segment, string problem)
    : JournalException($"the segment of events {segment.First}–{segment.Last} cannot be read: {problem} (its row was altered).")
{
    public long First { get; } = segment.First;
}
