using RulesGate.Core.Rules;

namespace RulesGate.Core.Promotion;

/// <summary>What a <c>PromotionGuard</c> rule sees when a strategy's status is about to change.</summary>
/// <param name="RequiredStage">The ledger stage the status needs (<c>paper</c>, …); empty when the status is not gated.</param>
/// <param name="RequiredRegimes">The regime labels the diary must cover (the guard's params, or RULESGATE_REQUIRED_REGIMES).</param>
/// <param name="MinRegimeCount">Entries each required regime needs (the guard's params, or RULESGATE_MIN_REGIME_COUNT).</param>
public sealed record GuardContext(
    string Strategy,
    string Status,
    string PolicyId,
    string RequiredStage,
    PolicyLedgerRecord Ledger,
    IReadOnlyDictionary<string, int> Regimes,
    IReadOnlyList<string> RequiredRegimes,
    int MinRegimeCount,
    double PaperGreenSpanDays)
{
    public IReadOnlyDictionary<string, int> Regimes { get; init => field = ReadOnly.Map(value); } = ReadOnly.Map(Regimes);

    public IReadOnlyList<string> RequiredRegimes { get; init => field = ReadOnly.List(value); } = ReadOnly.List(RequiredRegimes);

    /// <summary>The ledger's current stage, by name.</summary>
    public string CurrentStage => Ledger.CurrentStage.Name();

    /// <summary>The ledger's current stage is at least <see cref="RequiredStage"/>.</summary>
    public bool StageReached => PromotionStages.TryParse(RequiredStage, out var required) && Ledger.CurrentStage >= required;

    /// <summary>The record's audit gaps at <see cref="RequiredStage"/>.</summary>
    public IReadOnlyList<string> Gaps => PromotionStages.TryParse(RequiredStage, out var required) ? Ledger.AuditGaps(required) : [];

    /// <summary>Required regimes with fewer than <see cref="MinRegimeCount"/> entries, as <c>regime (n/min)</c>.</summary>
    public IReadOnlyList<string> ShortRegimes =>
        [.. RequiredRegimes.Select(regime => (regime, count: Regimes.TryGetValue(regime, out var n) ? n : 0)).Where(r => r.count < MinRegimeCount).Select(r => $"{r.regime} ({r.count}/{MinRegimeCount})")];
}
