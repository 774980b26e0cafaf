using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Promotion;

public sealed class DecisionDiaryTests : IDisposable
{
    private readonly TempJournal journal = new();

    public void Dispose() => journal.Dispose();

    private DiaryMetrics Metrics(DiaryWindow? window = null) => DecisionDiary.Metrics(journal.Store, "alpha", window ?? DiaryWindow.All);

    [Fact]
    public void Ingest_SameEntriesTwice_AddsThemOnce()
    {
        var entries = Diary.Run(5, PromotionStage.Paper);

        var first = DecisionDiary.Ingest(journal.Store, entries);
        var second = DecisionDiary.Ingest(journal.Store, [.. entries, .. entries]);

        Assert.Equal((5, 0), (first.Added, first.Duplicates));
        Assert.Equal((0, 10), (second.Added, second.Duplicates));
        Assert.Equal(5, journal.Store.Read(type: DecisionDiary.EntryType).Count());
        Assert.Equal(5, Metrics().Overall.Total);
        Assert.True(JournalVerifier.Verify(journal.Store).Intact);
    }

    [Fact]
    public void Verify_FiguresThatDisagreeWithTheEntries_AreNamed_EvenWhenTheirChangeWasJournaled()
    {
        DecisionDiary.Ingest(journal.Store, Diary.Run(3, PromotionStage.Paper));
        var kept = journal.Store.Load(DiaryFigures.Projection, "alpha")!;
        journal.Store.Append([new JournalEntry("test", "test.forged", "{}")], project: (scope, events) =>
            scope.Store(DiaryFigures.Projection, "alpha", kept.Value.Replace("\"streak\":3", "\"streak\":30", StringComparison.Ordinal), events[0].Seq));

        var verification = RulesGate.Core.Application.JournalAudit.Verify(journal.Store);

        Assert.False(verification.Intact);
        Assert.Contains("diary figures of 'alpha'", verification.Problem, StringComparison.Ordinal);
        Assert.Equal(30, Metrics().NormalStreak);
    }

    [Fact]
    public void Ingest_AnEntryOlderThanTheNewest_ComputesThePolicysFiguresAgain()
    {
        DecisionDiary.Ingest(journal.Store, Diary.Run(4, PromotionStage.Paper));
        DecisionDiary.Ingest(journal.Store, [new DiaryEntry("late", "alpha", Diary.Start.AddMinutes(90), PromotionStage.Paper, DiarySeverity.Alert, false)]);

        Assert.Equal((5, 2), (Metrics().Overall.Total, Metrics().NormalStreak));
        Assert.Equal(1.0 / 24, Metrics().PaperGreenSpanDays, 9);
        Assert.Null(DecisionDiary.Verify(journal.Store));
    }

    [Fact]
    public void Metrics_PerStage_CountsRatiosAndTimes()
    {
        DecisionDiary.Ingest(journal.Store, Diary.Then(
            Diary.Run(6, PromotionStage.Paper),
            Diary.Run(2, PromotionStage.Paper, DiarySeverity.Warn),
            Diary.Run(1, PromotionStage.Paper, DiarySeverity.Alert, forced: true),
            Diary.Run(1, PromotionStage.Paper, forced: true)));

        var paper = Metrics().Stage(PromotionStage.Paper);

        Assert.Equal((10, 2, 7, 2, 1), (paper.Total, paper.Forced, paper.Normal, paper.Warn, paper.Alert));
        Assert.Equal((0.2, 0.7, 0.2, 0.1), (paper.ForcedRatio, paper.NormalRatio, paper.WarnRatio, paper.AlertRatio));
        Assert.Equal(Diary.Start, paper.First);
        Assert.Equal(Diary.Start.AddHours(9), paper.Last);
        Assert.Equal((0, 0.0, 0.0), (Metrics().Stage(PromotionStage.Pilot).Total, Metrics().Stage(PromotionStage.Pilot).ForcedRatio, Metrics().Stage(PromotionStage.Pilot).NormalRatio));
    }

    [Fact]
    public void Regimes_CountsEntriesPerLabel()
    {
        DecisionDiary.Ingest(journal.Store, Diary.Then(Diary.Run(3, PromotionStage.Paper, regime: "bullish"), Diary.Run(2, PromotionStage.Pilot, regime: "bearish"), Diary.Run(4, PromotionStage.Pilot)));

        Assert.Equal(new Dictionary<string, int> { ["bearish"] = 2, ["bullish"] = 3 }, DecisionDiary.Regimes(journal.Store, "alpha", DiaryWindow.All));
    }

