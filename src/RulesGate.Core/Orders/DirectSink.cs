using RulesGate.Core.Gate;
using RulesGate.Core.Journal;

namespace RulesGate.Core.Orders;

/// <summary>Each order committed in a transaction of its own, before the call returns.</summary>
public sealed class DirectSink(JournalStore store) : IOrderSink
{
    public ValueTask<JournalEvent?> Write(OrderRecord record) => ValueTask.FromResult<JournalEvent?>(Append(record));

    /// <summary>Commits the record; returns its first event.</summary>
    /// <exception cref="Governance.TokenRefusedException">The token the order used was used meanwhile: nothing was written.</exception>
    public JournalEvent Append(OrderRecord record) => GateJournal.Append(store, [.. record.Entries], record.TripCause, record.Blobs, record.Token)[0];
}
