using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RulesGate.Core.Journal;

/// <summary>An appended event: its place in the chain and the hash that links it to the one before.</summary>
public sealed record JournalEvent(long Seq, string Stream, string Type, string Time, string Payload, string PrevHash, string Hash)
{
    /// <summary>The hash before the first event.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>SHA-256 of the previous hash and every field of the event, one per line.</summary>
    public static string HashOf(string prevHash, long seq, string stream, string type, string time, string payload)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{prevHash}\n{seq}\n{stream}\n{type}\n{time}\n{payload}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public string ComputeHash() => HashOf(PrevHash, Seq, Stream, Type, Time, Payload);
}
