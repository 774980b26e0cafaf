using System.Formats.Cbor;
using ZstdSharp;

namespace RulesGate.Core.Journal;

/// <summary>
/// A segment as stored: one row for a batch of events appended in one transaction. <see cref="Body"/> is what
/// counts (the events, compressed); the other columns index it (its range, the streams and types it holds, its
/// last hash) and are checked against the body whenever it is read.
/// </summary>
/// <param name="Streams">Each distinct stream between newlines, as <c>\nrun:a\ngate\n</c>, so a stream is found by <c>\n{stream}\n</c>.</param>
/// <param name="Types">Each distinct type, the same way.</param>
public sealed record StoredSegment(long First, long Last, int Count, string Streams, string Types, string LastHash, byte[] Body);

/// <summary>
/// The encoding of a segment, standard and self-describing so that any CBOR and zstd tool reads it years later:
/// a zstd frame (level 1, with its content checksum) holding one CBOR map,
/// <c>{"format": "rulesgate-segment/1", "prev": hash before the first event, "events": [[seq, stream, type, time, payload, sha256], …]}</c>.
/// Each event keeps its own hash, computed exactly as for an event on a row of its own (<see cref="JournalEvent.HashOf"/>),
/// so one chain runs through rows and segments and <c>journal verify</c> names the first altered event inside a segment.
/// </summary>
public static class JournalSegment
{
    public const string Format = "rulesgate-segment/1";

    /// <summary>Events past this many decoded bytes make a segment unreadable: a hostile body cannot make a reader allocate without bound.</summary>
    private const int MaxDecoded = 1 << 30;

    [ThreadStatic] private static Compressor? compressor;
    [ThreadStatic] private static Decompressor? decompressor;

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
            body.Text(e.Payload);
            Convert.FromHexString(e.Hash, hash, out _, out _);
            body.Hash(hash);
        }

        return Row(events, body.Compress());
    }

    /// <summary>
    /// Chains <paramref name="entries"/> after <paramref name="head"/> and encodes them in one pass: each field is
    /// turned into UTF-8 once, written into the body and hashed from there (the same bytes
    /// <see cref="JournalEvent.HashOf"/> hashes), so a batch costs one encoding and one SHA-256 per event.
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
            sha.AppendData(body.Text(entry.Payload));
            sha.GetHashAndReset(hash);
            body.Hash(hash);
            var hex = Convert.ToHexStringLower(hash);
            events.Add(new JournalEvent(seq, entry.Stream, entry.Type, time, entry.Payload, previous, hex));
            previous = hex;
        }

        return (events, Row(events, body.Compress()));
    }

    private static StoredSegment Row(IReadOnlyList<JournalEvent> events, byte[] body) =>
        new(events[0].Seq, events[^1].Seq, events.Count, Index(events, e => e.Stream), Index(events, e => e.Type), events[^1].Hash, body);

    /// <summary>
    /// The CBOR of a segment, written by hand into a buffer of this thread's (definite lengths, shortest heads:
    /// what <see cref="CborConformanceMode.Strict"/> reads back), then compressed.
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
            var kind = (byte)(major << 5);
            if (value < 24)
            {
                buffer[length++] = (byte)(kind | (byte)value);
            }
            else if (value <= byte.MaxValue)
            {
                buffer[length++] = (byte)(kind | 24);
                buffer[length++] = (byte)value;
            }
            else if (value <= ushort.MaxValue)
            {
                buffer[length++] = (byte)(kind | 25);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(length), (ushort)value);
                length += 2;
            }
            else if (value <= uint.MaxValue)
            {
                buffer[length++] = (byte)(kind | 26);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(length), (uint)value);
                length += 4;
            }
            else
            {
                buffer[length++] = (byte)(kind | 27);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(length), value);
                length += 8;
            }
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
        byte[] decoded;
        try
        {
            decompressor ??= new Decompressor();
            var size = Decompressor.GetDecompressedSize(segment.Body);
            if (size is 0 or > MaxDecoded)
            {
                throw new JournalSegmentException(segment, $"its zstd frame declares {size} bytes");
            }

            decoded = decompressor.Unwrap(segment.Body, (int)size).ToArray();
        }
        catch (ZstdException error)
        {
            throw new JournalSegmentException(segment, $"its compressed bytes do not decode ({error.Message})");
        }

        var events = new List<JournalEvent>(Math.Clamp(segment.Count, 0, 4096));   // the row says how many; it is not trusted for an allocation
        try
        {
            var reader = new CborReader(decoded, CborConformanceMode.Strict);
            if (reader.ReadStartMap() != 3 || reader.ReadTextString() != "format" || reader.ReadTextString() != Format)
            {
                throw new JournalSegmentException(segment, $"it is not a {Format} body");
            }

            var previous = reader.ReadTextString() == "prev" ? reader.ReadTextString() : throw new JournalSegmentException(segment, "its body has no 'prev'");
            if (reader.ReadTextString() != "events" || reader.ReadStartArray() is not { } count)
            {
                throw new JournalSegmentException(segment, "its body has no 'events'");
            }

            for (var i = 0; i < count; i++)
            {
                if (reader.ReadStartArray() != 6)
                {
                    throw new JournalSegmentException(segment, $"its event {i + 1} is not [seq, stream, type, time, payload, sha256]");
                }

                var seq = reader.ReadInt64();
                var stream = reader.ReadTextString();
                var type = reader.ReadTextString();
                var time = reader.ReadTextString();
                var payload = reader.ReadTextString();
                var hash = Convert.ToHexStringLower(reader.ReadByteString());
                reader.ReadEndArray();
                events.Add(new JournalEvent(seq, stream, type, time, payload, previous, hash));
                previous = hash;
            }

            reader.ReadEndArray();
            reader.ReadEndMap();
            if (reader.BytesRemaining != 0)
            {
                throw new JournalSegmentException(segment, "its body has bytes after the segment");
            }
        }
        catch (Exception error) when (error is not JournalSegmentException and (CborContentException or InvalidOperationException or OverflowException or FormatException))
        {
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
public sealed class JournalSegmentException(StoredSegment segment, string problem)
    : JournalException($"the segment of events {segment.First}–{segment.Last} cannot be read: {problem} (its row was altered).")
{
    public long First { get; } = segment.First;
}
