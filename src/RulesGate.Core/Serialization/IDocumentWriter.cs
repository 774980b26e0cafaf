using System.Text.Json;

namespace RulesGate.Core.Serialization;

/// <summary>
/// What the writers of a JSON-shaped document need (the names are <see cref="Utf8JsonWriter"/>'s), so one piece
/// of code writes a decision as JSON (<see cref="JsonSink"/>) or as CBOR (<see cref="CborDocument"/>) with the same
/// keys in the same order. Generic code over a struct writer costs nothing over writing to <see cref="Utf8JsonWriter"/> directly.
/// </summary>
public interface IDocumentWriter
{
    void WriteStartObject();

    void WriteStartObject(ReadOnlySpan<byte> name);

    void WriteEndObject();

    void WriteStartArray();

    void WriteStartArray(ReadOnlySpan<byte> name);

    void WriteEndArray();

    void WritePropertyName(ReadOnlySpan<byte> name);

    void WritePropertyName(string name);

    void WriteNullValue();

    void WriteBooleanValue(bool value);

    void WriteStringValue(string? value);

    void WriteNumberValue(long value);

    /// <exception cref="ArgumentException">The number is not finite: JSON has no text for it.</exception>
    void WriteNumberValue(double value);

    void WriteNumberValue(decimal value);

    void WriteString(ReadOnlySpan<byte> name, string? value);

    void WriteNumber(ReadOnlySpan<byte> name, long value);

    void WriteNumber(string name, long value);

    void WriteNumber(ReadOnlySpan<byte> name, double value);

    void WriteBoolean(ReadOnlySpan<byte> name, bool value);
}

/// <summary>A <see cref="Utf8JsonWriter"/> seen as an <see cref="IDocumentWriter"/>.</summary>
internal readonly struct JsonSink(Utf8JsonWriter writer) : IDocumentWriter
{
    public void WriteStartObject() => writer.WriteStartObject();

    public void WriteStartObject(ReadOnlySpan<byte> name) => writer.WriteStartObject(name);

    public void WriteEndObject() => writer.WriteEndObject();

    public void WriteStartArray() => writer.WriteStartArray();

    public void WriteStartArray(ReadOnlySpan<byte> name) => writer.WriteStartArray(name);

    public void WriteEndArray() => writer.WriteEndArray();

    public void WritePropertyName(ReadOnlySpan<byte> name) => writer.WritePropertyName(name);

    public void WritePropertyName(string name) => writer.WritePropertyName(name);

    public void WriteNullValue() => writer.WriteNullValue();

    public void WriteBooleanValue(bool value) => writer.WriteBooleanValue(value);

    public void WriteStringValue(string? value) => writer.WriteStringValue(value);

    public void WriteNumberValue(long value) => writer.WriteNumberValue(value);

    public void WriteNumberValue(double value) => writer.WriteNumberValue(value);

    public void WriteNumberValue(decimal value) => writer.WriteNumberValue(value);

    public void WriteString(ReadOnlySpan<byte> name, string? value) => writer.WriteString(name, value);

    public void WriteNumber(ReadOnlySpan<byte> name, long value) => writer.WriteNumber(name, value);

    public void WriteNumber(string name, long value) => writer.WriteNumber(name, value);

    public void WriteNumber(ReadOnlySpan<byte> name, double value) => writer.WriteNumber(name, value);

    public void WriteBoolean(ReadOnlySpan<byte> name, bool value) => writer.WriteBoolean(name, value);
}
