using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Text;
using System.Text.Json;

namespace RulesGate.Core.Serialization;

/// <summary>
/// Writes a JSON-shaped document as CBOR (RFC 8949): maps with text keys in the order written, arrays, text,
/// integers, 64-bit floats, decimals (tag 4), booleans and null; definite lengths and shortest heads throughout, so
/// <see cref="CborConformanceMode.Strict"/> reads it back and <see cref="ToJson"/> turns it into exactly the JSON
/// the same code writes through <see cref="JsonSink"/>. Numbers are stored as their bits: no text to format or parse,
/// which is most of what a decision costs to write as JSON.
/// </summary>
internal sealed class CborDocument : IDocumentWriter
{
    /// <summary>Deeper documents are refused by <see cref="ToJson"/>: a hostile one cannot exhaust the stack.</summary>
    public const int MaxDepth = 64;

    [ThreadStatic] private static CborDocument? scratch;

    private readonly int[] starts = new int[MaxDepth];
    private readonly int[] counts = new int[MaxDepth];
    private readonly bool[] maps = new bool[MaxDepth];
    private byte[] buffer = new byte[4096];
    private int length;
    private int depth;

    /// <summary>The CBOR of what <paramref name="write"/> writes: one complete value.</summary>
    public static byte[] Write(Action<CborDocument> write)
    {
        // Taken from the thread while in use, so a document written inside another's callback gets its own.
        var mine = scratch ?? new CborDocument();
        scratch = null;
        try
        {
            mine.length = 0;
            mine.depth = 0;
            write(mine);
            if (mine.depth != 0)
            {
                throw new InvalidOperationException("A CBOR document was left with an open map or array.");
            }

            return mine.buffer.AsSpan(0, mine.length).ToArray();
        }
        finally
        {
            if (mine.buffer.Length <= 1 << 20)
            {
                scratch = mine;
            }
        }
    }

    public void WriteStartObject() => Open(map: true);

    public void WriteStartObject(ReadOnlySpan<byte> name)
    {
        WritePropertyName(name);
        Open(map: true);
    }

    public void WriteEndObject() => Close(map: true);

    public void WriteStartArray() => Open(map: false);

    public void WriteStartArray(ReadOnlySpan<byte> name)
    {
        WritePropertyName(name);
        Open(map: false);
    }

    public void WriteEndArray() => Close(map: false);

    public void WritePropertyName(ReadOnlySpan<byte> name)
    {
        Key();
        Head(3, (ulong)name.Length);
        Room(name.Length);
        name.CopyTo(buffer.AsSpan(length));
        length += name.Length;
    }

    public void WritePropertyName(string name)
    {
        Key();
        Text(name);
    }

    public void WriteNullValue()
    {
        Value();
        Room(1);
        buffer[length++] = 0xf6;
    }

    public void WriteBooleanValue(bool value)
    {
        Value();
        Room(1);
        buffer[length++] = value ? (byte)0xf5 : (byte)0xf4;
    }

    public void WriteStringValue(string? value)
    {
        if (value is null)
        {
            WriteNullValue();
            return;
        }

        Value();
        Text(value);
    }

    public void WriteNumberValue(long value)
    {
        Value();
        if (value >= 0)
        {
            Head(0, (ulong)value);
        }
        else
        {
            Head(1, ~(ulong)value);
        }
    }

