using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Orders;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Orders;

/// <summary>Orders through both gates with a journal: tokens used once and in the decision's transaction, the canary, outcomes moving the maturity ladder, decisions journaled.</summary>
public sealed class OrderPipelineTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly WorkflowRoles Roles = WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml"));

    private readonly FakeTimeProvider clock = new(Start);
    private readonly TempJournal journal;
    private readonly GovernanceJournal governance;

    public OrderPipelineTests()
    {
        journal = new TempJournal(clock);
        governance = new GovernanceJournal(journal.Store, Governed.Gate.Settings, clock);
    }

    public void Dispose() => journal.Dispose();

    /// <summary>Judges the request by both gates (governance alone without <paramref name="capital"/>) against the journal.</summary>
    private GovernedDecision Judge(GovernanceRequest request, CapitalGate? capital = null, GovernanceGate? gate = null) =>
        new OrderPipeline(capital, gate ?? Governed.Gate).Decide(journal.Store, request.Capital, request.Inputs, clock).Order.Governed!;

    /// <summary>Judges the request without a journal: its governance block states the strategy's state.</summary>
    private static GovernedDecision Alone(GovernanceRequest request) =>
        new OrderPipeline(null, Governed.Gate).Decide(null, request.Capital, request.Inputs).Order.Governed!;

    private static GovernanceRequest Request(GovernanceInputs inputs, double qty = 250) => new(Governed.Order(qty), inputs);

    /// <summary>Puts the strategy at <paramref name="level"/> the way the journal knows it: its maturity-ladder instance, raised by good trades evidence.</summary>
    private void AtLevel(string level, string strategy = "trend")
    {
        var loader = new WorkflowLoader(Compiled.Engine, Roles);
        var runtime = new WorkflowRuntime(journal.Store, loader, Roles, clock, Path.Combine(journal.Folder, "artifacts"));
        runtime.Start(loader.Load(Repo.PathOf("workflows", "maturity-ladder.yaml")).Value!, strategy, "olga");
        using var good = JsonDocument.Parse("""{"trades":60,"win_rate":0.6,"profit_factor":1.5,"drawdown":0.01,"loss_streak":0}""");
        for (var step = 0; step < MaturityPolicyKind.IndexOf(level); step++)
        {
            runtime.Evidence(strategy, MaturityGate.EvidenceKind, good.RootElement, key: $"{strategy}-up-{step}");
        }

        Assert.Equal(level, governance.Inputs(strategy, "MSFT", 1, null).Level);
    }

    [Fact]
    public void Token_IsUsedByTheOrderItLetsGo_AndThenAuthorisesNothing()
    {
        AtLevel("L2_gated");
        var (token, secret) = governance.Tokens.Issue("trend", "MSFT", null, "rhea");
        var gated = new GovernanceInputs(TokenSecret: secret);

        var first = Judge(Request(gated));
        var second = Judge(Request(gated));

        Assert.Equal((GovernanceAction.ReduceSize, 25.0), (first.Action, first.Qty));
        Assert.Equal((true, token.Id), (first.Governance.Components.Strategy.Token.Valid, first.Governance.Components.Strategy.Token.Id));
        Assert.Equal((GovernanceAction.Block, "missing_or_invalid_execution_token"), (second.Action, second.Reason));
        Assert.Contains("already used", second.Governance.Components.Strategy.Token.Refusal, StringComparison.Ordinal);
        Assert.Single(journal.Store.Read(type: TokenLedger.ConsumedType));
    }

    [Fact]
    public void Token_IsUsedInTheTransactionOfTheDecisionItAuthorises()
    {
        AtLevel("L2_gated");
        var (_, secret) = governance.Tokens.Issue("trend", "MSFT", null, "rhea");

        var (order, recorded) = new OrderPipeline(Standard.Gate, Governed.Gate).Decide(journal.Store, Governed.Order(250), new GovernanceInputs(TokenSecret: secret), clock);

        // The capital decision, the governance decision and the token's use: one after another, under one commit's stamp
        // (the rule files they name follow, in the same transaction).
        var written = journal.Store.Read(new EventFilter(From: recorded!.Seq)).Take(3).ToList();
        Assert.Equal([GateJournal.DecisionType, GovernanceJournal.DecisionType, TokenLedger.ConsumedType], written.Select(e => e.Type));
        Assert.Equal([recorded.Seq, recorded.Seq + 1, recorded.Seq + 2], written.Select(e => e.Seq));
        Assert.Single(written.Select(e => e.Time).Distinct());
        Assert.Equal(GovernanceAction.ReduceSize, order.Governed!.Action);
        Assert.Empty(governance.Tokens.Active("trend"));
    }

    [Fact]
    public void Token_UsedElsewhereBeforeTheDecisionCommits_WritesNothingOfTheOrder()
    {
        AtLevel("L2_gated");
        var (_, secret) = governance.Tokens.Issue("trend", "MSFT", null, "rhea");
        var pipeline = new OrderPipeline(Standard.Gate, Governed.Gate);
        var (context, capital) = pipeline.Judge(Governed.Order(250), latched: false);
        var order = pipeline.Complete(context, capital, new GovernanceInputs(TokenSecret: secret), governance, record: true);
        Assert.NotNull(order.Record!.Token);

        governance.Tokens.Consume(secret, "trend", "MSFT", 25);   // another process, between the check and the commit
        var head = journal.Store.Head();

        Assert.Throws<TokenRefusedException>(() => new DirectSink(journal.Store).Append(order.Record));
        Assert.Equal(head, journal.Store.Head());

        // Judged again, the token reads as used: the order does not go, and that decision is what is journaled.
        var again = pipeline.Record(journal.Store, context, capital, new GovernanceInputs(TokenSecret: secret), time: clock).Order;
        Assert.Equal((GovernanceAction.Block, "missing_or_invalid_execution_token"), (again.Governed!.Action, again.Governed.Reason));
        Assert.Null(again.Record!.Token);
    }

    [Fact]
    public void Token_ExpiresAtItsTtl()
    {
        AtLevel("L2_gated");
        var (_, secret) = governance.Tokens.Issue("trend", null, null, "rhea");
        var gated = new GovernanceInputs(TokenSecret: secret);

        clock.Advance(TimeSpan.FromSeconds(300));

        var decision = Judge(Request(gated));
        Assert.Equal(GovernanceAction.Block, decision.Action);
        Assert.Empty(journal.Store.Read(type: TokenLedger.ConsumedType));
    }

    [Fact]
    public void Token_IsNotUsedByAnOrderThatDoesNotGo()
    {
        AtLevel("L2_gated");
        var (_, secret) = governance.Tokens.Issue("trend", null, null, "rhea");
        var gated = new GovernanceInputs(TokenSecret: secret);

        var denied = Judge(Request(gated, qty: 10_000), Standard.Gate);     // 4,000,000: critical impact at L2

        Assert.Equal(GovernanceAction.Block, denied.Action);
        Assert.Single(governance.Tokens.Active("trend"));
        Assert.Equal(GovernanceAction.ReduceSize, Judge(Request(gated), Standard.Gate).Action);
    }

    [Fact]
    public void Token_WithoutAJournal_IsNotTakenOnTrust()
    {
        var decision = Alone(Request(new GovernanceInputs(Level: "L2_gated", TokenSecret: "rgt_made_up")));
        Assert.Equal(GovernanceAction.Block, decision.Action);
        Assert.Contains("no journal", decision.Governance.Components.Strategy.Token.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Canary_KillTripsTheKillSwitch_AndTheNextOrderIsAKill()
    {
        for (var i = 0; i < 3; i++)
        {
            governance.Canary.Report("exchange", ok: false);
        }

        AtLevel("L4_autonomous");
        var decision = Judge(Request(GovernanceInputs.None), Standard.Gate);

        Assert.Equal((GovernanceAction.Kill, 0.0), (decision.Action, decision.Qty));
        Assert.Equal("capital_deny: KILL-001", decision.Reason);
        Assert.Equal(GovernanceAction.Allow, decision.Governance.Action);
    }

    [Fact]
    public void Canary_PauseStandsUntilASuccess()
    {
        AtLevel("L4_autonomous");
        var pausing = Governed.Variant(("action: kill ", "action: pause "));
        var canary = new GovernanceJournal(journal.Store, pausing.Settings, clock).Canary;
        for (var i = 0; i < 3; i++)
        {
            canary.Report("feed", ok: false);
        }

        var paused = Judge(Request(GovernanceInputs.None), gate: pausing);
        canary.Report("feed", ok: true);
        var resumed = Judge(Request(GovernanceInputs.None), gate: pausing);

        Assert.Equal((GovernanceAction.Pause, "canary_paused: feed"), (paused.Action, paused.Reason));
        Assert.Equal(GovernanceAction.Allow, resumed.Action);
        Assert.False(GateJournal.State(journal.Store).Active);
    }

    [Fact]
    public void Decision_BothGatesInOneTransaction_WithEveryRuleFileKept()
    {
        AtLevel("L3_constrained");
        var decision = Judge(Request(GovernanceInputs.None), Standard.Gate);

        var gateEvent = Assert.Single(journal.Store.Read(type: GateJournal.DecisionType));
        var governanceEvent = Assert.Single(journal.Store.Read(type: GovernanceJournal.DecisionType));
        Assert.Equal(gateEvent.Seq + 1, governanceEvent.Seq);
        using var payload = JsonDocument.Parse(governanceEvent.Payload);
        Assert.Equal("REDUCE_SIZE", payload.RootElement.GetProperty("decision").GetProperty("action").GetString());
        Assert.Equal(Governed.Gate.Bundle.Identity, payload.RootElement.GetProperty("governance_bundle").GetString());
        Assert.Equal(Standard.Gate.Bundle.Identity, payload.RootElement.GetProperty("capital_bundle").GetString());
        Assert.Equal(Governed.Gate.Bundle.File.Bytes, journal.Store.Blob(Governed.Gate.Bundle.File.Hash));
        Assert.Equal(Governed.Maturity.Bundle.File.Bytes, journal.Store.Blob(Governed.Maturity.Bundle.File.Hash));
        Assert.Equal(62.5, decision.Qty);
        Assert.True(JournalAudit.Verify(journal.Store).Intact);
    }

    [Theory]
    [InlineData("level")]
    [InlineData("sizing_cap")]
    [InlineData("outcomes")]
    [InlineData("token")]
    [InlineData("canary_paused")]
    public void Request_WithAJournal_CannotStateItsStrategysState(string field)
    {
        var inputs = field switch
        {
            "level" => new GovernanceInputs(Level: "L4_autonomous"),
            "sizing_cap" => new GovernanceInputs(SizingCap: 1),
            "outcomes" => new GovernanceInputs(Outcomes: []),
            "token" => new GovernanceInputs(Token: new TokenView(true, true, null, null)),
            _ => new GovernanceInputs(CanaryPaused: []),
        };
        var events = journal.Store.LastSeq();

        var refused = Assert.Throws<FormatException>(() => Judge(Request(inputs)));

        Assert.StartsWith($"governance.{field}: with a journal, the strategy's state is the journal's", refused.Message, StringComparison.Ordinal);
        Assert.Equal(events, journal.Store.LastSeq());
    }

    [Fact]
    public void Request_WithAJournal_GivesItsOrdersFigures()
    {
        governance.Record([.. Enumerable.Range(1, 5).Select(i => Outcome($"o-{i}", -1))]);
        var decision = Judge(Request(new GovernanceInputs(Leverage: 2, ReduceOnly: true, OpenPositions: 4)));

        Assert.Equal(new GovernanceOrder(100_000, 0.05, 2, true, 4), decision.Governance.Components.Order);
        Assert.Equal(0.5, decision.Governance.Components.Strategy.Health.Multiplier);
        Assert.Equal("L0_shadow", decision.Governance.Components.Strategy.Level);
    }

    [Fact]
    public void Outcomes_AddUpToHealthAndFigures_EachRecordedOnce()
    {
        var first = governance.Record([Outcome("o-1", -1, -500), Outcome("o-2", 2, 1000, minutes: 1), Outcome("o-3", -1, -400, minutes: 2)]);
        var again = governance.Record([Outcome("o-2", 2, 1000, minutes: 1), Outcome("o-4", 1, 100, minutes: 3), Outcome("o-4", 1, 100, minutes: 3)]);

        Assert.Equal((3, 0), (first.Added, first.Duplicates));
        Assert.Equal((1, 2), (again.Added, again.Duplicates));
        var state = governance.Outcomes("trend");
        Assert.Equal((4, 2, 2, 0), (state.Trades, state.Wins, state.Losses, state.LossStreak));
        Assert.Equal(1100.0 / 900, state.ProfitFactor);
        Assert.Equal(0.5, state.WinRate);
        Assert.Equal(1.2m, state.Debt);                   // 1, paid 0.4, +1, paid 0.4
        Assert.Equal(300.0 / 100_500, state.Drawdown(100_000));   // peak +500 after o-2, +200 now
        Assert.Equal(2, journal.Store.Read(type: GovernanceJournal.HealthType).Count());
    }

    [Fact]
    public void Outcomes_OutOfOrderOrAnIdWithOtherContent_AreRefusedWithoutWriting()
    {
        governance.Record([Outcome("o-1", 1, 100, minutes: 10)]);
        var events = journal.Store.LastSeq();

        Assert.Contains("before the last recorded one", Assert.Throws<FormatException>(() => governance.Record([Outcome("o-2", 1, 100, minutes: 5)])).Message, StringComparison.Ordinal);
        Assert.Contains("was recorded with other content", Assert.Throws<FormatException>(() => governance.Record([Outcome("o-1", 1, 100, minutes: 20, strategy: "other")])).Message, StringComparison.Ordinal);
        Assert.Contains("was recorded with other content", Assert.Throws<FormatException>(() => governance.Record([Outcome("o-1", 1, 101, minutes: 10)])).Message, StringComparison.Ordinal);
        Assert.Contains("was recorded with other content", Assert.Throws<FormatException>(() => governance.Record([Outcome("o-8", 1, 1, minutes: 30, strategy: "alpha"), Outcome("o-8", 1, 2, minutes: 30, strategy: "beta")])).Message, StringComparison.Ordinal);
        Assert.Equal(events, journal.Store.LastSeq());
    }

    [Fact]
    public void Outcomes_ProfitWithoutAnyLoss_HasACappedProfitFactor()
    {
        governance.Record([Outcome("o-1", 1, 100)]);
        Assert.Equal(StrategyOutcomes.ProfitFactorCap, governance.Outcomes("trend").ProfitFactor);
        Assert.Equal(0, StrategyOutcomes.Fresh("x").ProfitFactor);
    }

    [Fact]
    public void Maturity_RisesOneLevelPerBatchOfGoodOutcomes_AndFallsFast()
    {
        var loader = new WorkflowLoader(Compiled.Engine, Roles);
        var runtime = new WorkflowRuntime(journal.Store, loader, Roles, clock, Path.Combine(journal.Folder, "artifacts"));
        var ladder = loader.Load(Repo.PathOf("workflows", "maturity-ladder.yaml")).Value!;
        var instance = runtime.Start(ladder, "trend", "olga");
        var minute = 0;
        List<TradeOutcome> Batch(int count, Func<int, bool> win) =>
            [.. Enumerable.Range(0, count).Select(i => { minute++; return win(i) ? Outcome($"o-{minute}", 1, 300, minute) : Outcome($"o-{minute}", -1, -100, minute); })];

        var levels = new List<string>();
        for (var week = 0; week < 3; week++)
        {
            OutcomeEvidence.Ingest(governance, Batch(50, i => i % 4 != 0), runtime);
            levels.Add(runtime.Find(instance.Id)!.State);
        }

        Assert.Equal(["L1_paper", "L2_gated", "L3_constrained"], levels);
        Assert.Equal("L3_constrained", governance.Inputs("trend", "MSFT", 1, null).Level);

        var (_, streak, _, _) = OutcomeEvidence.Ingest(governance, Batch(10, _ => false), runtime);
        Assert.Equal("L2_gated", Assert.Single(streak).State);
        var (_, drawdown, _, _) = OutcomeEvidence.Ingest(governance, [Outcome($"o-{++minute}", -5, -30_000, minute)], runtime);
        Assert.Equal("L1_paper", Assert.Single(drawdown).State);
        Assert.Equal("L1_paper", governance.Inputs("trend", "MSFT", 1, null).Level);
    }

    [Fact]
    public void Demotion_TheFiguresCallFor_IsReportedWithTheDecision()
    {
        var decision = Alone(Request(new GovernanceInputs(Level: "L3_constrained", Outcomes: [.. Enumerable.Repeat(-1.0, 10)])));

        var step = decision.Governance.Demotion!;
        Assert.Equal(("L3_constrained", "L2_gated", "demotion"), (step.From, step.To, step.Change));
        Assert.Equal(["10 losses in a row (limit 10): down one level."], step.Reasons);
        Assert.Null(Alone(Request(new GovernanceInputs(Level: "L3_constrained", Outcomes: [.. Enumerable.Repeat(-1.0, 9)]))).Governance.Demotion);
    }

    [Fact]
    public void Demote_IsTheAction_AndTheOrderIsSizedAtTheLevelItFallsTo_InTheSameDecision()
    {
        var losses = Enumerable.Repeat(-1.0, 10).ToList();
        var token = new TokenView(true, true, "tok-1", null);

        // From L3 (25%) to L2 (10%), with the token L2 asks for: it goes, at L2's size.
        var tokened = Alone(Request(new GovernanceInputs(Level: "L3_constrained", Outcomes: losses, Token: token)));
        Assert.Equal(GovernanceAction.Demote, tokened.Action);
        Assert.InRange(tokened.Governance.SizeMultiplier, 0.0001, 0.10);      // L2's cap of 10%, times its health
        Assert.InRange(tokened.Qty, 0.0001, 250 * tokened.Governance.SizeMultiplier);
        Assert.StartsWith("demoted_to_L2_gated: 10 losses in a row (limit 10): down one level. At L2_gated: ", tokened.Reason, StringComparison.Ordinal);

        // Without the token, L2 blocks it: still a DEMOTE, and nothing goes.
        var blocked = Alone(Request(new GovernanceInputs(Level: "L3_constrained", Outcomes: losses)));
        Assert.Equal((GovernanceAction.Demote, 0.0), (blocked.Action, blocked.Qty));
        Assert.EndsWith("At L2_gated: missing_or_invalid_execution_token", blocked.Reason, StringComparison.Ordinal);
        Assert.Contains("\"action\":\"DEMOTE\"", GovernanceJson.Decision(blocked, Governed.Gate.MaturityPolicy), StringComparison.Ordinal);
    }

    [Fact]
    public void Drift_FromBaselineAndPerformanceEvidence_IsJournaledAsAlerts()
    {
        AtLevel("L4_autonomous");
        var runtime = new WorkflowRuntime(journal.Store, new WorkflowLoader(Compiled.Engine, Roles), Roles, clock);
        using var baseline = JsonDocument.Parse("""{"win_rate":0.6,"sharpe":2.0,"note":"backtest 2025"}""");
        using var live = JsonDocument.Parse("""{"win_rate":0.42,"sharpe":0.9}""");
        runtime.Evidence("trend", GovernanceJournal.BaselineKind, baseline.RootElement);
        Assert.Empty(governance.RecordDrift("trend"));
        runtime.Evidence("trend", GovernanceJournal.PerformanceKind, live.RootElement);

        var alerts = governance.RecordDrift("trend");

        Assert.Equal([new DriftAlert("win_rate", 30, GovernanceAction.ReduceSize), new DriftAlert("sharpe", 55, GovernanceAction.Pause)], alerts);
        Assert.Single(journal.Store.Read(type: GovernanceJournal.DriftType));
        Assert.Equal("drift_threshold_exceeded", Judge(Request(GovernanceInputs.None)).Reason);
    }

    private static TradeOutcome Outcome(string id, double r, double? pnl = null, int minutes = 0, string strategy = "trend") =>
        new(id, strategy, Start.AddMinutes(minutes), r, pnl ?? r * 100);
}
