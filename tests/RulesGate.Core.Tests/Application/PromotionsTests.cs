using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Application;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Application;

/// <summary>The application services: one call per user operation, with everything that follows it.</summary>
public sealed class PromotionsTests : IDisposable
{
    private static readonly WorkflowLoader Loader = new(Compiled.Engine);
    private static readonly WorkflowRoles Roles = WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml"));

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly TempJournal journal;

    public PromotionsTests() => journal = new TempJournal(clock);

    public void Dispose() => journal.Dispose();

    private string LogPath => Path.Combine(journal.Folder, "promotions.log");

    private Promotions Service(string? log = "") => new(journal.Store, new PromotionFollowUp(log == "" ? LogPath : log));

    private WorkflowRuntime Runtime() => new(journal.Store, Loader, Roles, clock, Path.Combine(journal.Folder, "artifacts"), promotionLog: LogPath);

    private static List<DiaryEntry> SampleDiary() =>
        [.. File.ReadLines(Repo.PathOf("samples", "promotion", "diary.jsonl")).Select(line => DiaryEntry.Read(JsonDocument.Parse(line).RootElement))];

    private static readonly RulesGate.Core.Rules.RuleBundle Gates = Compiled.Bundle(File.ReadAllText(Repo.PathOf("rules", "promotion", "alpha-trade.yaml")));

    private PromotionBar Bar => new(Gates, DiaryWindow.All, Roles, clock.GetUtcNow());

    private static WorkflowDefinition Shipped(string name) => Loader.Load(Repo.PathOf("workflows", name)).Value!;

    private static WorkflowDefinition AlphaTrade() => Loader.Load(Repo.PathOf("workflows", "alpha-trade-promotion.yaml")).Value!;

    [Fact]
    public void Promote_LogsTheChangeAndRendersItsSummary()
    {
        var summary = Path.Combine(journal.Folder, "summary.md");

        DecisionDiary.Ingest(journal.Store, SampleDiary());
        var record = Service().Promote(new PromotionRequest("alpha-momentum", PromotionStage.Paper, "ops"), Bar, summary);

        var line = JsonDocument.Parse(Assert.Single(File.ReadAllLines(LogPath))).RootElement;
        Assert.Equal(("alpha-momentum", "paper", record.Version), (line.GetProperty("policy_id").GetString(), line.GetProperty("to").GetString(), line.GetProperty("seq").GetInt64()));
        Assert.Contains("alpha", File.ReadAllText(summary), StringComparison.Ordinal);
    }

    [Fact]
    public void Promote_WithoutALog_WritesNoLog()
    {
        DecisionDiary.Ingest(journal.Store, SampleDiary());
        Service(log: null).Promote(new PromotionRequest("alpha-momentum", PromotionStage.Paper, "ops"), Bar);

        Assert.False(File.Exists(LogPath));
        Assert.Equal(PromotionStage.Paper, PolicyLedger.Read(journal.Store, "alpha-momentum").DeclaredStage);
    }

    [Fact]
    public void Promote_Refused_WritesNeitherLedgerNorLog()
    {
        Assert.Throws<PromotionRefusedException>(() => Service().Promote(new PromotionRequest("alpha", PromotionStage.LimitedLive, "ops"), Bar));

        Assert.False(File.Exists(LogPath));
        Assert.Equal(0, PolicyLedger.Read(journal.Store, "alpha").Version);
    }

    [Fact]
    public void Promote_AnApprovalNobodyVotedFor_IsRefused_ForTypingARoleIsNoApproval()
    {
        DecisionDiary.Ingest(journal.Store, SampleDiary());

        var refused = Assert.Throws<PromotionRefusedException>(() => Service().Promote(new PromotionRequest("alpha-momentum", PromotionStage.Paper, "mallory", ["risk"]), Bar));

        Assert.StartsWith("No one holding risk has voted on a workflow about alpha-momentum, so 'risk' is no approval", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, PolicyLedger.Read(journal.Store, "alpha-momentum").Version);
    }

