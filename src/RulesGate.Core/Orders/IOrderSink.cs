using RulesGate.Core.Journal;

namespace RulesGate.Core.Orders;

/// <summary>
/// Where the pipeline's orders go: the journal, by one of three strategies: <see cref="DirectSink"/> (each order
/// committed before the next is judged: <c>eval</c>, <c>governance eval</c>, a governed order on a server's writer),
/// <see cref="GroupCommitSink"/> (orders from many requests committed together: <c>serve</c>, <c>bench gate
/// --journal</c>) and <see cref="BatchSink"/> (a run's orders as segments: <c>run</c>).
/// </summary>
public interface IOrderSink
{
    /// <summary>
    /// Writes one order's record, in one transaction. The task completes with the order's first event once it is
    /// durable, or with null when the sink holds it to commit with later ones (<see cref="BatchSink.Pending"/>).
    /// </summary>
    /// <exception cref="Governance.TokenRefusedException">The token the order used was used meanwhile: nothing was written.</exception>
    ValueTask<JournalEvent?> Write(OrderRecord record);
}
