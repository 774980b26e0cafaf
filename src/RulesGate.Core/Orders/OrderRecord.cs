using RulesGate.Core.Journal;

namespace RulesGate.Core.Orders;

/// <summary>
/// What one order writes to the journal, in one transaction: its capital decision and its governance decision (the
/// events), the rule files they name (kept once per hash), the kill switch's trip when the order tripped it (with
/// its latch), and the execution token it used (checked again inside the transaction).
/// </summary>
/// <param name="TripCause">Why the order tripped the kill switch; null when it did not.</param>
/// <param name="Token">The token the order used; null when it used none.</param>
public sealed record OrderRecord(IReadOnlyList<JournalEntry> Entries, IReadOnlyList<KeyValuePair<string, byte[]>> Blobs, string? TripCause, JournalChange? Token)
{
    /// <summary>Whether it needs a transaction of its own: a trip latches the kill switch, and a token is checked again.</summary>
    public bool Alone => TripCause is not null || Token is not null;
}
