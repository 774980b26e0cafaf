using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Governance;

/// <summary>The shipped governance file's formulas on and just past each bound, and its verdict order.</summary>
public sealed class GovernanceGateTests
{
    private static readonly GovernanceInputs L4 = new(Level: "L4_autonomous");

    private static GovernanceDecision Decide(GovernanceInputs inputs, CapitalContext? order = null, GovernanceGate? gate = null) =>
        (gate ?? Governed.Gate).Decide(Governed.Context(inputs, order, gate));

    private static (double Score, string Tier) Impact(CapitalContext order, GovernanceInputs? inputs = null)
    {
        var components = Decide(inputs ?? L4, order).Components;
        return (components.ImpactScore, components.ImpactTier);
    }

    [Fact]
    public void Impact_TheSeedsExample_Is0_4533Medium() =>
        Assert.Equal((0.4533, "medium"), Impact(Governed.Order()));

    [Theory]
    [InlineData(200_000, 0.25)]
    [InlineData(199_999.6, 0.20)]
    [InlineData(50_000, 0.20)]
    [InlineData(49_999.6, 0.10)]
    [InlineData(25_000, 0.10)]
    [InlineData(24_999.6, 0.05)]
    public void Impact_NotionalPart_OnAndJustBelowEachTier(double notional, double part)
    {
        // Equity so large that concentration adds nothing measurable; no other position, leverage 1, opening (0.15).
        var order = Governed.Order(qty: notional / 400, equity: 1e12, positions: []);
        Assert.Equal(Math.Round(part + 0.15, 4), Impact(order).Score);
    }

    [Theory]
    [InlineData(0.15, 0.25)]
    [InlineData(0.1499, 0.15)]
    [InlineData(0.075, 0.15)]
    [InlineData(0.0749, 0.0749 / 0.15 * 0.25)]
    public void Impact_ConcentrationPart_OnAndJustBelowEachBound(double concentration, double part)
    {
        // 1,000 of notional (0.05) at the given share of equity, opening (0.15), nothing else.
        var order = Governed.Order(qty: 2.5, equity: 1000 / concentration, positions: []);
        Assert.Equal(Math.Round(0.05 + part + 0.15, 4), Impact(order).Score);
    }

    [Theory]
    [InlineData(1, 0, 0.0)]
    [InlineData(3, 2, 0.06 + 0.04)]
    [InlineData(6, 5, 0.15 + 0.10)]       // each part at its cap
    [InlineData(9, 9, 0.15 + 0.10)]
    public void Impact_BlastRadius_LeverageAndOpenPositions_EachCapped(double leverage, int positions, double blast)
    {
        var order = Governed.Order(qty: 2.5, equity: 1e12, positions: []);
        var irreversibility = leverage > 3 ? 0.25 : 0.15;
        Assert.Equal(Math.Round(0.05 + blast + irreversibility, 4), Impact(order, L4 with { Leverage = leverage, OpenPositions = positions }).Score);
    }

    [Theory]
    [InlineData(3.0, false, 0.15)]
    [InlineData(3.01, false, 0.25)]       // strictly above 3
    [InlineData(5, true, 0.05)]           // reduce-only, whatever the leverage
    public void Impact_Irreversibility(double leverage, bool reduceOnly, double part)
    {
        var order = Governed.Order(qty: 2.5, equity: 1e12, positions: []);
        var blast = Math.Min(0.15, (leverage - 1) * 0.03);
        Assert.Equal(Math.Round(0.05 + blast + part, 4), Impact(order, L4 with { Leverage = leverage, ReduceOnly = reduceOnly, OpenPositions = 0 }).Score);
    }

    [Fact]
    public void Impact_ReduceOnly_IsReadFromThePositionWhenTheRequestDoesNotSayIt()
    {
        var shrinking = Governed.Order(qty: 100, side: OrderSide.Sell, positions: new() { ["MSFT"] = 300 });
        var crossing = Governed.Order(qty: 400, side: OrderSide.Sell, positions: new() { ["MSFT"] = 300 });

        Assert.True(Governed.Context(L4, shrinking).Order.ReduceOnly);
        Assert.False(Governed.Context(L4, crossing).Order.ReduceOnly);
        Assert.Equal(1, Governed.Context(L4, crossing).Order.OpenPositions);
    }

