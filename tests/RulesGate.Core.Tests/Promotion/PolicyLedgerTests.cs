using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Tests.Support;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Core.Tests.Promotion;

public sealed class PolicyLedgerTests : IDisposable
{
    private readonly TempJournal journal = new();

    public void Dispose() => journal.Dispose();

    private PolicyLedgerRecord Promote(PromotionStage stage, params string[] approvals) =>
        PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", stage, "ops", approvals, EvidenceId: "dd-1"));

    [Fact]
    public void Promote_RecordsStageApprovalsAndHistory()
    {
        Promote(PromotionStage.Paper);
        var record = Promote(PromotionStage.Pilot, " risk ", "risk", "compliance");

        Assert.Equal(PromotionStage.Pilot, record.DeclaredStage);
        Assert.Equal(["compliance", "risk"], record.Approvals);
        Assert.Equal("dd-1", record.EvidenceId);
        Assert.Equal([("promotion", PromotionStage.Experiment, PromotionStage.Paper), ("promotion", PromotionStage.Paper, PromotionStage.Pilot)], record.History.Select(t => (t.Kind, t.From, t.To)));
        Assert.All(record.History, transition => Assert.Equal("ops", transition.Actor));
        var read = PolicyLedger.Read(journal.Store, "alpha");
        Assert.Equal((PolicyLedger.Json(record), record.Version), (PolicyLedger.Json(read), read.Version));
        Assert.Equal(["ledger.promoted", "ledger.promoted"], journal.Store.Read("ledger:alpha").Select(e => e.Type));
    }

