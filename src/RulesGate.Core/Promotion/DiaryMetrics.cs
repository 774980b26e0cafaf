using RulesGate.Core.Rules;

namespace RulesGate.Core.Promotion;

/// <summary>What a policy's decision diary shows, over its whole history or a window.</summary>
/// <param name="Overall">Every entry, whatever its stage.</param>
/// <param name="Stages">Each stage's entries; a stage without entries has <see cref="StageMetrics.None"/>.</param>
/// <param name="LatestStage">The stage of the newest entry; null without entries.</param>
/// <param name="NormalStreak">From the newest entry back, how many in a row are at the latest stage, normal and not forced.</param>
/// <param name="PaperGreenSpanDays">Days from the first to the last of the trailing run of normal, unforced paper entries; 0 when the newest paper entry is not one.</param>
public sealed record DiaryMetrics(
    string PolicyId,
    StageMetrics Overall,
    IReadOnlyDictionary<PromotionStage, StageMetrics> Stages,
    PromotionStage? LatestStage,
    int NormalStreak,
    double PaperGreenSpanDays)
{
    public IReadOnlyDictionary<PromotionStage, StageMetrics> Stages { get; init => field = ReadOnly.Map(value); } = ReadOnly.Map(Stages);

    public StageMetrics Stage(PromotionStage stage) => Stages.TryGetValue(stage, out var metrics) ? metrics : StageMetrics.None;
}
