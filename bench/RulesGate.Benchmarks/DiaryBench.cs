using System.Diagnostics;
using System.Globalization;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Rules;
using RulesGate.Core;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Benchmarks;

/// <summary>
/// Assessing a policy with a large diary: fills JOURNAL (when it has fewer entries) with N entries of one policy
/// across the four stages, then times a full assessment five times and prints each and the median.
/// </summary>
internal static class DiaryBench
{
    private static readonly string[] Regimes = ["balanced", "bullish", "bearish", "dislocated"];

    public static int Run(string journal, int entries, string root)
    {
        using var store = SqliteJournal.Create(journal);
        var have = DecisionDiary.Metrics(store, "bench", DiaryWindow.All).Overall.Total;
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var fill = Stopwatch.StartNew();
        for (var from = have; from < entries; from += 50_000)
        {
            var chunk = Enumerable.Range(from, Math.Min(50_000, entries - from)).Select(i => new DiaryEntry(
                $"bench-{i}", "bench", start.AddSeconds(i * 30), (PromotionStage)(i * 4 / entries),
                i % 50 == 0 ? DiarySeverity.Warn : DiarySeverity.Normal, i % 97 == 0, Regimes[i % 4])).ToList();
            DecisionDiary.Ingest(store, chunk);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"diary: {entries} entries ({entries - have} ingested in {fill.Elapsed.TotalSeconds:F1} s)"));
        var assessor = new GraduationAssessor(PromotionGates.Load(new RuleEngine(BuiltInKinds.Registry), Path.Combine(root, PromotionGates.DefaultPath)).Value!);
        var times = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            var clock = Stopwatch.StartNew();
            var assessment = assessor.Assess(store, "bench", DiaryWindow.All);
            times.Add(clock.Elapsed.TotalMilliseconds);
            if (assessment.Metrics.Overall.Total != entries)
            {
                throw new InvalidOperationException($"assessed {assessment.Metrics.Overall.Total} entries, expected {entries}");
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"assess: {string.Join(", ", times.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))} ms; median {times.Order().ElementAt(2):F0} ms"));
        return 0;
    }
}