    [Fact]
    public void Promote_ThresholdsMetadataAndChecklist_MergeOverTheRecorded()
    {
        PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", PromotionStage.Paper, "ops",
            Checklist: new Dictionary<string, string> { ["risk_audit"] = "pending" },
            ThresholdOverrides: new Dictionary<string, double> { ["max_position_pct"] = 0.05, ["max_drawdown_pct"] = 0.08 },
            Metadata: new Dictionary<string, string> { ["ticket"] = "GOV-1" }));
        PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", PromotionStage.Paper, "ops",
            Checklist: new Dictionary<string, string> { ["risk_audit"] = " done " },
            ThresholdOverrides: new Dictionary<string, double> { ["max_position_pct"] = 0.04 },
            Metadata: new Dictionary<string, string> { ["owner"] = "desk-2" }));

        var record = PolicyLedger.Read(journal.Store, "alpha");

        Assert.Equal(new Dictionary<string, double> { ["max_drawdown_pct"] = 0.08, ["max_position_pct"] = 0.04 }, record.ThresholdOverrides);
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "desk-2", ["ticket"] = "GOV-1" }, record.Metadata);
        Assert.True(record.Satisfied("risk_audit"));
    }

    [Fact]
    public void Promote_PilotWithoutApproval_IsRefusedAndWritesNothing()
    {
        var error = Assert.Throws<PromotionRefusedException>(() => Promote(PromotionStage.Pilot));

        Assert.Equal("Promoting alpha to pilot needs at least one approval (--approval NAME).", error.Message);
        Assert.Empty(journal.Store.Read());
    }

    [Fact]
    public void Promote_LimitedLive_NeedsTwoDistinctApprovalsUnlessSingleIsAllowed()
    {
        var error = Assert.Throws<PromotionRefusedException>(() => Promote(PromotionStage.LimitedLive, "risk", " risk"));
        Assert.Contains("two distinct approvals and it has 1", error.Message, StringComparison.Ordinal);

        var single = PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", PromotionStage.LimitedLive, "ops", ["risk"], AllowSingleApproval: true));
        Assert.Equal(PromotionStage.LimitedLive, single.DeclaredStage);
    }

    [Fact]
    public void Promote_Lowering_NeedsAllowRegressionAndIsJournaledAsDemotion()
    {
        Promote(PromotionStage.Pilot, "risk");

        var error = Assert.Throws<PromotionRefusedException>(() => Promote(PromotionStage.Paper));
        var demoted = PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", PromotionStage.Paper, "risk-desk", AllowRegression: true));

        Assert.Equal("alpha is declared at pilot; lowering it to paper needs --allow-regression.", error.Message);
        Assert.Equal(("demotion", "risk-desk"), (demoted.History[^1].Kind, demoted.History[^1].Actor));
        Assert.Equal("ledger.demoted", journal.Store.Read("ledger:alpha").Last().Type);
    }

    [Fact]
    public void Promote_PolicyDeltaWithoutApprovals_IsRefused()
    {
        var request = new PromotionRequest("alpha", PromotionStage.Paper, "ops", PolicyDelta: """{"max_position_pct":0.2}""");

        Assert.Throws<PromotionRefusedException>(() => PolicyLedger.Promote(journal.Store, request));
        var accepted = PolicyLedger.Promote(journal.Store, request with { Approvals = ["risk"] });
        Assert.Equal("""{"max_position_pct":0.2}""", accepted.History[^1].PolicyDelta);
    }

    [Fact]
    public void Promote_AgainstAnOldVersion_IsAConflictAndWritesNothing()
    {
        var read = PolicyLedger.Read(journal.Store, "alpha");
        Promote(PromotionStage.Paper);
        var events = journal.Store.LastSeq();

        Assert.Throws<LedgerConflictException>(() => PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", PromotionStage.Pilot, "ops", ["risk"], ExpectedVersion: read.Version)));
        Assert.Equal(events, journal.Store.LastSeq());
    }

    [Fact]
    public async Task Promote_ConcurrentFromSeparateConnections_OneWinsTheOthersConflict()
    {
        Promote(PromotionStage.Paper);
        var version = PolicyLedger.Read(journal.Store, "alpha").Version;
        using var start = new Barrier(4);
        var attempts = Enumerable.Range(0, 4).Select(i => Task.Run(() =>
        {
            using var store = SqliteJournal.Create(journal.Path);
            start.SignalAndWait();
            try
            {
                PolicyLedger.Promote(store, new PromotionRequest("alpha", PromotionStage.Pilot, $"op-{i}", [$"approver-{i}"], ExpectedVersion: version));
                return true;
            }
            catch (LedgerConflictException)
            {
                return false;
            }
        })).ToList();

        var won = await Task.WhenAll(attempts);

        Assert.Equal(1, won.Count(w => w));
        var record = PolicyLedger.Read(journal.Store, "alpha");
        Assert.Single(record.Approvals);                       // the winner's, nobody else's
        Assert.Equal(2, record.History.Count);
    }

    [Theory]
    [InlineData(null, new string[0], "", PromotionStage.Experiment, "missing_evidence,missing_approvals,additional_approval_needed,missing_oos_regime_grid,missing_leakage_checks,missing_risk_audit")]
    [InlineData("dd-1", new string[0], "", PromotionStage.Paper, "missing_approvals,additional_approval_needed,missing_oos_regime_grid,missing_leakage_checks,missing_risk_audit")]
    [InlineData("dd-1", new[] { "risk" }, "oos_regime_grid=done,leakage_checks=passed,risk_audit=ok", PromotionStage.Pilot, "additional_approval_needed")]
    [InlineData("dd-1", new[] { "risk", "compliance" }, "oos_regime_grid=done,leakage_checks=pending,risk_audit=ok", PromotionStage.Pilot, "missing_leakage_checks")]
    [InlineData("dd-1", new[] { "risk", "compliance" }, "oos_regime_grid=done,leakage_checks=passed,risk_audit=ok", PromotionStage.LimitedLive, "")]
    public void AuditGapsAndStage_FollowTheRecordsCoverage(string? evidence, string[] approvals, string checklist, PromotionStage auditStage, string gapsAtLimitedLive)
    {
        var record = PolicyLedgerRecord.New("alpha") with
        {
            DeclaredStage = PromotionStage.LimitedLive,
            EvidenceId = evidence,
            Approvals = approvals,
            Checklist = checklist.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(item => item.Split('=')).ToDictionary(pair => pair[0], pair => pair[1]),
        };

        Assert.Equal(auditStage, record.AuditStage);
        Assert.Equal(auditStage, record.CurrentStage);                                // declared is higher
        Assert.Equal(gapsAtLimitedLive, string.Join(",", record.AuditGaps(PromotionStage.LimitedLive)));
        Assert.Equal(evidence is null ? ["missing_evidence"] : [], record.AuditGaps(PromotionStage.Paper));
        Assert.Equal(PromotionStage.Experiment, (record with { DeclaredStage = PromotionStage.Experiment }).CurrentStage);
    }
}
