using RulesGate.Core.Gate;

namespace RulesGate.Core.Brokers;

/// <summary>What a broker answered to an order: filled (at a price), accepted and working, or refused.</summary>
public enum BrokerStatus
{
    Filled,
    Working,
    Rejected,
}

/// <param name="OrderId">The broker's id of the order, when it gave one.</param>
/// <param name="Price">The fill price, when it filled.</param>
/// <param name="Reason">Why it was refused, in words that never hold a credential.</param>
public sealed record BrokerReply(BrokerStatus Status, string? OrderId, double? Price, string? Reason)
{
    public static BrokerReply Refused(string reason) => new(BrokerStatus.Rejected, null, null, reason);
}

/// <summary>
/// The broker port: where <c>rulesgate run</c> sends what both gates let go, each order once, tagged with its intent
/// id so the broker's records can be joined to the journal's. Adapters answer synchronously, in the stream's order;
/// one that cannot tell what became of an order says so in a refusal rather than guessing.
/// </summary>
public interface IBroker
{
    /// <summary><c>sim</c>, <c>alpaca</c> or <c>tradier</c>.</summary>
    string Name { get; }

    BrokerReply Submit(OrderIntent order);
}

/// <summary>
/// The simulated broker, deterministic: a market order fills in full at the snapshot price; a limit buy fills iff its
/// limit is at or above the price, a limit sell iff at or below; any other order is refused (a paper run has no book
/// for it to rest in).
/// </summary>
public sealed class SimulatedBroker(MarketSnapshot market) : IBroker
{
    public string Name => "sim";

    public BrokerReply Submit(OrderIntent order)
    {
        var price = market.Price(order.Symbol);
        if (!double.IsFinite(price) || price <= 0)
        {
            return BrokerReply.Refused($"broker: no price for {order.Symbol}");
        }

        var fills = order.OrderType == OrderType.Market || (order.Side == OrderSide.Buy ? order.LimitPrice >= price : order.LimitPrice <= price);
        return fills ? new BrokerReply(BrokerStatus.Filled, null, price, null) : BrokerReply.Refused("broker: the limit price is not marketable");
    }
}
