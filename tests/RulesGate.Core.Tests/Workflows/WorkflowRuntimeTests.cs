using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;
using RulesGate.Storage.Sqlite;
using RulesGate.Tests.Shared;

namespace RulesGate.Core.Tests.Workflows;

public sealed class WorkflowRuntimeTests : IDisposable
{
    private static readonly WorkflowLoader Loader = new(Compiled.Engine);
    private static readonly WorkflowRoles Roles = WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml"));

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-wf-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly JournalStore store;
    private readonly WorkflowRuntime runtime;

    public WorkflowRuntimeTests()
    {
        store = SqliteJournal.Create(Path.Combine(folder, "journal.db"), clock);
        runtime = new WorkflowRuntime(store, Loader, Roles, clock, Path.Combine(folder, "artifacts"));
    }

    public void Dispose()
    {
        store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private static WorkflowDefinition Shipped(string name)
    {
        var loaded = Loader.Load(Repo.PathOf("workflows", name));
        Assert.True(loaded.Succeeded, string.Join("\n", loaded.Diagnostics));
        return loaded.Value!;
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private void SampleDiary() =>
        DecisionDiary.Ingest(store, [.. File.ReadLines(Repo.PathOf("samples", "promotion", "diary.jsonl")).Select(line => DiaryEntry.Read(Json(line)))]);

    private static readonly JsonElement CleanDiary = Json("""{"added":5,"alerts":0}""");

    /// <summary>Started on the sample diary, then woken by clean diary evidence: waiting for risk at pilot_review.</summary>
    private WorkflowInstance AtPilotReview(string requester = "olga")
    {
        SampleDiary();
        var started = runtime.Start(Shipped("alpha-trade-promotion.yaml"), "alpha-momentum", requester);
        Assert.Equal("paper", started.State);                       // one step per signal: the paper gate passed at start
        return Assert.Single(runtime.Evidence("alpha-momentum", "diary", CleanDiary, key: "diary-1").Moved);
    }

    [Fact]
    public async Task AlphaTrade_GatesThenApprovalsThenTheLiveGate_ReachLimitedLive()
    {
        var review = AtPilotReview();

        Assert.Equal("pilot_review", review.State);
        Assert.Equal(["experiment", "paper", "pilot_review"], review.History.Select(step => step.To));
        Assert.Equal(PromotionStage.Paper, PolicyLedger.Read(store, "alpha-momentum").DeclaredStage);
        Assert.Equal(clock.GetUtcNow().AddDays(3), review.Due);

        var pilot = runtime.Vote(review.Id, Actor.Authenticated("rhea"), "risk", approve: true, "diary is clean").Instance;
        Assert.Equal("pilot", pilot.State);
        Assert.Equal(PromotionStage.Pilot, PolicyLedger.Read(store, "alpha-momentum").DeclaredStage);
        Assert.Equal(["risk"], PolicyLedger.Read(store, "alpha-momentum").Approvals);

        Assert.Equal("pilot", runtime.Vote(pilot.Id, Actor.Authenticated("raj"), "risk", approve: true, "ok").Instance.State);
        Assert.Equal("pilot needs approvals from risk and compliance; risk has approved already.", Assert.Throws<WorkflowRefusedException>(() => runtime.Vote(pilot.Id, Actor.Authenticated("rhea"), "risk", approve: true, "me too").Instance).Message);
        var check = runtime.Vote(pilot.Id, Actor.Authenticated("carla"), "compliance", approve: true, "pilot ok").Instance;
        Assert.Equal("live_check", check.State);
        Assert.Equal(["compliance", "risk"], PolicyLedger.Read(store, "alpha-momentum").Approvals);

        // The live gate also needs the ledger's evidence id and checklist: the operator adds them, then evidence arrives.
        Assert.Empty(runtime.Evidence("alpha-momentum", "diary", CleanDiary, key: "diary-2").Moved);
        PolicyLedger.Promote(store, new PromotionRequest("alpha-momentum", PromotionStage.Pilot, "olga", EvidenceId: "dd-am-pilot",
            Checklist: new Dictionary<string, string> { ["oos_regime_grid"] = "done", ["leakage_checks"] = "done", ["risk_audit"] = "done" }));
        var live = Assert.Single(runtime.Evidence("alpha-momentum", "diary", CleanDiary, key: "diary-3").Moved);

        Assert.Equal("limited_live", live.State);
        Assert.Equal(PromotionStage.LimitedLive, PolicyLedger.Read(store, "alpha-momentum").CurrentStage);
        Assert.Equal(["start", "evidence", "evidence", "approval", "approval", "evidence"], live.History.Select(step => step.Cause));
        await runtime.Effects.RunPendingAsync();
        Assert.True(File.Exists(Path.Combine(folder, "artifacts", "workflows", "alpha-trade-promotion_alpha-momentum", "pilot-promotion_summary.md")));
        Assert.True(JournalVerifier.Verify(store).Intact);
    }

    [Fact]
    public void AStageSetOnEvidence_StandsInTheLedgerOnThatEvidence_SoTheLedgerDoesNotLagTheWorkflow()
    {
        var started = runtime.Start(Shipped("alpha-trade-promotion.yaml"), "alpha-momentum", "olga");     // no diary yet: it stays
        SampleDiary();

        var paper = Assert.Single(runtime.Evidence("alpha-momentum", "diary", CleanDiary, key: "diary-1").Moved);

        var ledger = PolicyLedger.Read(store, "alpha-momentum");
        Assert.Equal(("experiment", "paper"), (started.State, paper.State));
        Assert.Equal(("diary-1", PromotionStage.Paper, PromotionStage.Paper), (ledger.EvidenceId, ledger.DeclaredStage, ledger.CurrentStage));
        Assert.Equal("diary-1", ledger.History[^1].EvidenceId);
    }

    [Fact]
    public void AlphaTrade_AnAlertDemotesToPaperFromAnyState_SkippingApprovals()
    {
        runtime.Vote(AtPilotReview().Id, Actor.Authenticated("rhea"), "risk", approve: true, "ok");

        var demoted = Assert.Single(runtime.Evidence("alpha-momentum", "diary", Json("""{"added":3,"alerts":1}""")).Moved);

        Assert.Equal(("paper", "demotion"), (demoted.State, demoted.History[^1].Cause));
        Assert.Equal(PromotionStage.Paper, PolicyLedger.Read(store, "alpha-momentum").DeclaredStage);
        Assert.Equal("ledger.demoted", store.Read("ledger:alpha-momentum").Last().Type);
    }

    [Fact]
    public void Approval_Rejection_TimeoutEscalates()
    {
        var instance = AtPilotReview();

        clock.Advance(TimeSpan.FromDays(3) - TimeSpan.FromSeconds(1));
        Assert.Empty(runtime.Tick(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(1));
        var escalated = Assert.Single(runtime.Tick(clock.GetUtcNow()));
        Assert.Equal(("pilot_review", (DateTimeOffset?)null), (escalated.State, escalated.Due));
        Assert.Contains("\"to\":[\"risk-lead\"]", store.Read(escalated.Key).Single(e => e.Type == "workflow.escalated").Payload, StringComparison.Ordinal);

        var rejected = runtime.Vote(instance.Id, Actor.Authenticated("raj"), "risk", approve: false, "drawdown looks odd").Instance;
        Assert.Equal(("paper", "rejection", "raj"), (rejected.State, rejected.History[^1].Cause, rejected.History[^1].Actor));
    }

    [Fact]
    public void FourEyes_RequesterStrangersAndRepeatVotesAreRefused()
    {
        var instance = AtPilotReview(requester: "rhea");

        Assert.Equal("rhea requested alpha-trade-promotion:alpha-momentum and may not approve or reject it.", Assert.Throws<WorkflowRefusedException>(() => runtime.Vote(instance.Id, Actor.Authenticated("rhea"), "risk", true, "mine").Instance).Message);
        Assert.Equal($"carla does not hold the role risk in {Roles.Source}.", Assert.Throws<WorkflowRefusedException>(() => runtime.Vote(instance.Id, Actor.Authenticated("carla"), "risk", true, "x").Instance).Message);
        Assert.Equal("pilot_review is approved by risk, not by compliance.", Assert.Throws<WorkflowRefusedException>(() => runtime.Vote(instance.Id, Actor.Authenticated("carla"), "compliance", true, "x").Instance).Message);
        var pilot = runtime.Vote(instance.Id, Actor.Authenticated("raj"), "risk", true, "ok").Instance;
        runtime.Vote(pilot.Id, Actor.Authenticated("raj"), "risk", true, "ok again");
        Assert.Contains("a second vote by the same person does not count", Assert.Throws<WorkflowRefusedException>(() => runtime.Vote(pilot.Id, Actor.Authenticated("raj"), "risk", true, "third").Instance).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signals_RepeatedKeysAreAcknowledgedAndDoNothing()
    {
        var ladder = Shipped("maturity-ladder.yaml");
        var first = runtime.Start(ladder, "s-1", "olga");
        var again = runtime.Start(ladder, "s-1", "olga");
        var good = Json("""{"trades":60,"win_rate":0.5,"profit_factor":1.3,"drawdown":0.02,"loss_streak":1}""");

        Assert.Single(runtime.Evidence("s-1", "trades", good, key: "batch-1").Moved);
        var events = store.LastSeq();
        var repeated = runtime.Evidence("s-1", "trades", good, key: "batch-1");
        var reused = runtime.Evidence("s-1", "trades", Json("""{"trades":1}"""), key: "batch-1");

        Assert.Equal((true, "batch-1", 0), (repeated.AlreadyHandled, repeated.Key, repeated.Moved.Count));
        Assert.True(reused.AlreadyHandled);
        Assert.Equal("Signal 'batch-1' was already handled; nothing was done.", reused.Acknowledgement);
        Assert.Throws<InvalidOperationException>(() => reused.Instance);

        Assert.Equal(first.Seq, again.Seq);
        Assert.Equal("L1_paper", runtime.Find(first.Id)!.State);
        Assert.Equal(events, store.LastSeq());
    }

    [Fact]
    public void MaturityLadder_OneLevelAtATimeUp_DemotionFast()
    {
        var instance = runtime.Start(Shipped("maturity-ladder.yaml"), "s-1", "olga");
        var good = Json("""{"trades":50,"win_rate":0.45,"profit_factor":1.1,"drawdown":0.02,"loss_streak":0}""");

        for (var i = 0; i < 3; i++)
        {
            runtime.Evidence("s-1", "trades", good, key: $"up-{i}");
        }

        Assert.Equal("L3_constrained", runtime.Find(instance.Id)!.State);
        Assert.Empty(runtime.Evidence("s-1", "trades", Json("""{"trades":49,"win_rate":0.9,"profit_factor":3}"""), key: "few").Moved);
        Assert.Equal("L2_gated", Assert.Single(runtime.Evidence("s-1", "trades", Json("""{"trades":80,"win_rate":0.3,"profit_factor":0.8,"loss_streak":10}"""), key: "streak").Moved).State);
        var paper = Assert.Single(runtime.Evidence("s-1", "trades", Json("""{"trades":80,"drawdown":0.11}"""), key: "drawdown").Moved);
        Assert.Equal(("L1_paper", "demotion"), (paper.State, paper.History[^1].Cause));
        Assert.Matches(@"^maturity-default@2#[0-9a-f]{12}: Drawdown 11% is beyond 10%: back to L1_paper\.$", paper.History[^1].Detail);
        Assert.Empty(runtime.Evidence("s-1", "diary", Json("""{"trades":80,"drawdown":0.5}"""), key: "not-trades").Moved);    // only trades evidence is judged
        Assert.Empty(runtime.Evidence("s-1", "trades", Json("""{"trades":80,"drawdown":0.5}"""), key: "again").Moved);     // never raised by a demotion
    }

    [Fact]
    public void Migrate_ToANewerVersion_KeepsTheStateAndRecordsWhoAndWhy_OrRefuses()
    {
        var text = File.ReadAllText(Repo.PathOf("tests", "RulesGate.Core.Tests", "Workflows", "conditions-ladder.yaml"));
        var ladder = Loader.Parse("maturity-ladder.yaml", System.Text.Encoding.UTF8.GetBytes(text)).Value!;
        var instance = runtime.Start(ladder, "s-1", "olga");
        runtime.Evidence("s-1", "trades", Json("""{"trades":50,"win_rate":0.5,"profit_factor":1.2}"""));
        var v2 = Loader.Parse("maturity-ladder.yaml", System.Text.Encoding.UTF8.GetBytes(text.Replace("version: 1", "version: 2", StringComparison.Ordinal).Replace("win_rate\") >= 0.45", "win_rate\") >= 0.55", StringComparison.Ordinal))).Value!;
        var renamed = Loader.Parse("maturity-ladder.yaml", System.Text.Encoding.UTF8.GetBytes(text.Replace("version: 1", "version: 3", StringComparison.Ordinal).Replace("L1_paper", "L1_sim", StringComparison.Ordinal))).Value!;

        Assert.Contains("has no state L1_paper", Assert.Throws<WorkflowRefusedException>(() => runtime.Migrate(instance.Id, renamed, Actor.Authenticated("raj"), "rename")).Message, StringComparison.Ordinal);
        var dry = runtime.Migrate(instance.Id, v2, Actor.Authenticated("raj"), "stricter win rate", dryRun: true);
        Assert.Equal(1, runtime.Find(instance.Id)!.Version);
        var moved = runtime.Migrate(instance.Id, v2, Actor.Authenticated("raj"), "stricter win rate");

        Assert.Equal((2, "L1_paper", "migration", "raj"), (moved.Version, moved.State, moved.History[^1].Cause, moved.History[^1].Actor));
        Assert.Equal(dry.Hash, moved.Hash);
        Assert.Empty(runtime.Evidence("s-1", "trades", Json("""{"trades":50,"win_rate":0.5,"profit_factor":1.2}"""), key: "v2").Moved);   // judged by version 2
        Assert.Equal("L2_gated", Assert.Single(runtime.Evidence("s-1", "trades", Json("""{"trades":50,"win_rate":0.6,"profit_factor":1.2}"""), key: "v2b").Moved).State);
        Assert.Equal(v2.Hash, new WorkflowRuntime(store, Loader, Roles, clock).DefinitionOf(runtime.Find(instance.Id)!).Hash);    // from the journal
    }

    [Fact]
    public void Migrate_ToAVersionThatApprovesWithFewerVotes_IsRefused()
    {
        var pilot = runtime.Vote(AtPilotReview().Id, Actor.Authenticated("rhea"), "risk", approve: true, "diary is clean").Instance;
        Assert.Equal("pilot", pilot.State);
        var text = File.ReadAllText(Repo.PathOf("workflows", "alpha-trade-promotion.yaml")).Replace("version: 2", "version: 3", StringComparison.Ordinal);
        string[] weaker =
        [
            text.Replace("roles: [risk, compliance]\n      quorum: 2", "roles: [risk, compliance]\n      quorum: 1", StringComparison.Ordinal),
            text.Replace("roles: [risk, compliance]\n      quorum: 2", "roles: [risk, compliance, cio]\n      quorum: 2", StringComparison.Ordinal),
            text.Replace("roles: [risk, compliance]\n      quorum: 2", "roles: [risk]\n      quorum: 2", StringComparison.Ordinal),
            text.Replace("      approve: live_check\n      reject: paper\n", "      approve: live_check\n      reject: paper\n    on_evidence:\n      - gate: limited_live\n        to: live_check\n", StringComparison.Ordinal),
        ];

        foreach (var variant in weaker)
        {
            Assert.NotEqual(text, variant);
            var parsed = Loader.Parse(Repo.PathOf("workflows", "alpha-trade-promotion.yaml"), System.Text.Encoding.UTF8.GetBytes(variant));
            var target = parsed.Value ?? throw new InvalidOperationException(string.Join("\n", parsed.Diagnostics));
            var refused = Assert.Throws<WorkflowRefusedException>(() => runtime.Migrate(pilot.Id, target, Actor.Authenticated("raj"), "simpler"));
            Assert.Contains("less approval than it still needs", refused.Message, StringComparison.Ordinal);
        }

        var same = Loader.Parse(Repo.PathOf("workflows", "alpha-trade-promotion.yaml"), System.Text.Encoding.UTF8.GetBytes(text)).Value!;
        Assert.Contains("may not migrate it", Assert.Throws<WorkflowRefusedException>(() => runtime.Migrate(pilot.Id, same, Actor.Authenticated(" OLGA "), "mine")).Message, StringComparison.Ordinal);
        Assert.Equal(3, runtime.Migrate(pilot.Id, same, Actor.Authenticated("raj"), "same approvals").Version);
    }

    [Fact]
    public void Vote_ActorOrRoleSpelledDifferently_IsTheSamePerson()
    {
        var review = AtPilotReview(requester: "raj");

        Assert.Contains("requested", Assert.Throws<WorkflowRefusedException>(() => runtime.Vote(review.Id, Actor.Authenticated("ＲＡＪ"), "risk", approve: true, "mine").Instance).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => runtime.Vote(review.Id, Actor.Authenticated("rhea\u200B"), "risk", approve: true, "ok").Instance);
        Assert.Throws<FormatException>(() => runtime.Vote(review.Id, Actor.Authenticated("rhea"), "risk", approve: true, "\u200B").Instance);
        Assert.Equal("pilot", runtime.Vote(review.Id, Actor.Authenticated(" RHEA "), "RISK", approve: true, "clean").Instance.State);
    }

    [Fact]
    public async Task SetStage_ByAWorkflow_ReachesThePromotionLogLikeAnOperatorsPromotion()
    {
        var pilot = runtime.Vote(AtPilotReview().Id, Actor.Authenticated("rhea"), "risk", approve: true, "diary is clean").Instance;
        await runtime.Effects.RunPendingAsync();

        var lines = File.ReadAllLines(Path.Combine(folder, "artifacts", "governance", "policy_promotions.log"));
        Assert.Equal(["paper", "pilot"], lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("to").GetString()));
        Assert.Equal($"workflow {pilot.Id}", JsonDocument.Parse(lines[^1]).RootElement.GetProperty("actor").GetString());
    }

    [Fact]
    public void Tick_AtAGivenTime_RecordsThatTime()
    {
        var review = AtPilotReview();
        var at = review.Due!.Value.AddHours(5);

        Assert.Single(runtime.Tick(at));

        var escalation = store.Read(type: "workflow.escalated").Single();
        Assert.Equal(RulesGate.Core.Serialization.JsonText.Timestamp(at), JsonDocument.Parse(escalation.Payload).RootElement.GetProperty("at").GetString());
    }

    [Fact]
    public void LivePipeline_EachStageOnItsEvidence_ThenTwoApprovals()
    {
        var instance = runtime.Start(Shipped("live-pipeline.yaml"), "s-9", "olga");
        var evidence = LivePipelineEvidence.Stages;
        Assert.Empty(runtime.Evidence("s-9", "paper", Json(evidence[5].Json), key: "early").Moved);    // out of turn: nothing

        foreach (var (kind, json) in evidence)
        {
            runtime.Evidence("s-9", kind, Json(json));
        }

        Assert.Equal("L6_review", runtime.Find(instance.Id)!.State);
        runtime.Vote(instance.Id, Actor.Authenticated("raj"), "risk", true, "ok");
        Assert.Equal("L6_live", runtime.Vote(instance.Id, Actor.Authenticated("chen"), "compliance", true, "ok").Instance.State);
        Assert.Equal("L5_paper", Assert.Single(runtime.Evidence("s-9", "incident", Json("""{"severity":"critical"}""")).Moved).State);
    }
}
