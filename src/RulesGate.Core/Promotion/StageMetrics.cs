namespace RulesGate.Core.Promotion;

/// <summary>A policy's diary entries at one stage (or over all stages): counts, ratios and time span.</summary>
public sealed record StageMetrics(int Total, int Forced, int Normal, int Warn, int Alert, DateTimeOffset? First, DateTimeOffset? Last)
{
    public static StageMetrics None { get; } = new(0, 0, 0, 0, 0, null, null);

    /// <summary>The metrics of all the entries of <paramref name="parts"/> together.</summary>
    public static StageMetrics Sum(IEnumerable<StageMetrics> parts) => parts.Aggregate(None, (sum, part) => new StageMetrics(
        sum.Total + part.Total, sum.Forced + part.Forced, sum.Normal + part.Normal, sum.Warn + part.Warn, sum.Alert + part.Alert,
        sum.First is null || part.First < sum.First ? part.First : sum.First,
        sum.Last is null || part.Last > sum.Last ? part.Last : sum.Last));

    public double ForcedRatio => Ratio(Forced);

    public double NormalRatio => Ratio(Normal);

    public double WarnRatio => Ratio(Warn);

    public double AlertRatio => Ratio(Alert);

    private double Ratio(int count) => Total == 0 ? 0 : (double)count / Total;
}
