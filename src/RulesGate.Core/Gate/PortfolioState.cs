using RulesGate.Core.Rules;

namespace RulesGate.Core.Gate;

/// <summary>The account as it stands before the order.</summary>
/// <param name="Positions">Signed quantity by symbol: long positive, short negative.</param>
public sealed record PortfolioState(
    double Equity,
    double StartOfDayEquity,
    double PeakEquity,
    IReadOnlyDictionary<string, double> Positions,
    double RealizedPnlToday,
    double UnrealizedPnl)
{
    /// <summary>Symbol → signed quantity; read-only in fact.</summary>
    public IReadOnlyDictionary<string, double> Positions { get; init => field = ReadOnly.Map(value); } = ReadOnly.Map(Positions);
}