    [Theory]
    [InlineData("critical", "0.4533", "critical")]
    [InlineData("critical", "0.4534", "medium")]
    [InlineData("high", "0.4533", "high")]
    [InlineData("high", "0.4534", "medium")]
    [InlineData("medium", "0.4533", "medium")]
    [InlineData("medium", "0.4534", "low")]
    public void Impact_Tier_FromItsBoundUp(string tier, string bound, string expected)
    {
        // The seed's example scores 0.4533: a tier bound moved onto it, and just past it.
        var old = tier switch { "critical" => "      critical: 0.75", "high" => "      high: 0.50", _ => "      medium: 0.25" };
        var gate = Governed.Variant((old, old.Split(':')[0] + ": " + bound));
        Assert.Equal(expected, Decide(L4, gate: gate).Components.ImpactTier);
    }

    [Fact]
    public void Impact_IsCappedAt1()
    {
        var order = Governed.Order(qty: 1000, equity: 100_000);
        Assert.Equal(1, Impact(order, L4 with { Leverage = 9, OpenPositions = 20 }).Score);
    }

    [Theory]
    [InlineData(0.5, 0.5, 0)]
    [InlineData(0.5, 0.25, 50)]
    [InlineData(-2, -1, 50)]              // by |base|
    [InlineData(0, 0, 0)]                 // a zero baseline: 0 when live is 0 too
    [InlineData(0, 0.01, 100)]            // and 100 otherwise
    [InlineData(3, 2, 33.33)]             // rounded to 2 decimals
    public void Drift_Deviation(double baseline, double live, double percent) =>
        Assert.Equal(percent, DriftMetric.Of("m", baseline, live).DeviationPct);

    [Fact]
    public void Drift_OnlyTrackedMetricsWithBothFiguresAreCompared()
    {
        var view = DriftView.Of(["win_rate", "sharpe", "avg_rr"], new Dictionary<string, double> { ["win_rate"] = 0.5, ["sharpe"] = 2, ["other"] = 1 }, new Dictionary<string, double> { ["win_rate"] = 0.4, ["other"] = 9, ["avg_rr"] = 1 });

        Assert.Equal("win_rate", Assert.Single(view.Metrics).Metric);
        Assert.Equal(20, view.WorstPct);
    }

    [Theory]
    [InlineData(0.25, "pause.drift", "PAUSE")]              // 50 %
    [InlineData(0.25005, "reduce.drift", "REDUCE_SIZE")]    // 49.99 %
    [InlineData(0.35, "reduce.drift", "REDUCE_SIZE")]       // 30 %
    [InlineData(0.35005, "allow.all", null)]                // 29.99 %
    public void Drift_PausesFrom50AndHalvesFrom30(double live, string rule, string? alert)
    {
        var decision = Decide(L4 with { Baseline = new Dictionary<string, double> { ["win_rate"] = 0.5 }, Live = new Dictionary<string, double> { ["win_rate"] = live } });

        Assert.Equal(rule, decision.Rule);
        Assert.Equal(alert, decision.Components.DriftAlerts.SingleOrDefault()?.Action is { } action ? GovernanceActions.Name(action) : null);
        Assert.Equal(rule == "reduce.drift" ? 0.5 : rule == "allow.all" ? 1 : 0, decision.SizeMultiplier);
    }

    [Fact]
    public void Verdict_DisabledComesFirst_WholeSize()
    {
        var decision = Decide(new GovernanceInputs(Enabled: false, Level: "L0_shadow", CanaryPaused: ["exchange"]));
        Assert.Equal((GovernanceAction.Allow, "governance_disabled", 1.0), (decision.Action, decision.Reason, decision.SizeMultiplier));
    }

    [Theory]
    [InlineData("L0_shadow")]
    [InlineData("L1_paper")]
    public void Verdict_BelowL2_IsBlocked(string level)
    {
        var decision = Decide(new GovernanceInputs(Level: level, Baseline: new Dictionary<string, double> { ["sharpe"] = 2 }, Live: new Dictionary<string, double> { ["sharpe"] = 0 }));
        Assert.Equal((GovernanceAction.Block, $"maturity_level_{level}_insufficient", 0.0), (decision.Action, decision.Reason, decision.SizeMultiplier));
    }

