namespace RulesGate.Core.Gate;

/// <summary>
/// A deterministic paper broker: a market order fills in full at the snapshot price; a limit buy fills iff its
/// limit is at or above the price, a limit sell iff at or below; an order fills at most once.
/// </summary>
internal sealed class SimulatedBroker(MarketSnapshot market)
{
    /// <summary>The fill price, or null when the order rests unfilled.</summary>
    public double? Submit(OrderIntent order)
    {
        var price = market.Price(order.Symbol);
        if (!double.IsFinite(price) || price <= 0)
        {
            return null;
        }

        return order.OrderType switch
        {
            OrderType.Market => price,
            _ when order.Side == OrderSide.Buy => order.LimitPrice >= price ? price : null,
            _ => order.LimitPrice <= price ? price : null,
        };
    }
}
