using RulesGate.Core.Gate;
using RulesGate.Core.Journal;

namespace RulesGate.Core.Orders;

/// <summary>
/// The first of the three ways an order's record reaches the journal: each committed in a transaction of its own before
/// the call returns (<c>eval</c>, <c>governance eval</c>, <c>demo</c>, a governed order on a server's writer); the others
/// are <see cref="GroupCommitSink"/> (<c>serve</c>) and <see cref="BatchSink"/> (<c>run</c>).
/// </summary>
internal sealed class DirectSink(JournalStore store)
{
    /// <summary>Commits the record; returns its first event.</summary>
    /// <exception cref="Governance.TokenRefusedException">The token the order used was used meanwhile: nothing was written.</exception>
    public JournalEvent Append(OrderRecord record) => GateJournal.Append(store, [.. record.Entries], record.TripCause, record.Blobs, record.Token)[0];
}
