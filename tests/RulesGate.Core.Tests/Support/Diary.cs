using RulesGate.Core.Promotion;

namespace RulesGate.Core.Tests.Support;

/// <summary>Diary entries for tests: runs of one kind, an hour apart by default, with ids that never collide.</summary>
internal static class Diary
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static int next;

    public static List<DiaryEntry> Run(
        int count,
        PromotionStage stage,
        DiarySeverity severity = DiarySeverity.Normal,
        bool forced = false,
        DateTimeOffset? from = null,
        TimeSpan? step = null,
        string policy = "alpha",
        string? regime = null)
    {
        var at = from ?? Start;
        var gap = step ?? TimeSpan.FromHours(1);
        return [.. Enumerable.Range(0, count).Select(i => new DiaryEntry($"e-{Interlocked.Increment(ref next)}", policy, at + (gap * i), stage, severity, forced, regime))];
    }

    /// <summary>Runs one after another: each starts an hour after the previous one's last entry.</summary>
    public static List<DiaryEntry> Then(params List<DiaryEntry>[] runs)
    {
        var all = new List<DiaryEntry>();
        foreach (var run in runs)
        {
            var shift = all.Count == 0 ? TimeSpan.Zero : all[^1].RecordedAt + TimeSpan.FromHours(1) - run[0].RecordedAt;
            all.AddRange(run.Select(entry => entry with { RecordedAt = entry.RecordedAt + shift }));
        }

        return all;
    }
}
