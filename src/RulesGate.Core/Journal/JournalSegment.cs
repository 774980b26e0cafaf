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

    /// <summary>The row for <paramref name="events"/>: consecutive, chained events, at least one.</summary>
    public static StoredSegment Of(IReadOnlyList<JournalEvent> events)
    {
        var writer = new CborWriter(CborConformanceMode.Strict, convertIndefiniteLengthEncodings: false, allowMultipleRootLevelValues: false, initialCapacity: 1 << 16);
        writer.WriteStartMap(3);
        writer.WriteTextString("format");
        writer.WriteTextString(Format);
        writer.WriteTextString("prev");
        writer.WriteTextString(events[0].PrevHash);
        writer.WriteTextString("events");
        writer.WriteStartArray(events.Count);
        Span<byte> hash = stackalloc byte[32];
        foreach (var e in events)
        {
            writer.WriteStartArray(6);
            writer.WriteInt64(e.Seq);
            writer.WriteTextString(e.Stream);
            writer.WriteTextString(e.Type);
            writer.WriteTextString(e.Time);
            writer.WriteTextString(e.Payload);
            Convert.FromHexString(e.Hash, hash, out _, out _);
            writer.WriteByteString(hash);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteEndMap();
        compressor ??= NewCompressor();
        var body = compressor.Wrap(writer.Encode()).ToArray();
        return new StoredSegment(events[0].Seq, events[^1].Seq, events.Count, Index(events, e => e.Stream), Index(events, e => e.Type), events[^1].Hash, body);
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

        var events = new List<JournalEvent>(segment.Count);
        try
        {
            var reader = new CborReader(decoded, CborConformanceMode.Strict);
            if (reader.ReadStartMap() != 3 || reader.ReadTextString() != "format" || reader.ReadTextString() is var format && format != Format)
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
