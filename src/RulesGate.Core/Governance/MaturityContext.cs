namespace RulesGate.Core.Governance;

/// <summary>
/// What a <c>MaturityPolicy</c> rule sees: a strategy's maturity level and the figures of its trades — how many,
/// the share won, gross profit over gross loss, the drawdown from the peak (a fraction) and the losses in a row.
/// </summary>
/// <param name="Level">The level's name, such as <c>L2_gated</c>.</param>
/// <param name="LevelIndex">Its place on the ladder: 0 for <c>L0_shadow</c> to 4 for <c>L4_autonomous</c>.</param>
/// <remarks>A figure the evidence does not give is NaN, so that every comparison with it is false: the shipped rules
/// are written so that a missing figure blocks a promotion and triggers no demotion.</remarks>
public sealed record MaturityContext(
    string Strategy,
    string Level,
    int LevelIndex,
    double Trades,
    double WinRate,
    double ProfitFactor,
    double Drawdown,
    double LossStreak);
