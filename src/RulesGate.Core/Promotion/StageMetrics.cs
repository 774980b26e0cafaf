namespace RulesGate.Core.Promotion;

/// <summary>A policy's diary entries at one stage (or over all stages): counts, ratios and time span.</summary>
public sealed record StageMetrics(int Total, int Forced, int Normal, int Warn, int Alert, DateTimeOffset? First, DateTimeOffset? Last)
{
    public static StageMetrics None { get; } = new(0, 0, 0, 0, 0, null, null);

    public double ForcedRatio => Ratio(Forced);

    public double NormalRatio => Ratio(Normal);

    public double WarnRatio => Ratio(Warn);

    public double AlertRatio => Ratio(Alert);

    private double Ratio(int count) => Total == 0 ? 0 : (double)count / Total;
}
