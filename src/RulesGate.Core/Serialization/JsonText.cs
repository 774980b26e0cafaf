using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RulesGate.Core.Serialization;

/// <summary>
/// How RulesGate writes JSON, for every engine: snake_case keys in a fixed order, numbers with the invariant
/// culture (shortest round-trip form; whole numbers as integers), non-finite numbers as null, UTC timestamps with
/// as many fractional digits as they have, so the same value is the same bytes.
/// </summary>
public static class JsonText
{
    private static readonly JsonWriterOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions Indented = Compact with { Indented = true };

    /// <summary>A buffer and writers kept per thread, so that writing a document allocates only its string.</summary>
    [ThreadStatic] private static Scratch? scratch;

    public static string Write(Action<Utf8JsonWriter> write, bool pretty) => Write(write, pretty, static bytes => Encoding.UTF8.GetString(bytes.Span));

    /// <summary>
    /// Writes compact JSON with <paramref name="write"/> and hands its UTF-8 bytes to <paramref name="read"/>, which
    /// must not keep them: they are this thread's scratch buffer, reused by the next call.
    /// </summary>
    internal static T Read<T>(Action<Utf8JsonWriter> write, Func<ReadOnlyMemory<byte>, T> read) => Write(write, pretty: false, read);

    private static T Write<T>(Action<Utf8JsonWriter> write, bool pretty, Func<ReadOnlyMemory<byte>, T> result)
    {
        // Taken from the thread while in use, so a document written inside another's callback gets its own.
        var mine = scratch ?? new Scratch();
        scratch = null;
        try
        {
            mine.Buffer.ResetWrittenCount();
            var writer = pretty ? mine.Indented : mine.Compact;
            writer.Reset(mine.Buffer);
            write(writer);
            writer.Flush();
            return result(mine.Buffer.WrittenMemory);
        }
        finally
        {
            if (mine.Buffer.Capacity <= 1 << 20)
            {
                scratch = mine;
            }
            else
            {
                mine.Dispose();
            }
        }
    }

    private sealed class Scratch : IDisposable
    {
        public readonly System.Buffers.ArrayBufferWriter<byte> Buffer = new(4096);
        public readonly Utf8JsonWriter Compact;
        public readonly Utf8JsonWriter Indented;

        public Scratch()
        {
            Compact = new Utf8JsonWriter(Buffer, JsonText.Compact);
            Indented = new Utf8JsonWriter(Buffer, JsonText.Indented);
        }

        public void Dispose()
        {
            Compact.Dispose();
            Indented.Dispose();
        }
    }

    /// <summary>
    /// RulesGate's one way to write a time: UTC, always seven fractional digits (<c>2026-01-31T16:00:00.0000000Z</c>),
    /// so every time it writes has one width and sorts as text in time order.
    /// </summary>
    /// <remarks>The round-trip format "O" of a UTC time is exactly this, and is the fast one to write.</remarks>
    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>A time as people read it: UTC, to the second (<c>2026-01-31T16:00:00Z</c>).</summary>
    public static string Seconds(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The format <see cref="Timestamp"/> writes, for readers that parse it back exactly.</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static void Value(Utf8JsonWriter writer, object? value) => Value(new JsonSink(writer), value);

    /// <summary>Any value as JSON (or its CBOR): whole numbers as integers, non-finite ones as null, times as <see cref="Timestamp"/>, lists as arrays.</summary>
    public static void Value<TWriter>(TWriter writer, object? value)
        where TWriter : IDocumentWriter
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case double number:
                Number(writer, number);
                break;
            case int number:
                writer.WriteNumberValue(number);
                break;
            case long number:
                writer.WriteNumberValue(number);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case DateTimeOffset time:
                writer.WriteStringValue(Timestamp(time));
                break;
            case TimeSpan span:
                writer.WriteNumberValue(span.TotalSeconds);
                break;
            case Enum choice:
                writer.WriteStringValue(choice.ToString().ToLowerInvariant());
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    Value(writer, item);
                }

                writer.WriteEndArray();
                break;
            case IFormattable formattable:
                writer.WriteStringValue(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteStringValue(value.ToString());
                break;
        }
    }

    /// <summary>A number: whole ones (quantities, equity, most prices) as integers, the same text and far faster to write; non-finite ones as null.</summary>
    public static void Number<TWriter>(TWriter writer, double number)
        where TWriter : IDocumentWriter
    {
        if (Math.Abs(number) < 1e15 && number == Math.Floor(number) && !(number == 0 && double.IsNegative(number)))
        {
            writer.WriteNumberValue((long)number);
        }
        else if (double.IsFinite(number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    /// <summary>An object of numbers with its keys in ordinal order, without sorting more than the keys.</summary>
    public static void SortedNumbers<TWriter, TNumber>(TWriter writer, ReadOnlySpan<byte> name, IReadOnlyDictionary<string, TNumber> values)
        where TWriter : IDocumentWriter
        where TNumber : struct, System.Numerics.INumberBase<TNumber>
    {
        writer.WriteStartObject(name);
        var keys = System.Buffers.ArrayPool<string>.Shared.Rent(values.Count);
        var count = 0;
        foreach (var key in values.Keys)
        {
            keys[count++] = key;
        }

        Array.Sort(keys, 0, count, StringComparer.Ordinal);
        foreach (var key in keys.AsSpan(0, count))
        {
            writer.WritePropertyName(key);
            Number(writer, double.CreateTruncating(values[key]));
        }

        System.Buffers.ArrayPool<string>.Shared.Return(keys, clearArray: true);
        writer.WriteEndObject();
    }

    /// <summary>A JSON value with every object's keys in ordinal order, at every depth.</summary>
    public static void Sorted(Utf8JsonWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in value.EnumerateObject().OrderBy(property => property.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Sorted(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    Sorted(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }

    /// <summary>A text property, left out when the value is null.</summary>
    public static void Optional(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>A property holding a list of texts.</summary>
    public static void Strings(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IEnumerable<string> items)
    {
        writer.WriteStartArray(name);
        foreach (var item in items)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    }
}
