using RulesGate.Core.Promotion;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Promotion;

public sealed class GraduationAssessorTests
{
    private static readonly Lazy<GraduationAssessor> Shipped = new(() =>
        new GraduationAssessor(Compiled.Engine.Load(Repo.PathOf("rules", "promotion", "alpha-trade.yaml")).Value!));

    private static readonly PolicyLedgerRecord Covered = PolicyLedgerRecord.New("alpha") with
    {
        DeclaredStage = PromotionStage.Pilot,
        EvidenceId = "dd-1",
        Approvals = ["compliance", "risk"],
        Checklist = new Dictionary<string, string> { ["oos_regime_grid"] = "done", ["leakage_checks"] = "done", ["risk_audit"] = "done" },
    };

    /// <summary>total entries: normal, then warn, then alert; the first <paramref name="forced"/> normal ones forced.</summary>
    private static StageMetrics Stage(int normal, int warn = 0, int alert = 0, int forced = 0) =>
        new(normal + warn + alert, forced, normal, warn, alert, null, null);

    private static DiaryMetrics Diary(
        StageMetrics? experiment = null, StageMetrics? paper = null, StageMetrics? pilot = null,
        PromotionStage? latest = PromotionStage.Pilot, int streak = 20, double greenDays = 20)
    {
        var stages = new Dictionary<PromotionStage, StageMetrics>
        {
            [PromotionStage.Experiment] = experiment ?? Stage(20),
            [PromotionStage.Paper] = paper ?? Stage(40),
            [PromotionStage.Pilot] = pilot ?? Stage(60),
        };
        return new DiaryMetrics("alpha", StageMetrics.None, stages, latest, streak, greenDays);
    }

    private static Assessment Judge(DiaryMetrics diary, PolicyLedgerRecord? ledger = null) => Shipped.Value.Judge(diary, ledger ?? Covered);

    [Theory]
    [InlineData("  - id: paper-min\n    severity: HIGH\n    when: Paper.Total < 20\n    message: x\n", "'paper-min' is not a PromotionGate rule id.")]
    [InlineData("  - id: experiment.min\n    severity: HIGH\n    when: Paper.Total < 20\n    message: x\n", "'experiment.min' is not a PromotionGate rule id.")]
    [InlineData("  - id: paper.min\n    severity: HIGH\n    when: Paper.Total < 20\n    message: x\noverrides:\n  symbols: { AAPL: { paper: { min: 1 } } }\n", "A PromotionGate has no symbol or strategy for overrides to apply to.")]
    public void Load_GateFileMistakes_AreRefusedWithAHint(string tail, string message)
    {
        var yaml = $"apiVersion: rulesgate/v1\nkind: PromotionGate\nmetadata: {{ id: g, version: 1 }}\nparams:\n  paper: {{ min: 20 }}\nrules:\n{tail}";

        var diagnostic = Assert.Single(Compiled.Load(yaml).Diagnostics);

        Assert.Equal(message, diagnostic.Message);
        Assert.NotEmpty(diagnostic.Hint);
    }

    [Fact]
    public void Load_ARatioOutOfRange_IsRefusedAtItsLine()
    {
        var yaml = File.ReadAllText(Repo.PathOf("rules", "promotion", "alpha-trade.yaml")).Replace("max_forced_ratio: 0.35", "max_forced_ratio: 1.35", StringComparison.Ordinal);

        var diagnostic = Assert.Single(Compiled.Load(yaml).Diagnostics);

        Assert.Equal(("params.paper.max_forced_ratio", 14), (diagnostic.KeyPath, diagnostic.Location.Line));
        Assert.Equal("Write a number ≥ 0 and ≤ 1.", diagnostic.Hint);
    }

    [Fact]
    public void Judge_EverythingOnItsBound_ReachesLimitedLive()
    {
        // Every ratio exactly on its bound, every count and span exactly at its minimum: bounds pass.
        var assessment = Judge(Diary(
            experiment: Stage(normal: 12, warn: 8, forced: 7),      // forced 0.35, warn 0.40
            paper: Stage(normal: 32, warn: 8, forced: 10),          // forced 0.25, warn 0.20
            pilot: Stage(normal: 54, warn: 6, forced: 6),           // forced 0.10, warn 0.10
            streak: 15, greenDays: 14));

        Assert.All(assessment.StageBlockers.Values, Assert.Empty);
        Assert.Equal(PromotionStage.LimitedLive, assessment.RecommendedStage);
    }

