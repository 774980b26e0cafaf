using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RulesGate.Core.Journal;

/// <summary>An appended event: its place in the chain and the hash that links it to the one before.</summary>
public sealed record JournalEvent(long Seq, string Stream, string Type, string Time, string Payload, string PrevHash, string Hash)
{
    /// <summary>The hash before the first event.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>SHA-256 of the previous hash and every field of the event, one per line, in UTF-8.</summary>
    public static string HashOf(string prevHash, long seq, string stream, string type, string time, string payload)
    {
        Span<char> number = stackalloc char[20];
        seq.TryFormat(number, out var digits, provider: CultureInfo.InvariantCulture);
        number = number[..digits];
        var length = Encoding.UTF8.GetMaxByteCount(prevHash.Length + digits + stream.Length + type.Length + time.Length + payload.Length + 5);
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var at = 0;
            void Put(ReadOnlySpan<char> text, bool last = false)
            {
                at += Encoding.UTF8.GetBytes(text, rented.AsSpan(at));
                if (!last)
                {
                    rented[at++] = (byte)'\n';
                }
            }

            Put(prevHash);
            Put(number);
            Put(stream);
            Put(type);
            Put(time);
            Put(payload, last: true);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(rented.AsSpan(0, at), hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public string ComputeHash() => HashOf(PrevHash, Seq, Stream, Type, Time, Payload);
}
