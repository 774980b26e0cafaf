namespace RulesGate.Core.Governance;

/// <summary>The health parameters a GovernancePolicy sets (<c>params.health</c>); the defaults are the seed's.</summary>
/// <param name="DebtPerLoss">Debt a loss adds, per R lost (at least one R).</param>
/// <param name="MaxDebt">The most debt a strategy can owe; also what a score of 0 means. Zero or less: health never limits.</param>
/// <param name="CreditPerWin">What a win earns before <paramref name="RecoveryRate"/>.</param>
/// <param name="RecoveryRate">The part of a win's credit that is earned; it pays debt down first.</param>
/// <param name="MinSizingMultiplier">The floor of the sizing multiplier, however poor the health.</param>
public sealed record HealthParams(
    decimal DebtPerLoss = 1m,
    decimal MaxDebt = 10m,
    decimal CreditPerWin = 1m,
    decimal RecoveryRate = 0.4m,
    decimal MinSizingMultiplier = 0.1m);

/// <summary>
/// A strategy's health as epistemic debt and credit, from its trade outcomes (R-multiples) oldest first. A loss of
/// R adds <c>DebtPerLoss × max(1, |R|)</c> to the debt, capped at <c>MaxDebt</c>; a win earns
/// <c>CreditPerWin × RecoveryRate</c>, which pays the debt down first and adds the rest to the credit; a trade
/// closed at exactly 0 R is neither. Credit is kept and reported but never raises the score: only paying debt
/// does. Kept in decimal, so that ten wins of 0.4 pay exactly 4 of debt.
/// </summary>
public readonly record struct HealthState(decimal Debt, decimal Credit)
{
    /// <summary>A strategy with no outcomes yet: no debt, no credit, full health.</summary>
    public static HealthState Fresh => default;

    /// <summary>The state after one more outcome.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rMultiple"/> is not a finite number.</exception>
    public HealthState After(double rMultiple, HealthParams parameters)
    {
        if (!double.IsFinite(rMultiple))
        {
            throw new ArgumentOutOfRangeException(nameof(rMultiple), rMultiple, "An R-multiple is a finite number.");
        }

        var r = (decimal)rMultiple;
        if (r < 0)
        {
            return this with { Debt = Math.Min(Math.Max(parameters.MaxDebt, 0), Debt + (parameters.DebtPerLoss * Math.Max(1m, -r))) };
        }

        if (r > 0)
        {
            var earned = parameters.CreditPerWin * parameters.RecoveryRate;
            var paid = Math.Min(Debt, earned);
            return new HealthState(Debt - paid, Credit + earned - paid);
        }

        return this;
    }

    /// <summary>The state after every outcome, oldest first.</summary>
    public static HealthState Of(IEnumerable<double> rMultiples, HealthParams parameters) =>
        rMultiples.Aggregate(Fresh, (state, r) => state.After(r, parameters));

    /// <summary>clamp(1 − debt / max_debt, 0, 1); 1 when max_debt is zero or less.</summary>
    public double Score(HealthParams parameters) =>
        parameters.MaxDebt <= 0 ? 1 : (double)Math.Clamp(1 - (Debt / parameters.MaxDebt), 0m, 1m);

    /// <summary>The sizing multiplier health allows: the score, but never below the floor.</summary>
    public double Multiplier(HealthParams parameters) => Math.Max((double)parameters.MinSizingMultiplier, Score(parameters));
}
