using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Journal;

/// <summary>
/// An appended event: its place in the chain and the hash that links it to the one before. Its payload is canonical
/// JSON, or (for an event in a segment that was given as CBOR) a <see cref="CborDocument"/>, whose JSON is made when
/// <see cref="Payload"/> is first read: hashing and verifying never need it.
/// </summary>
public sealed record JournalEvent
{
    /// <summary>The hash before the first event.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    private string? json;
    private ReadOnlyMemory<byte>? cbor;

    public JournalEvent(long seq, string stream, string type, string time, string payload, string prevHash, string hash)
    {
        (Seq, Stream, Type, Time, PrevHash, Hash) = (seq, stream, type, time, prevHash, hash);
        json = payload;
    }

    public JournalEvent(long seq, string stream, string type, string time, ReadOnlyMemory<byte> payload, string prevHash, string hash)
    {
        (Seq, Stream, Type, Time, PrevHash, Hash) = (seq, stream, type, time, prevHash, hash);
        cbor = payload;
    }

    public long Seq { get; init; }

    public string Stream { get; init; }

    public string Type { get; init; }

    public string Time { get; init; }

    /// <summary>The payload as canonical JSON. Setting it (<c>with { Payload = … }</c>) makes the event's payload that JSON.</summary>
    /// <exception cref="FormatException">A CBOR payload is not a JSON-shaped document (read from an altered segment).</exception>
    public string Payload
    {
        get
        {
            try
            {
                return json ??= CborDocument.ToJson(cbor!.Value);
            }
            catch (FormatException error)
            {
                throw new FormatException($"The payload of event {Seq} is {error.Message}; run 'rulesgate journal verify' to see whether it was altered.", error);
            }
        }
        init => (json, cbor) = (value, null);
    }

    /// <summary>The payload's CBOR, when it is stored as CBOR; what its hash covers.</summary>
    public ReadOnlyMemory<byte>? Cbor
    {
        get => cbor;
        init => (cbor, json) = (value, value is null ? json : null);
    }

    public string PrevHash { get; init; }

    public string Hash { get; init; }

    /// <summary>
    /// SHA-256 of the previous hash and every field of the event, one per line, in UTF-8: the payload as its JSON
    /// text, or as its CBOR bytes. The two cannot be confused: a CBOR map starts with a byte (0xa0–0xbf) that never
    /// starts UTF-8 text.
    /// </summary>
    public static string HashOf(string prevHash, long seq, string stream, string type, string time, string payload)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(payload.Length));
        try
        {
            return HashOf(prevHash, seq, stream, type, time, rented.AsSpan(0, Encoding.UTF8.GetBytes(payload, rented)));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The hash of an event whose payload is <paramref name="payload"/> (UTF-8 JSON or CBOR).</summary>
    public static string HashOf(string prevHash, long seq, string stream, string type, string time, ReadOnlySpan<byte> payload)
    {
        Span<char> number = stackalloc char[20];
        seq.TryFormat(number, out var digits, provider: CultureInfo.InvariantCulture);
        number = number[..digits];
        var length = Encoding.UTF8.GetMaxByteCount(prevHash.Length + digits + stream.Length + type.Length + time.Length + 5) + payload.Length;
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var at = 0;
            void Put(ReadOnlySpan<char> text)
            {
                at += Encoding.UTF8.GetBytes(text, rented.AsSpan(at));
                rented[at++] = (byte)'\n';
            }

            Put(prevHash);
            Put(number);
            Put(stream);
            Put(type);
            Put(time);
            payload.CopyTo(rented.AsSpan(at));
            at += payload.Length;
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(rented.AsSpan(0, at), hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public string ComputeHash() => cbor is { } bytes ? HashOf(PrevHash, Seq, Stream, Type, Time, bytes.Span) : HashOf(PrevHash, Seq, Stream, Type, Time, Payload);

    /// <summary>Events are equal when every field is, the payload by its bytes when both are CBOR and by its JSON otherwise.</summary>
    public bool Equals(JournalEvent? other) =>
        other is not null && Seq == other.Seq && Stream == other.Stream && Type == other.Type && Time == other.Time && PrevHash == other.PrevHash && Hash == other.Hash
        && (cbor is { } mine && other.cbor is { } theirs ? mine.Span.SequenceEqual(theirs.Span) : Payload == other.Payload);

    public override int GetHashCode() => HashCode.Combine(Seq, Hash);
}