    [Fact]
    public void Verdict_CriticalImpact_BlocksAtL2Only_BeforeDriftAndToken()
    {
        var critical = Governed.Order(qty: 1000, equity: 2_000_000);        // 400,000 at 20 %
        var atL2 = new GovernanceInputs(Level: "L2_gated", Leverage: 4, Baseline: new Dictionary<string, double> { ["sharpe"] = 2 }, Live: new Dictionary<string, double> { ["sharpe"] = 0 });

        Assert.Equal("critical_impact_at_gated_maturity", Decide(atL2, critical).Reason);
        Assert.Equal("drift_threshold_exceeded", Decide(atL2 with { Level = "L3_constrained" }, critical).Reason);
    }

    [Fact]
    public void Verdict_DriftPause_ComesBeforeTheToken()
    {
        var decision = Decide(new GovernanceInputs(Level: "L2_gated", Baseline: new Dictionary<string, double> { ["sharpe"] = 2 }, Live: new Dictionary<string, double> { ["sharpe"] = 1 }));
        Assert.Equal((GovernanceAction.Pause, "drift_threshold_exceeded"), (decision.Action, decision.Reason));
    }

    [Fact]
    public void Verdict_L2_NeedsAValidToken_L3DoesNot_UnlessEveryLevelRequiresOne()
    {
        var invalid = new TokenView(true, false, "t-1", "token t-1 expired");
        Assert.Equal("missing_or_invalid_execution_token", Decide(new GovernanceInputs(Level: "L2_gated")).Reason);
        Assert.Equal("missing_or_invalid_execution_token", Decide(new GovernanceInputs(Level: "L2_gated", Token: invalid)).Reason);
        Assert.Equal(("sizing_capped_by_maturity_or_health", 0.1), Decide(new GovernanceInputs(Level: "L2_gated", Token: new TokenView(true, true, "t-1", null))) is var valid ? (valid.Reason, valid.SizeMultiplier) : default);
        Assert.Equal("sizing_capped_by_maturity_or_health", Decide(new GovernanceInputs(Level: "L3_constrained")).Reason);

        var everywhere = Governed.Variant(("require_tokens: false", "require_tokens: true"));
        Assert.Equal("missing_or_invalid_execution_token", Decide(L4, gate: everywhere).Reason);
        Assert.True(everywhere.Decide(Governed.Context(L4, gate: everywhere)).Components.TokenRequired);
    }

    [Fact]
    public void Verdict_Multiplier_IsCapTimesHealthTimesDrift_RoundedTo4Decimals()
    {
        // Three losses of 1 R: health 0.7; at L3 (0.25) with a 30 % drift (0.5): 0.0875.
        var decision = Decide(new GovernanceInputs(Level: "L3_constrained", Outcomes: [-1, -1, -1], Baseline: new Dictionary<string, double> { ["avg_rr"] = 1 }, Live: new Dictionary<string, double> { ["avg_rr"] = 1.3 }));
        Assert.Equal((GovernanceAction.ReduceSize, "sizing_reduced_by_governance", 0.0875), (decision.Action, decision.Reason, decision.SizeMultiplier));

        // Health 0.1/3 is floored at 0.1; at L2 with a valid token: 0.01. A third of the debt scale: 0.0667 × 0.1 → 0.0067.
        var thirds = Governed.Variant(("max_debt: 10 ", "max_debt: 3 "));
        var decided = Decide(new GovernanceInputs(Level: "L4_autonomous", Outcomes: [-1, -1]), gate: thirds);
        Assert.Equal(0.3333, decided.SizeMultiplier);
    }

    [Fact]
    public void Verdict_FullHealthAtL4_IsAllowedWhole()
    {
        var decision = Decide(L4);
        Assert.Equal((GovernanceAction.Allow, "allow.all", "all_checks_passed", 1.0), (decision.Action, decision.Rule, decision.Reason, decision.SizeMultiplier));
    }

    [Fact]
    public void Verdict_CanaryPause_PausesEveryStrategy()
    {
        var decision = Decide(L4 with { CanaryPaused = ["exchange", "feed"] });
        Assert.Equal((GovernanceAction.Pause, "canary_paused: exchange, feed"), (decision.Action, decision.Reason));
    }

    [Fact]
    public void Verdict_AnOrderWithoutAPrice_DoesNotGo()
    {
        var decision = Decide(L4, Governed.Order(price: double.NaN));
        Assert.Equal((GovernanceAction.Block, "impact_unknown_without_price"), (decision.Action, decision.Reason));
    }

