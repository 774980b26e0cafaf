using RulesGate.Core.Promotion;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Promotion;

public sealed class PromotionGuardTests : IDisposable
{
    private static readonly Lazy<RulesGate.Core.Rules.RuleBundle> Shipped = new(() => PromotionGuard.Load(Compiled.Engine, Repo.PathOf("rules", "promotion", "guard.yaml"), _ => null).Value!);

    private static readonly string[] AllRegimes = ["balanced", "bullish", "bearish", "dislocated"];

    private readonly TempJournal journal = new();

    public void Dispose() => journal.Dispose();

    private static PromotionGuard Guard(Dictionary<string, string>? environment = null) => new(Shipped.Value, name => environment?.GetValueOrDefault(name));

    /// <summary>A diary covering every regime <paramref name="perRegime"/> times, with a green paper run of <paramref name="greenDays"/>.</summary>
    private void Diary(int perRegime, double greenDays)
    {
        var runs = AllRegimes.Select(regime => Support.Diary.Run(perRegime, PromotionStage.Experiment, regime: regime)).ToList();
        runs.Add(Support.Diary.Run(11, PromotionStage.Paper, step: TimeSpan.FromDays(greenDays / 10)));
        DecisionDiary.Ingest(journal.Store, Support.Diary.Then([.. runs]));
    }

    private void Ledger(PromotionStage stage)
    {
        string[] approvals = stage >= PromotionStage.Pilot ? ["compliance", "risk"] : [];
        var checklist = new Dictionary<string, string> { ["oos_regime_grid"] = "done", ["leakage_checks"] = "done", ["risk_audit"] = "done" };
        PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", stage, "ops", approvals, "dd-1", checklist));
    }

    [Fact]
    public void Approved_NeedsPaperWithoutGaps_ThenIsRecorded()
    {
        Diary(perRegime: 3, greenDays: 1);

        Assert.Equal(
            ["s-1 cannot become approved: policy alpha is at experiment in the ledger and approved needs paper.", "s-1 cannot become approved: policy alpha has audit gaps at paper: missing_evidence."],
            Guard().Check(journal.Store, "s-1", "alpha", "Approved"));

        Ledger(PromotionStage.Paper);
        Guard().SetStatus(journal.Store, "s-1", "alpha", " APPROVED ", "ops");

        Assert.Equal("approved", PromotionGuard.Status(journal.Store, "s-1"));
        Assert.Single(journal.Store.Read("strategy:s-1"));
    }

    [Fact]
    public void Active_NeedsLimitedLiveAndTheFourteenDayGreenSpan()
    {
        Diary(perRegime: 3, greenDays: 13.5);
        Ledger(PromotionStage.LimitedLive);

        var refused = Assert.Throws<PromotionRefusedException>(() => Guard().SetStatus(journal.Store, "s-1", "alpha", "active", "ops"));

        Assert.Equal("s-1 cannot become active: the paper green span of alpha is 13.50 days, under 14.00.", refused.Message);
        Assert.Null(PromotionGuard.Status(journal.Store, "s-1"));
    }

    [Fact]
    public void Regimes_EachRequiredOneNeedsItsCount_AndTheEnvironmentOverridesBoth()
    {
        Diary(perRegime: 2, greenDays: 20);
        Ledger(PromotionStage.Paper);

        Assert.Equal(
            ["s-1 cannot become approved: the diary of alpha lacks regime coverage: balanced (2/3), bullish (2/3), bearish (2/3), dislocated (2/3)."],
            Guard().Check(journal.Store, "s-1", "alpha", "approved"));
        Assert.Empty(Guard(new() { ["RULESGATE_MIN_REGIME_COUNT"] = "2" }).Check(journal.Store, "s-1", "alpha", "approved"));
        Assert.Equal(
            ["s-1 cannot become approved: the diary of alpha lacks regime coverage: crisis (0/1)."],
            Guard(new() { ["RULESGATE_REQUIRED_REGIMES"] = " BALANCED ,Crisis", ["RULESGATE_MIN_REGIME_COUNT"] = "1" }).Check(journal.Store, "s-1", "alpha", "approved"));
        Assert.Throws<FormatException>(() => Guard(new() { ["RULESGATE_REQUIRED_REGIMES"] = "  " }).Check(journal.Store, "s-1", "alpha", "approved"));
        Assert.Throws<FormatException>(() => Guard(new() { ["RULESGATE_MIN_REGIME_COUNT"] = "three" }).Check(journal.Store, "s-1", "alpha", "approved"));
    }