    [Fact]
    public void Promote_BeyondWhatTheGatesRecommend_NeedsAGrantedOverride_AndIsRecordedAsOne()
    {
        DecisionDiary.Ingest(journal.Store, SampleDiary());
        var recommended = Service().Assess(Gates, ["beta-meanrev"], DiaryWindow.All)[0].RecommendedStage;
        Assert.Equal(PromotionStage.Paper, recommended);
        var beyond = new PromotionRequest("beta-meanrev", PromotionStage.Pilot, "ops");

        var refused = Assert.Throws<PromotionRefusedException>(() => Service().Promote(beyond, Bar));
        Assert.StartsWith("The gates recommend paper for beta-meanrev, and pilot is beyond them (paper_stage_alerts_present:1; paper_warn_ratio_exceeds:0.22>0.20; paper_normal_streak_below:3/8)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("rulesgate workflow start --workflow stage-override --subject beta-meanrev --key pilot --actor YOU", refused.Message, StringComparison.Ordinal);

        // Two leads grant the override, each with a reason; the requester may not be one of them.
        var runtime = Runtime();
        var review = runtime.Start(Shipped("stage-override.yaml"), "beta-meanrev", "ops", key: "pilot");
        runtime.Vote(review.Id, RulesGate.Core.Signing.Actor.Authenticated("rosa"), "risk-lead", true, "desk needs the pilot before quarter end");
        Assert.Equal("granted", runtime.Vote(review.Id, RulesGate.Core.Signing.Actor.Authenticated("colm"), "compliance-lead", true, "limited to pilot size").Instance.State);

        var record = Service().Promote(beyond, Bar);
        Assert.Equal(("override", PromotionStage.Pilot), (record.History[^1].Kind, record.DeclaredStage));
        var changelog = RulesGate.Core.Reports.GovernanceDocuments.ChangelogOf(journal.Store);
        Assert.Contains(changelog.Changes, row => row.What == "override" && row.Subject == "beta-meanrev");

        // A grant is good for a day: one used later goes nowhere.
        var live = runtime.Start(Shipped("stage-override.yaml"), "beta-meanrev", "ops", key: "limited_live");
        runtime.Vote(live.Id, RulesGate.Core.Signing.Actor.Authenticated("rosa"), "risk-lead", true, "ok");
        runtime.Vote(live.Id, RulesGate.Core.Signing.Actor.Authenticated("ines"), "cio", true, "ok");
        clock.Advance(TimeSpan.FromDays(1));
        var expired = Assert.Throws<PromotionRefusedException>(() => Service().Promote(new PromotionRequest("beta-meanrev", PromotionStage.LimitedLive, "ops"), Bar));
        Assert.EndsWith("stage-override:beta-meanrev:limited_live is granted, and expired.", expired.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_WakesTheSubjectsWorkflowsOnceAndLogsTheirPromotions()
    {
        var runtime = Runtime();
        var instance = runtime.Start(AlphaTrade(), "alpha-momentum", "olga");
        Assert.Equal("experiment", instance.State);

        var first = Service().Ingest(SampleDiary(), Runtime);
        var again = Service().Ingest(SampleDiary(), Runtime);

        Assert.True(first.Added > 0);
        Assert.Equal(instance.Id, Assert.Single(first.Moved).Id);
        Assert.Equal("paper", first.Moved[0].State);
        Assert.Equal((0, first.Added, 0), (again.Added, again.Duplicates, again.Moved.Count));

        // The workflow's set_stage promoted the policy; the log says so, as it would for an operator's promotion.
        await runtime.Effects.RunPendingAsync();
        var logged = JsonDocument.Parse(Assert.Single(File.ReadAllLines(LogPath))).RootElement;
        Assert.Equal("workflow alpha-trade-promotion:alpha-momentum", logged.GetProperty("actor").GetString());
    }

    [Fact]
    public void Ingest_WithoutInstances_NeverMakesARuntime()
    {
        var result = Service().Ingest(SampleDiary(), () => throw new InvalidOperationException("no runtime should be needed"));

        Assert.Empty(result.Moved);
    }

    [Fact]
    public async Task Assess_WithApply_HandsThePolicyToItsWorkflow_WhichRecordsTheStageOnThatEvidence()
    {
        var shipped = new WorkflowCatalogue(new WorkflowLoader(Compiled.Engine, Roles), Repo.PathOf("workflows"));
        var runtime = new WorkflowRuntime(journal.Store, Loader, Roles, clock, Path.Combine(journal.Folder, "artifacts"), promotionLog: LogPath, workflows: () => shipped.All(), standing: shipped.Standing);
        Service().Ingest(SampleDiary(), workflows: null);

        var judged = Assert.Single(Service().Assess(Gates, ["beta-meanrev"], DiaryWindow.All));
        var applied = Assert.Single(Service().Assess(Gates, [" beta-meanrev "], DiaryWindow.All, new AssessApply(() => runtime, "assess")));
        var again = Assert.Single(Service().Assess(Gates, ["beta-meanrev"], DiaryWindow.All, new AssessApply(() => runtime, "assess")));

        Assert.Null(judged.Applied);
        Assert.Equal(PromotionStage.Paper, judged.RecommendedStage);
        Assert.Equal(("alpha-trade-promotion:beta-meanrev", "paper"), (applied.Workflow?.Id, applied.Workflow?.State));
        var record = applied.Applied!;
        Assert.Equal(PromotionStage.Paper, record.DeclaredStage);
        Assert.StartsWith("assess:beta-meanrev:", record.EvidenceId, StringComparison.Ordinal);     // the stage stands on the assessment
        Assert.DoesNotContain("missing_evidence", record.AuditGaps(PromotionStage.Paper));
        Assert.Equal("workflow alpha-trade-promotion:beta-meanrev", record.History[^1].Actor);
        Assert.Null(again.Applied);                                                                  // at its recommended stage: nothing to hand over
        await runtime.Effects.RunPendingAsync();
        Assert.Equal("workflow alpha-trade-promotion:beta-meanrev", JsonDocument.Parse(Assert.Single(File.ReadAllLines(LogPath))).RootElement.GetProperty("actor").GetString());
    }

    [Fact]
    public void Assess_WithApply_AndNoPolicyLadder_SaysSo_AndWritesNoStage()
    {
        Service().Ingest(SampleDiary(), workflows: null);

        var applied = Assert.Single(Service().Assess(Gates, ["beta-meanrev"], DiaryWindow.All, new AssessApply(Runtime, "assess")));

        Assert.Null(applied.Applied);
        Assert.StartsWith("no workflow about policies is declared in workflows/standing.yaml", applied.Refusal, StringComparison.Ordinal);
        Assert.Equal(PromotionStage.Experiment, PolicyLedger.Read(journal.Store, "beta-meanrev").DeclaredStage);
    }
}
