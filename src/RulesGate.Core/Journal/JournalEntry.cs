using RulesGate.Core.Serialization;

namespace RulesGate.Core.Journal;

/// <summary>An event to append: which stream it belongs to, its type and its payload, canonical JSON or its CBOR.</summary>
public sealed record JournalEntry
{
    private readonly string? json;

    /// <param name="stream">A run, a policy, an instance, <c>killswitch</c>…; one line of text.</param>
    /// <param name="type">Such as <c>gate.decision</c>.</param>
    /// <param name="payload">Canonical JSON: keys in a fixed order, invariant numbers.</param>
    public JournalEntry(string stream, string type, string payload)
    {
        Stream = stream;
        Type = type;
        json = payload;
    }

    private JournalEntry(string stream, string type, byte[] cbor)
    {
        Stream = stream;
        Type = type;
        Cbor = cbor;
    }

    /// <summary>
    /// An entry whose payload is a <see cref="CborDocument"/>: how decisions are journaled in bulk, written without
    /// formatting a number. In a segment it is stored and hashed as that CBOR; on a row of its own, as its JSON.
    /// </summary>
    public static JournalEntry OfCbor(string stream, string type, byte[] cbor) => new(stream, type, cbor);

    public string Stream { get; }

    public string Type { get; }

    /// <summary>The payload as canonical JSON (for a CBOR payload, its JSON, made when asked for).</summary>
    public string Payload => json ?? CborDocument.ToJson(Cbor);

    /// <summary>The payload's CBOR, when it was given as CBOR.</summary>
    public byte[]? Cbor { get; }
}