    [Theory]
    [InlineData("experiment", 19, 0, 0, 0, "experiment_stage_decisions_insufficient:19/20")]
    [InlineData("experiment", 19, 0, 1, 0, "experiment_stage_alerts_present:1")]
    [InlineData("experiment", 12, 8, 0, 8, "experiment_forced_ratio_exceeds:0.40>0.35")]
    [InlineData("experiment", 11, 9, 0, 0, "experiment_warn_ratio_exceeds:0.45>0.40")]
    [InlineData("paper", 39, 0, 0, 0, "paper_stage_decisions_insufficient:39/40")]
    [InlineData("paper", 40, 0, 2, 0, "paper_stage_alerts_present:2")]
    [InlineData("paper", 40, 0, 0, 11, "paper_forced_ratio_exceeds:0.28>0.25")]
    [InlineData("paper", 31, 9, 0, 0, "paper_warn_ratio_exceeds:0.23>0.20")]
    [InlineData("pilot", 59, 0, 0, 0, "pilot_stage_decisions_insufficient:59/60")]
    [InlineData("pilot", 60, 0, 1, 0, "pilot_stage_alerts_present:1")]
    [InlineData("pilot", 60, 0, 0, 7, "pilot_forced_ratio_exceeds:0.12>0.10")]
    [InlineData("pilot", 53, 7, 0, 0, "pilot_warn_ratio_exceeds:0.12>0.10")]
    public void Judge_OneBoundCrossed_GivesExactlyThatBlocker(string stage, int normal, int warn, int alert, int forced, string blocker)
    {
        var metrics = Stage(normal, warn, alert, forced);
        var diary = stage switch
        {
            "experiment" => Diary(experiment: metrics),
            "paper" => Diary(paper: metrics),
            _ => Diary(pilot: metrics),
        };
        var gate = stage switch { "experiment" => PromotionStage.Paper, "paper" => PromotionStage.Pilot, _ => PromotionStage.LimitedLive };

        var assessment = Judge(diary);

        Assert.Equal([blocker], assessment.StageBlockers[gate]);
        Assert.Equal(gate - 1, assessment.RecommendedStage);
    }

    [Theory]
    [InlineData(PromotionStage.Paper, 7, PromotionStage.Pilot, "paper_normal_streak_below:7/8")]
    [InlineData(PromotionStage.Pilot, 14, PromotionStage.LimitedLive, "pilot_normal_streak_below:14/15")]
    public void Judge_ShortStreak_BlocksOnlyWhileStillInThatStage(PromotionStage latest, int streak, PromotionStage gate, string blocker)
    {
        Assert.Equal([blocker], Judge(Diary(latest: latest, streak: streak)).StageBlockers[gate]);
        Assert.Empty(Judge(Diary(latest: latest, streak: streak + 1)).StageBlockers[gate]);
        Assert.Empty(Judge(Diary(latest: PromotionStage.LimitedLive, streak: 0)).StageBlockers[gate]);
    }

    [Fact]
    public void Judge_NormalRatioBelowItsBound_IsABlocker()
    {
        // Only reachable with a mix the other bars allow elsewhere; checked at the rule's own bound.
        var diary = Diary(experiment: new StageMetrics(20, 0, 9, 8, 0, null, null));

        Assert.Contains("experiment_normal_ratio_below:0.45<0.50", Judge(diary).StageBlockers[PromotionStage.Paper]);
        Assert.DoesNotContain(Judge(Diary(experiment: new StageMetrics(20, 0, 10, 8, 0, null, null))).StageBlockers[PromotionStage.Paper], b => b.StartsWith("experiment_normal", StringComparison.Ordinal));
    }

    [Fact]
    public void Judge_LimitedLive_NeedsApprovalsNoAuditGapsAndTheGreenSpan()
    {
        var ledger = Covered with { Approvals = ["risk"], Checklist = new Dictionary<string, string> { ["oos_regime_grid"] = "done" } };

        var blockers = Judge(Diary(greenDays: 13.994), ledger).StageBlockers[PromotionStage.LimitedLive];

        Assert.Equal(
            ["approvals_required:2_have:1", "audit_gaps_present:additional_approval_needed,missing_leakage_checks,missing_risk_audit", "paper_green_gate_duration_below:13.99<14.00"],
            blockers);
    }

    [Fact]
    public void Judge_TooFewDecisions_ReportsOnlyThatAndTheGreenSpan()
    {
        var assessment = Judge(Diary(pilot: Stage(normal: 10, alert: 5, forced: 10), greenDays: 1), Covered with { Approvals = [] });

        Assert.Equal(["pilot_stage_decisions_insufficient:15/60", "paper_green_gate_duration_below:1.00<14.00"], assessment.StageBlockers[PromotionStage.LimitedLive]);
    }

    [Fact]
    public void Judge_GatesClimbInOrder_TheFirstBlockedGateStopsTheClimb()
    {
        var assessment = Judge(Diary(paper: Stage(normal: 40, alert: 1)));    // pilot's gate fails, limited_live's passes

        Assert.Empty(assessment.StageBlockers[PromotionStage.LimitedLive]);
        Assert.Equal(PromotionStage.Paper, assessment.RecommendedStage);
        Assert.Equal(PromotionStage.Experiment, Judge(Diary(experiment: Stage(normal: 5))).RecommendedStage);
    }

    [Fact]
    public void Judge_NoExperimentEntries_JudgesTheFirstGateOnTheLatestStage()
    {
        var none = new StageMetrics(0, 0, 0, 0, 0, null, null);

        Assert.Empty(Judge(Diary(experiment: none, paper: Stage(normal: 40), latest: PromotionStage.Paper, streak: 40)).StageBlockers[PromotionStage.Paper]);
        Assert.Equal(["experiment_stage_decisions_insufficient:3/20"], Judge(Diary(experiment: none, paper: Stage(normal: 3), latest: PromotionStage.Paper)).StageBlockers[PromotionStage.Paper]);
    }
}
