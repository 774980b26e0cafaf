namespace RulesGate.Core.Promotion;

/// <summary>The capital ladder a policy climbs, lowest first.</summary>
public enum PromotionStage
{
    Experiment,
    Paper,
    Pilot,
    LimitedLive,
}

/// <summary>Stage names as written in files and on the command line: <c>experiment</c>, <c>paper</c>, <c>pilot</c>, <c>limited_live</c>.</summary>
public static class PromotionStages
{
    public static IReadOnlyList<PromotionStage> All { get; } = Enum.GetValues<PromotionStage>();

    public static string Name(this PromotionStage stage) => stage switch
    {
        PromotionStage.Experiment => "experiment",
        PromotionStage.Paper => "paper",
        PromotionStage.Pilot => "pilot",
        _ => "limited_live",
    };

    /// <exception cref="FormatException">Not a stage name; the message lists them.</exception>
    public static PromotionStage Parse(string text) =>
        TryParse(text, out var stage) ? stage : throw new FormatException($"'{text}' is not a stage; write one of experiment, paper, pilot, limited_live.");

    public static bool TryParse(string? text, out PromotionStage stage)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                stage = candidate;
                return true;
            }
        }

        stage = default;
        return false;
    }
}
