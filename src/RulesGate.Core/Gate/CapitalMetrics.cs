namespace RulesGate.Core.Gate;

/// <summary>What RulesGate computes from the intent and the state before a capital policy's rules run.</summary>
/// <param name="DailyReturn">(equity − start of day equity) / start of day equity.</param>
/// <param name="Drawdown">(peak equity − equity) / peak equity.</param>
/// <param name="CurrentQty">The signed position held in the intent's symbol.</param>
/// <param name="NewQty">The position if the order fills: current + qty for a buy, − qty for a sell.</param>
/// <param name="NewPositionPct">|new qty × price| / equity.</param>
/// <param name="GrossExposureX">Σ |qty × price| / equity over priced holdings, the traded symbol at new qty.</param>
/// <param name="NetExposureX">|Σ qty × price| / equity over the same holdings.</param>
/// <param name="UnpricedSymbols">Held symbols without a price, left out of the exposures.</param>
public sealed record CapitalMetrics(
    double DailyReturn,
    double Drawdown,
    double CurrentQty,
    double NewQty,
    double NewPositionPct,
    double GrossExposureX,
    double NetExposureX,
    IReadOnlyList<string> UnpricedSymbols)
{
    public static CapitalMetrics Compute(OrderIntent intent, PortfolioState portfolio, MarketSnapshot market)
    {
        var equity = portfolio.Equity;
        var current = portfolio.Positions.GetValueOrDefault(intent.Symbol);
        var newQty = intent.Side == OrderSide.Buy ? current + intent.Qty : current - intent.Qty;
        var price = market.Price(intent.Symbol);

        double gross = 0, net = 0;
        var unpriced = new List<string>();
        foreach (var symbol in portfolio.Positions.Keys.Append(intent.Symbol).Distinct().Order(StringComparer.Ordinal))
        {
            var qty = symbol == intent.Symbol ? newQty : portfolio.Positions[symbol];
            var symbolPrice = market.Price(symbol);
            if (!double.IsFinite(symbolPrice) || symbolPrice <= 0)
            {
                if (symbol != intent.Symbol)
                {
                    unpriced.Add(symbol);
                }

                continue;
            }

            gross += Math.Abs(qty * symbolPrice);
            net += qty * symbolPrice;
        }

        return new CapitalMetrics(
            DailyReturn: (equity - portfolio.StartOfDayEquity) / portfolio.StartOfDayEquity,
            Drawdown: (portfolio.PeakEquity - equity) / portfolio.PeakEquity,
            CurrentQty: current,
            NewQty: newQty,
            NewPositionPct: Math.Abs(newQty * price) / equity,
            GrossExposureX: gross / equity,
            NetExposureX: Math.Abs(net) / equity,
            UnpricedSymbols: unpriced);
    }
}