    public void WriteNumberValue(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"{value.ToString(System.Globalization.CultureInfo.InvariantCulture)} has no JSON text; write null instead.", nameof(value));
        }

        Value();
        Room(9);
        buffer[length++] = 0xfb;
        BinaryPrimitives.WriteDoubleBigEndian(buffer.AsSpan(length), value);
        length += 8;
    }

    public void WriteNumberValue(decimal value)
    {
        // Tag 4 (a decimal fraction) as System.Formats.Cbor writes it: the scale survives, so 1.50 stays 1.50.
        Value();
        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteDecimal(value);
        var encoded = writer.Encode();
        Room(encoded.Length);
        encoded.CopyTo(buffer.AsSpan(length));
        length += encoded.Length;
    }

    public void WriteString(ReadOnlySpan<byte> name, string? value)
    {
        WritePropertyName(name);
        WriteStringValue(value);
    }

    public void WriteNumber(ReadOnlySpan<byte> name, long value)
    {
        WritePropertyName(name);
        WriteNumberValue(value);
    }

    public void WriteNumber(string name, long value)
    {
        WritePropertyName(name);
        WriteNumberValue(value);
    }

    public void WriteNumber(ReadOnlySpan<byte> name, double value)
    {
        WritePropertyName(name);
        WriteNumberValue(value);
    }

    public void WriteBoolean(ReadOnlySpan<byte> name, bool value)
    {
        WritePropertyName(name);
        WriteBooleanValue(value);
    }

    /// <summary>
    /// The JSON text of a document <see cref="CborDocument"/> wrote: the same keys in the same order, numbers as
    /// <see cref="Utf8JsonWriter"/> writes them, so the JSON is byte for byte what the document's writer would have
    /// written through <see cref="JsonSink"/>.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not one such document (another CBOR type, a non-text key, too deep, trailing bytes).</exception>
    public static string ToJson(ReadOnlyMemory<byte> cbor) => JsonText.Write(writer => Transcode(cbor, writer), pretty: false);

    /// <summary>
    /// <paramref name="read"/> applied to the JSON of the document (<see cref="ToJson"/>), parsed from UTF-8 bytes
    /// that are never made a string: what a reader of JSON shapes costs on a CBOR payload.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not one such document.</exception>
    internal static T ReadAsJson<T>(ReadOnlyMemory<byte> cbor, Func<JsonElement, T> read) => JsonText.Read(writer => Transcode(cbor, writer), json =>
    {
        using var document = JsonDocument.Parse(json);
        return read(document.RootElement);
    });

    private static void Transcode(ReadOnlyMemory<byte> cbor, Utf8JsonWriter writer)
    {
        try
        {
            var reader = new CborSpan(cbor.Span);
            Copy(ref reader, writer, MaxDepth);
            if (reader.Remaining != 0)
            {
                throw new FormatException("bytes follow the document");
            }
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or CborContentException or FormatException)
        {
            // ArgumentException: text that is not UTF-8, a number that is not finite; CborContentException: a bad decimal.
            throw new FormatException($"not a JSON-shaped CBOR document ({error.Message})", error);
        }
    }

    private static void Copy(ref CborSpan reader, Utf8JsonWriter writer, int depth)
    {
        if (depth <= 0)
        {
            throw new FormatException($"nested deeper than {MaxDepth}");
        }

        var at = reader.Position;
        switch (reader.PeekMajor())
        {
            case 5:
                writer.WriteStartObject();
                for (var count = reader.Count(5, "a map"); count > 0; count--)
                {
                    writer.WritePropertyName(Utf8(reader.Text("a map key (text)"), at));
                    Copy(ref reader, writer, depth - 1);
                }

                writer.WriteEndObject();
                break;
            case 4:
                writer.WriteStartArray();
                for (var count = reader.Count(4, "an array"); count > 0; count--)
                {
                    Copy(ref reader, writer, depth - 1);
                }

                writer.WriteEndArray();
                break;
            case 3:
                writer.WriteStringValue(Utf8(reader.Text("text"), at));
                break;
            case 0:
                var positive = reader.Unsigned("an integer");
                writer.WriteNumberValue(positive <= long.MaxValue ? (long)positive : throw new FormatException($"the integer at byte {at} is too large"));
                break;
            case 1:
                var negative = reader.Head().Value;
                writer.WriteNumberValue(negative <= long.MaxValue ? -1 - (long)negative : throw new FormatException($"the integer at byte {at} is too small"));
                break;
            case 6:
                // Tag 4, a decimal fraction, is read by System.Formats.Cbor, which wrote it.
                var tagged = reader.Skip(depth);
                var decimals = new CborReader(tagged.ToArray(), CborConformanceMode.Strict);
                writer.WriteNumberValue(decimals.PeekTag() == CborTag.DecimalFraction ? decimals.ReadDecimal() : throw new FormatException($"byte {at} holds a tag other than a decimal (4)"));
                break;
            default:
                var (major, bits) = reader.Head();
                switch (major, bits)
                {
                    case (7, _) when reader.Position - at == 9:
                        writer.WriteNumberValue(BitConverter.UInt64BitsToDouble(bits));
                        break;
                    case (7, 20) when reader.Position - at == 1:
                        writer.WriteBooleanValue(false);
                        break;
                    case (7, 21) when reader.Position - at == 1:
                        writer.WriteBooleanValue(true);
                        break;
                    case (7, 22) when reader.Position - at == 1:
                        writer.WriteNullValue();
                        break;
                    default:
                        throw new FormatException($"byte {at} holds a CBOR item (major type {major}) that has no place in a JSON-shaped document");
                }

                break;
        }
    }

    /// <summary>Text as it is, once it is known to be UTF-8 (the JSON writer would replace what is not, silently).</summary>
    private static ReadOnlySpan<byte> Utf8(ReadOnlySpan<byte> text, int at) =>
        System.Text.Unicode.Utf8.IsValid(text) ? text : throw new FormatException($"the text at or after byte {at} is not UTF-8");

    private void Open(bool map)
    {
        Value();
        if (depth == MaxDepth)
        {
            throw new InvalidOperationException($"A CBOR document nests deeper than {MaxDepth}.");
        }

        // One byte for the head, widened when the container is closed with 24 items or more.
        Room(1);
        starts[depth] = length++;
        counts[depth] = 0;
        maps[depth] = map;
        depth++;
    }

    private void Close(bool map)
    {
        if (depth == 0 || maps[depth - 1] != map)
        {
            throw new InvalidOperationException($"A CBOR document closed a {(map ? "map" : "array")} it had not opened.");
        }

        depth--;
        var at = starts[depth];
        var count = (ulong)counts[depth];
        var size = HeadSize(count);
        if (size > 1)
        {
            Room(size - 1);
            buffer.AsSpan(at + 1, length - at - 1).CopyTo(buffer.AsSpan(at + size));
            length += size - 1;
        }

        WriteHead(buffer.AsSpan(at), map ? 5 : 4, count);
    }

    /// <summary>A key is written: one more pair in the open map.</summary>
    private void Key()
    {
        if (depth == 0 || !maps[depth - 1])
        {
            throw new InvalidOperationException("A property name was written outside a map.");
        }

        counts[depth - 1]++;
    }

    /// <summary>A value is written: one more item in the open array (a map counts its keys).</summary>
    private void Value()
    {
        if (depth > 0 && !maps[depth - 1])
        {
            counts[depth - 1]++;
        }
    }

    private void Text(string text)
    {
        var bytes = Encoding.UTF8.GetByteCount(text);
        Head(3, (ulong)bytes);
        Room(bytes);
        length += Encoding.UTF8.GetBytes(text, buffer.AsSpan(length));
    }

    private void Head(int major, ulong value)
    {
        Room(9);
        length += WriteHead(buffer.AsSpan(length), major, value);
    }

    private void Room(int more)
    {
        if (length + more > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + more));
        }
    }

    /// <summary>How many bytes the head of <paramref name="value"/> takes.</summary>
    public static int HeadSize(ulong value) => value < 24 ? 1 : value <= byte.MaxValue ? 2 : value <= ushort.MaxValue ? 3 : value <= uint.MaxValue ? 5 : 9;

    /// <summary>Writes the shortest head of major type <paramref name="major"/> and argument <paramref name="value"/>; returns its size.</summary>
    public static int WriteHead(Span<byte> into, int major, ulong value)
    {
        var kind = (byte)(major << 5);
        switch (HeadSize(value))
        {
            case 1:
                into[0] = (byte)(kind | (byte)value);
                return 1;
            case 2:
                into[0] = (byte)(kind | 24);
                into[1] = (byte)value;
                return 2;
            case 3:
                into[0] = (byte)(kind | 25);
                BinaryPrimitives.WriteUInt16BigEndian(into[1..], (ushort)value);
                return 3;
            case 5:
                into[0] = (byte)(kind | 26);
                BinaryPrimitives.WriteUInt32BigEndian(into[1..], (uint)value);
                return 5;
            default:
                into[0] = (byte)(kind | 27);
                BinaryPrimitives.WriteUInt64BigEndian(into[1..], value);
                return 9;
        }
    }
}
