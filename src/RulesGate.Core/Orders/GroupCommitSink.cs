using RulesGate.Core.Gate;
using RulesGate.Core.Journal;

namespace RulesGate.Core.Orders;

/// <summary>
/// Orders from many callers committed together (<see cref="JournalWriter"/>): an order is acknowledged once its
/// batch is durable. One that needs a transaction of its own (<see cref="OrderRecord.Alone"/>) or writes more than
/// one event runs alone on the writer, after everything queued before it.
/// </summary>
internal sealed class GroupCommitSink(JournalWriter writer)
{
    /// <summary>Queues the record in the writer's order (the caller's order of deciding); the task completes once it is durable.</summary>
    public Task<JournalEvent> Commit(OrderRecord record) =>
        !record.Alone && record.Entries.Count == 1 && record.Blobs.Count <= 1
            ? writer.Append(record.Entries[0], record.Blobs.Count == 1 ? record.Blobs[0] : null)
            : writer.Exclusively(store => new DirectSink(store).Append(record));
}
