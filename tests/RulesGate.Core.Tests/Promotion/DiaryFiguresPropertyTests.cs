using CsCheck;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Promotion;

/// <summary>
/// The figures kept at ingest against a full recomputation: random diaries of three policies — times that tie and
/// entries that arrive late, every stage, severity, forced flag and regime — ingested in random batches; after every
/// batch each policy's metrics and regimes read from its figures equal those the storage computes over all its
/// rows, and the journal verifies (which rebuilds the figures). CI tries a fixed 60 diaries; with
/// <c>RULESGATE_FUZZ_SCALE</c> (<c>scripts/fuzz</c>) CsCheck draws that many times more.
/// </summary>
public sealed class DiaryFiguresPropertyTests
{
    private static readonly string[] Policies = ["alpha", "beta", "gamma"];

    private static readonly string?[] Labels = [null, "calm", "storm"];

    private static int? Scale =>
        int.TryParse(Environment.GetEnvironmentVariable("RULESGATE_FUZZ_SCALE"), out var scale) && scale > 0 ? scale : null;

    /// <summary>One entry: policy, hour (few, so times tie), stage, severity, forced, regime — and where a batch ends after it.</summary>
    private static readonly Gen<(int Policy, int Hour, int Stage, int Severity, bool Forced, int Regime, bool Cut)> Entry =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 40], Gen.Int[0, 3], Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 2], Gen.Int[0, 5].Select(cut => cut == 0));

    [Fact]
    public void FiguresKeptAtIngest_EqualAFullRecomputation_AfterEveryBatch()
    {
        var diaries = Entry.Array[1, 80];
        if (Scale is { } scale)
        {
            diaries.Sample(Check, iter: 60 * scale, threads: 1);
            return;
        }

        var random = new Random(28);
        for (var round = 0; round < 60; round++)
        {
            Check([.. Enumerable.Range(0, 1 + random.Next(80)).Select(_ => (random.Next(3), random.Next(41), random.Next(4), random.Next(3), random.Next(2) == 1, random.Next(3), random.Next(6) == 0))]);
        }
    }

    private static void Check((int Policy, int Hour, int Stage, int Severity, bool Forced, int Regime, bool Cut)[] diary)
    {
        using var journal = new TempJournal();
        var batch = new List<DiaryEntry>();
        for (var i = 0; i < diary.Length; i++)
        {
            var (policy, hour, stage, severity, forced, regime, cut) = diary[i];
            batch.Add(new DiaryEntry($"e-{i}", Policies[policy], Diary.Start.AddHours(hour), (PromotionStage)stage, (DiarySeverity)severity, forced, Labels[regime]));
            if (cut || i == diary.Length - 1)
            {
                DecisionDiary.Ingest(journal.Store, batch);
                batch.Clear();
                foreach (var name in Policies)
                {
                    Assert.Equal(Described(journal.Store.Diary.Metrics(name, DiaryWindow.All)), Described(DecisionDiary.Metrics(journal.Store, name, DiaryWindow.All)));
                    Assert.Equal(journal.Store.Diary.Regimes(name, DiaryWindow.All), DecisionDiary.Regimes(journal.Store, name, DiaryWindow.All));
                }
            }
        }

        Assert.Null(DecisionDiary.Verify(journal.Store));
        Assert.True(JournalVerifier.Verify(journal.Store).Intact);
    }

    /// <summary>Every figure the gates read, as one comparable text.</summary>
    private static string Described(DiaryMetrics metrics) =>
        string.Join(" | ", PromotionStages.All.Select(stage => metrics.Stage(stage)).Prepend(metrics.Overall).Select(stage => stage.ToString())) +
        FormattableString.Invariant($" | latest {metrics.LatestStage} streak {metrics.NormalStreak} green {metrics.PaperGreenSpanDays:R}");
}