    [Fact]
    public void AlphaTradesVariableNames_AreHonoured_AndTwoThatDisagree_AreRefused()
    {
        Diary(perRegime: 2, greenDays: 20);
        Ledger(PromotionStage.Paper);

        Assert.Empty(Guard(new() { ["PROMOTION_MIN_REGIME_COUNT"] = "2" }).Check(journal.Store, "s-1", "alpha", "approved"));
        Assert.Equal(
            ["s-1 cannot become approved: the diary of alpha lacks regime coverage: crisis (0/1)."],
            Guard(new() { ["PROMOTION_REQUIRED_REGIMES"] = "balanced,crisis", ["PROMOTION_MIN_REGIME_COUNT"] = "1" }).Check(journal.Store, "s-1", "alpha", "approved"));
        Assert.Empty(Guard(new() { ["RULESGATE_MIN_REGIME_COUNT"] = "2", ["PROMOTION_MIN_REGIME_COUNT"] = "2" }).Check(journal.Store, "s-1", "alpha", "approved"));
        Assert.Equal(
            "RULESGATE_MIN_REGIME_COUNT is '2' and PROMOTION_MIN_REGIME_COUNT (AlphaTrade's name for it) is '5'; unset one of them.",
            Assert.Throws<FormatException>(() => Guard(new() { ["RULESGATE_MIN_REGIME_COUNT"] = "2", ["PROMOTION_MIN_REGIME_COUNT"] = "5" }).Check(journal.Store, "s-1", "alpha", "approved")).Message);
    }

    [Fact]
    public void AlphaTradesLedgerAndDiaryFiles_AreRefused_NeverIgnored()
    {
        Assert.Null(Settings.Refused(_ => null));
        Assert.Null(Settings.Refused(name => name == "POLICY_LEDGER_PATH" ? "  " : null));
        Assert.Equal(
            "POLICY_LEDGER_PATH is set ('/srv/ledger.json'), but RulesGate keeps the policy ledger in its journal, not in a file; unset POLICY_LEDGER_PATH and name the journal with --journal.",
            Settings.Refused(name => name == "POLICY_LEDGER_PATH" ? "/srv/ledger.json" : null));
        Assert.StartsWith("DECISION_DIARY_PATH is set", Settings.Refused(name => name == "DECISION_DIARY_PATH" ? "diary.jsonl" : null), StringComparison.Ordinal);
    }

    [Fact]
    public void SetStatus_RecordsTheSettingsInForceWhateverTheirSource()
    {
        Guard(new() { ["RULESGATE_REQUIRED_REGIMES"] = "Crisis", ["RULESGATE_MIN_REGIME_COUNT"] = "0" }).SetStatus(journal.Store, "s-1", "alpha", "paused", "ops");

        using var recorded = System.Text.Json.JsonDocument.Parse(journal.Store.Read(type: PromotionGuard.StatusType).Single().Payload);
        var root = recorded.RootElement;
        Assert.Equal(["crisis"], root.GetProperty("required_regimes").EnumerateArray().Select(item => item.GetString()));
        Assert.Equal(0, root.GetProperty("min_regime_count").GetInt32());
        Assert.StartsWith("promotion-guard@2#", root.GetProperty("guard").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void StatusNotListedInTheGuard_IsNotGated()
    {
        Guard().SetStatus(journal.Store, "s-1", "alpha", "paused", "ops");

        Assert.Equal("paused", PromotionGuard.Status(journal.Store, "s-1"));
    }

    [Fact]
    public void Load_EmptyGuardConfigOverride_IsAnError()
    {
        var error = Assert.Throws<FormatException>(() => PromotionGuard.Load(Compiled.Engine, null, name => name == "RULESGATE_GUARD_CONFIG" ? "" : null));

        Assert.Contains("RULESGATE_GUARD_CONFIG is set but empty", error.Message, StringComparison.Ordinal);
    }
}
