using System.Text.Json;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Governance;

/// <summary>One closed trade of a strategy: its result in R (the health reads it) and in money (the figures read it).</summary>
public sealed record TradeOutcome(string OutcomeId, string StrategyId, DateTimeOffset ClosedAt, double RMultiple, double Pnl)
{
    /// <summary>SHA-256 of the outcome's content, so that an id sent again with other content is caught.</summary>
    public string Fingerprint => Journal.JournalStore.Fingerprint(string.Join('\n',
        StrategyId, Serialization.JsonText.Timestamp(ClosedAt), RMultiple.ToString("R", System.Globalization.CultureInfo.InvariantCulture), Pnl.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Reads one line of an outcomes file: <c>outcome_id</c>, <c>strategy_id</c>, <c>closed_at</c>, <c>r_multiple</c>, <c>pnl</c>.</summary>
    /// <exception cref="FormatException">A key is unknown, missing or of the wrong type, or a number is not finite; names it.</exception>
    public static TradeOutcome Read(JsonElement json)
    {
        var fields = new JsonFields(json, "outcome", "outcome_id", "strategy_id", "closed_at", "r_multiple", "pnl");
        var outcome = new TradeOutcome(fields.Id("outcome_id"), fields.Id("strategy_id"), fields.Timestamp("closed_at"), fields.Number("r_multiple"), fields.Number("pnl"));
        return double.IsFinite(outcome.RMultiple) && double.IsFinite(outcome.Pnl)
            ? outcome
            : throw new FormatException("outcome: r_multiple and pnl are finite numbers.");
    }
}

/// <summary>
/// What a strategy's outcomes add up to, as the <c>health</c> projection keeps it: the health's debt and credit and
/// the figures the maturity ladder judges. A win or a loss is by P&amp;L (a trade at exactly 0 is neither); the
/// drawdown is measured on <c>base_equity</c> plus the cumulative P&amp;L, from its peak.
/// </summary>
public sealed record StrategyOutcomes(
    string Strategy,
    decimal Debt,
    decimal Credit,
    int Trades,
    int Wins,
    int Losses,
    double GrossProfit,
    double GrossLoss,
    double CumulativePnl,
    double PeakPnl,
    int LossStreak,
    string? LastOutcome,
    DateTimeOffset? LastClosedAt)
{
    /// <summary>A profit factor without any loss is reported as this, so that it stays a finite number.</summary>
    public const double ProfitFactorCap = 1000;

    public static StrategyOutcomes Fresh(string strategy) => new(strategy, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null);

    [System.Text.Json.Serialization.JsonIgnore]
    public HealthState Health => new(Debt, Credit);

    public StrategyOutcomes After(TradeOutcome outcome, HealthParams health)
    {
        var state = Health.After(outcome.RMultiple, health);
        var cumulative = CumulativePnl + outcome.Pnl;
        return this with
        {
            Debt = state.Debt,
            Credit = state.Credit,
            Trades = Trades + 1,
            Wins = Wins + (outcome.Pnl > 0 ? 1 : 0),
            Losses = Losses + (outcome.Pnl < 0 ? 1 : 0),
            GrossProfit = GrossProfit + Math.Max(0, outcome.Pnl),
            GrossLoss = GrossLoss + Math.Max(0, -outcome.Pnl),
            CumulativePnl = cumulative,
            PeakPnl = Math.Max(PeakPnl, cumulative),
            LossStreak = outcome.Pnl < 0 ? LossStreak + 1 : outcome.Pnl > 0 ? 0 : LossStreak,
            LastOutcome = outcome.OutcomeId,
            LastClosedAt = outcome.ClosedAt,
        };
    }

    [System.Text.Json.Serialization.JsonIgnore]
    public double WinRate => Trades == 0 ? 0 : (double)Wins / Trades;

    /// <summary>Gross profit over gross loss; <see cref="ProfitFactorCap"/> when there is profit and no loss, 0 when neither.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double ProfitFactor => GrossLoss > 0 ? Math.Min(ProfitFactorCap, GrossProfit / GrossLoss) : GrossProfit > 0 ? ProfitFactorCap : 0;

    /// <summary>The fall from the peak of <paramref name="baseEquity"/> + cumulative P&amp;L, as a fraction of that peak.</summary>
    public double Drawdown(double baseEquity) => (PeakPnl - CumulativePnl) / (baseEquity + PeakPnl);

    /// <summary>The figures as the maturity ladder's <c>trades</c> evidence carries them.</summary>
    public string FiguresJson(double baseEquity) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("trades"u8, Trades);
        writer.WriteNumber("win_rate"u8, WinRate);
        writer.WriteNumber("profit_factor"u8, ProfitFactor);
        writer.WriteNumber("drawdown"u8, Drawdown(baseEquity));
        writer.WriteNumber("loss_streak"u8, LossStreak);
        writer.WriteEndObject();
    }, pretty: false);
}