    [Fact]
    public void Streak_WalksBackWhileLatestStageNormalAndUnforced()
    {
        DecisionDiary.Ingest(journal.Store, Diary.Then(
            Diary.Run(3, PromotionStage.Paper),                // another stage: not counted
            Diary.Run(4, PromotionStage.Pilot),
            Diary.Run(1, PromotionStage.Pilot, forced: true),  // breaks the streak
            Diary.Run(5, PromotionStage.Pilot)));

        var metrics = Metrics();

        Assert.Equal(PromotionStage.Pilot, metrics.LatestStage);
        Assert.Equal(5, metrics.NormalStreak);
    }

    [Fact]
    public void Streak_StopsAtAnEntryOfAnotherStage()
    {
        DecisionDiary.Ingest(journal.Store, Diary.Then(Diary.Run(4, PromotionStage.Pilot), Diary.Run(2, PromotionStage.Paper), Diary.Run(3, PromotionStage.Pilot)));

        Assert.Equal(3, Metrics().NormalStreak);
    }

    [Fact]
    public void GreenSpan_IsTheTrailingRunOfGreenPaperEntriesInDays()
    {
        DecisionDiary.Ingest(journal.Store, Diary.Then(
            Diary.Run(5, PromotionStage.Paper, step: TimeSpan.FromDays(1)),
            Diary.Run(1, PromotionStage.Paper, DiarySeverity.Warn),
            Diary.Run(11, PromotionStage.Paper, step: TimeSpan.FromDays(1.5)),   // 10 steps of 1.5 days
            Diary.Run(3, PromotionStage.Pilot, DiarySeverity.Alert)));           // later stages do not break it

        Assert.Equal(15.0, Metrics().PaperGreenSpanDays, 9);
    }

    [Fact]
    public void GreenSpan_IsZeroWhenTheNewestPaperEntryIsNotGreen()
    {
        DecisionDiary.Ingest(journal.Store, Diary.Then(Diary.Run(20, PromotionStage.Paper, step: TimeSpan.FromDays(1)), Diary.Run(1, PromotionStage.Paper, forced: true)));

        Assert.Equal(0, Metrics().PaperGreenSpanDays);
    }

    [Fact]
    public void Window_HoursUpToAsOf_CountsOnlyEntriesInside()
    {
        DecisionDiary.Ingest(journal.Store, Diary.Run(48, PromotionStage.Paper));    // hourly from Start

        var window = DiaryWindow.Of(hours: 10, asOf: Diary.Start.AddHours(20), now: Diary.Start.AddYears(1));
        var metrics = Metrics(window);

        Assert.Equal(10, metrics.Overall.Total);                                    // hours 11..20
        Assert.Equal(Diary.Start.AddHours(11), metrics.Overall.First);
        Assert.Equal(Diary.Start.AddHours(20), metrics.Overall.Last);
        Assert.Equal(48, Metrics(DiaryWindow.Of(hours: null, asOf: null, now: Diary.Start)).Overall.Total);
        Assert.Throws<FormatException>(() => DiaryWindow.Of(hours: 0, asOf: null, now: Diary.Start));
    }

    [Theory]
    [InlineData("""{"entry_id":"a","policy_id":"p","recorded_at":"2026-01-01T00:00:00Z","stage":"paper","severity":"loud","forced":false}""", "severity")]
    [InlineData("""{"entry_id":"a","policy_id":"p","recorded_at":"2026-01-01T00:00:00+02:00","stage":"paper","severity":"warn","forced":false}""", "not UTC")]
    [InlineData("""{"entry_id":"a","policy_id":"p","recorded_at":"2026-01-01T00:00:00Z","stage":"live","severity":"warn","forced":false}""", "not a stage")]
    [InlineData("""{"entry_id":"a","recorded_at":"2026-01-01T00:00:00Z","stage":"paper","severity":"warn","forced":false}""", "policy_id: required")]
    [InlineData("""{"entry_id":"a","policy_id":"p","recorded_at":"2026-01-01T00:00:00Z","stage":"paper","severity":"warn","forced":"no"}""", "true or false")]
    public void Read_MalformedEntry_SaysWhatIsWrong(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);

        var error = Assert.Throws<FormatException>(() => DiaryEntry.Read(document.RootElement));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