    [Fact]
    public void FailClosed_NoRuleFiring_BlocksWithAReason()
    {
        var gate = Governed.Variant(("    when: \"true\"\n    message: all_checks_passed", "    when: \"false\"\n    message: all_checks_passed"));
        var decision = Decide(L4, gate: gate);
        Assert.Equal((GovernanceAction.Block, (string?)null, GovernanceGate.NoRuleFired, 0.0), (decision.Action, decision.Rule, decision.Reason, decision.SizeMultiplier));
    }

    [Fact]
    public void FailClosed_AThrowingExpression_Blocks()
    {
        var gate = Governed.Variant(("    when: Canary.Paused\n", "    when: Canary.PausedComponents[5] == \"x\"\n"));
        var decision = Decide(L4, gate: gate);
        Assert.Equal((GovernanceAction.Block, GovernanceGate.EvaluationFailed), (decision.Action, decision.Reason));
    }

    [Theory]
    [InlineData("double.NaN", GovernanceAction.Block, 0.0)]
    [InlineData("7", GovernanceAction.Allow, 1.0)]           // never enlarges an order
    [InlineData("-1", GovernanceAction.Allow, 0.0)]
    [InlineData("0.123456", GovernanceAction.Allow, 0.1235)]
    public void SizeMultiplier_IsClampedToAShareAndRounded_NotANumberBlocks(string expression, GovernanceAction action, double multiplier)
    {
        var gate = Governed.Variant(("    message: all_checks_passed\n    size_multiplier: 1", $"    message: all_checks_passed\n    size_multiplier: {expression}"));
        var decision = Decide(L4, gate: gate);
        Assert.Equal((action, multiplier), (decision.Action, decision.SizeMultiplier));
    }

    [Fact]
    public void File_RuleIdsNameTheirAction_AndTheImpactIsDerived()
    {
        var misnamed = Compiled.Errors(Governed.Text.Replace("id: allow.all", "id: everything_else", StringComparison.Ordinal));
        Assert.Contains(misnamed, error => error.Message.Contains("everything_else", StringComparison.Ordinal) && error.Hint.Contains("allow.NAME", StringComparison.Ordinal));

        var noImpact = Compiled.Bundle(Governed.Text.Replace("ImpactTier", "Tier", StringComparison.Ordinal));
        Assert.Contains("derive ImpactScore and ImpactTier", Assert.Throws<FormatException>(() => new GovernanceGate(noImpact)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new GovernanceGate(Governed.Maturity.Bundle));
    }

    [Fact]
    public void Settings_AreTheFilesParams()
    {
        var gate = Governed.Variant(("ttl_seconds: 300", "ttl_seconds: 60"), ("action: kill ", "action: pause "), ("reduce_pct: 30 ", "reduce_pct: 20 "));
        Assert.Equal((TimeSpan.FromSeconds(60), CanaryAction.Pause, 20.0), (gate.Settings.Tokens.Ttl, gate.Settings.Canary.Action, gate.Settings.DriftReducePct));
        Assert.Equal(["win_rate", "avg_rr", "sharpe", "profit_factor"], gate.Settings.DriftMetrics);

        var wrong = Compiled.Bundle(Governed.Text.Replace("action: kill ", "action: explode ", StringComparison.Ordinal));
        Assert.Contains("write kill, pause or alert", Assert.Throws<FormatException>(() => new GovernanceGate(wrong)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"level":"L9"}""", "'L9' is not a level")]
    [InlineData("""{"colour":"red"}""", "governance.colour: unknown key")]
    [InlineData("""{"order":{"leverage":0.5}}""", "governance.order.leverage")]
    [InlineData("""{"outcomes":[1,"x"]}""", "governance.outcomes[1]")]
    [InlineData("""{"sizing_cap":2}""", "governance.sizing_cap")]
    [InlineData("""{"canary_paused":["a\u200Bb"]}""", "invisible character")]
    public void Request_BadGovernanceBlock_IsOneClearError(string block, string message)
    {
        var request = $$$"""{"intent":{"intent_id":"i","timestamp":"2026-01-15T15:30:00Z","strategy_id":"s","account_id":"a","instrument":{"symbol":"MSFT","asset_class":"equity"},"side":"buy","order_type":"market","qty":1},"portfolio":{"equity":1,"start_of_day_equity":1,"peak_equity":1,"positions":{}},"market":{"timestamp":"2026-01-15T15:30:00Z","prices":{"MSFT":1}},"governance":{{{block}}}}""";
        var error = Assert.Throws<FormatException>(() => Governed.Context(GovernanceRequest.Read(JsonDocument.Parse(request).RootElement).Inputs));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
