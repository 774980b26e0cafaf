namespace RulesGate.Core.Promotion;

/// <summary>
/// What a <c>PromotionGate</c> rule sees: the diary's metrics per stage, its streak and green span, and the
/// policy's ledger record. Each property is visible to expressions by its name.
/// </summary>
public sealed class PromotionContext(DiaryMetrics diary, PolicyLedgerRecord ledger)
{
    public StageMetrics Experiment { get; } = diary.Stage(PromotionStage.Experiment);

    public StageMetrics Paper { get; } = diary.Stage(PromotionStage.Paper);

    public StageMetrics Pilot { get; } = diary.Stage(PromotionStage.Pilot);

    public StageMetrics LimitedLive { get; } = diary.Stage(PromotionStage.LimitedLive);

    /// <summary>Every entry, whatever its stage.</summary>
    public StageMetrics Overall { get; } = diary.Overall;

    /// <summary>The metrics of the newest entry's stage; none without entries.</summary>
    public StageMetrics Latest { get; } = diary.LatestStage is { } stage ? diary.Stage(stage) : StageMetrics.None;

    /// <summary>The newest entry's stage name (<c>paper</c>, …); empty without entries.</summary>
    public string LatestStage { get; } = diary.LatestStage?.Name() ?? "";

    public int NormalStreak { get; } = diary.NormalStreak;

    public double PaperGreenSpanDays { get; } = diary.PaperGreenSpanDays;

    public PolicyLedgerRecord Ledger { get; } = ledger;
}
