using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Gate;

public sealed class CapitalGateTests
{
    private static CapitalDecision Decide(CapitalContext context) => Standard.Gate.Decide(context);

    private static string[] Rules(CapitalDecision decision) => [.. decision.Violations.Select(v => v.RuleId)];

    [Fact]
    public void Decide_SmallOrder_AllowsWithEvidenceOfAppliedLimits()
    {
        var decision = Decide(Some.Context(Some.Intent(qty: 10)));

        Assert.Equal(CapitalVerdict.Allow, decision.Decision);
        Assert.Empty(decision.Violations);
        Assert.Null(decision.ModifiedIntent);
        var position = Assert.Single(decision.Evidence, e => e.Metric == "new_position_pct");
        Assert.Equal(0.04, (double)position.Value!, 12);
        Assert.Equal(0.10, position.Limit);
        Assert.Contains(decision.Evidence, e => e.Metric == "daily_return" && (double)e.Limit! == -0.02);
    }

    [Fact]
    public void Decide_TwoRulesOnOneMetric_TheEvidenceShowsTheLimitOfTheOneThatFired()
    {
        // An opening and a closing limit on the same metric: the evidence must show the one that decided.
        var bundle = Compiled.Bundle(Some.PolicyYaml(
            "  - id: R-WIDE\n    severity: HIGH\n    when: Metrics.NewPositionPct > Params.Exposure.Wide\n    message: wide\n"
            + "  - id: R-TIGHT\n    severity: HIGH\n    when: Metrics.NewPositionPct > Params.Exposure.Tight\n    message: tight\n",
            parameters: "  exposure: { wide: 0.50, tight: 0.10 }\n"));
        var gate = new CapitalGate(bundle);

        var tight = gate.Decide(Some.Context(Some.Intent(qty: 100)));   // 40 % of equity: only the tight limit fires
        var quiet = gate.Decide(Some.Context(Some.Intent(qty: 10)));    // 4 %: neither fires

        Assert.Equal(["R-TIGHT"], Rules(tight));
        Assert.Equal(0.10, Assert.Single(tight.Evidence, e => e.Metric == "new_position_pct").Limit);
        Assert.Equal(0.50, Assert.Single(quiet.Evidence, e => e.Metric == "new_position_pct").Limit);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-5.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Decide_UnusablePrice_DeniesWithSys001Alone(double price)
    {
        var context = Some.Context(
            market: Some.Market(new() { ["MSFT"] = price }),
            execution: ExecutionState.Idle with { KillSwitchActive = true });

        var decision = Decide(context);

        Assert.Equal(CapitalVerdict.Deny, decision.Decision);
        var violation = Assert.Single(decision.Violations);
        Assert.Equal("SYS-001", violation.RuleId);
        Assert.Equal(RuleSeverity.Crit, violation.Severity);
        Assert.Contains("MSFT", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_MissingPrice_DeniesEvenInMonitorMode()
    {
        var gate = Standard.Variant(("mode: enforce", "mode: monitor"));

        var decision = gate.Decide(Some.Context(Some.Intent("NVDA")));

        Assert.Equal(CapitalVerdict.Deny, decision.Decision);
        Assert.Equal(["SYS-001"], Rules(decision));
        Assert.Equal(RuleMode.Monitor, decision.Mode);
    }

    [Theory]
    [InlineData(30, false)]
    [InlineData(31, true)]
    public void Decide_PriceAge_DeniesOnlyBeyondTheConfiguredAge(int ageSeconds, bool denied)
    {
        var gate = Standard.Variant(("max_price_age_seconds: null", "max_price_age_seconds: 30"));
        var context = Some.Context(market: Some.Market(at: Some.Time.AddSeconds(-ageSeconds)));

        var decision = gate.Decide(context);

        Assert.Equal(denied ? ["SYS-001"] : [], Rules(decision));
        Assert.Contains(decision.Evidence, e => e.Metric == "price_age_seconds" && (double)e.Value! == ageSeconds && (double)e.Limit! == 30);
    }

    [Fact]
    public void Decide_KillSwitchActive_DeniesWithKill001()
    {
        var decision = Decide(Some.Context(execution: ExecutionState.Idle with { KillSwitchActive = true }));

        Assert.Equal(CapitalVerdict.Deny, decision.Decision);
        Assert.Equal(["KILL-001"], Rules(decision));
        Assert.False(decision.KillSwitchTriggered);
    }

    [Theory]
    [InlineData(98_000, true)]
    [InlineData(98_001, false)]
    public void Decide_DailyLoss_FiresAtTheBound(double equity, bool fires)
    {
        var decision = Decide(Some.Context(portfolio: Some.Portfolio(equity: equity, peak: 100_000)));

        Assert.Equal(fires ? ["LOSS-001"] : [], Rules(decision));
        Assert.Equal(fires ? CapitalVerdict.Deny : CapitalVerdict.Allow, decision.Decision);
    }

    [Fact]
    public void Decide_DrawdownAtTheBound_DeniesAndTripsTheKillSwitch()
    {
        var decision = Decide(Some.Context(portfolio: Some.Portfolio(equity: 90_000, startOfDay: 90_000, peak: 100_000)));

        Assert.Equal(["LOSS-002"], Rules(decision));
        Assert.True(decision.KillSwitchTriggered);
        var violation = decision.Violations[0];
        Assert.Contains(violation.Inputs, pair => pair.Key == "max_drawdown_pct" && (double)pair.Value! == 0.10);
        Assert.Contains(violation.Computed, pair => pair.Key == "drawdown" && (double)pair.Value! == 0.10);
    }

    [Fact]
    public void Decide_DrawdownJustUnderTheBound_Allows()
    {
        var decision = Decide(Some.Context(portfolio: Some.Portfolio(equity: 90_001, startOfDay: 90_001, peak: 100_000)));

        Assert.Equal(CapitalVerdict.Allow, decision.Decision);
    }

    [Theory]
    [InlineData(60, true)]
    [InlineData(59, false)]
    public void Decide_GlobalOrderRate_FiresAtTheBound(int orders, bool fires)
    {
        var decision = Decide(Some.Context(execution: ExecutionState.Idle with { OrdersLast60sGlobal = orders }));

        Assert.Equal(fires ? ["EXEC-001"] : [], Rules(decision));
    }

    [Theory]
    [InlineData("mean-revert", 10, true)]
    [InlineData("mean-revert", 9, false)]
    [InlineData("trend", 10, false)]
    [InlineData("trend", 20, true)]
    public void Decide_StrategyOrderRate_UsesTheStrategyOverride(string strategy, int orders, bool fires)
    {
        var execution = ExecutionState.Idle with { OrdersLast60sByStrategy = new Dictionary<string, int> { [strategy] = orders } };

        var decision = Decide(Some.Context(Some.Intent(strategy: strategy), execution: execution));

        Assert.Equal(fires ? ["EXEC-002"] : [], Rules(decision));
    }

    [Fact]
    public void Decide_PositionExactlyAtTheCap_Allows()
    {
        Assert.Equal(CapitalVerdict.Allow, Decide(Some.Context(Some.Intent(qty: 25))).Decision);
    }

    [Fact]
    public void Decide_PositionOverTheCap_ModifiesToTheLargestQuantityThatFits()
    {
        var decision = Decide(Some.Context(Some.Intent(qty: 40)));

        Assert.Equal(CapitalVerdict.Modify, decision.Decision);
        Assert.Equal(["EXP-001"], Rules(decision));
        Assert.Equal(25, decision.ModifiedIntent!.Qty, 6);
        Assert.Equal(decision.ModifiedIntent with { Qty = 40 }, Some.Intent(qty: 40));
    }

    [Theory]
    [InlineData(0, 30, 25)]
    [InlineData(20, 60, 45)]
    [InlineData(-10, 20, 15)]
    public void Decide_SellOverTheShortCap_ModifiesSymmetrically(double held, double sell, double allowed)
    {
        var context = Some.Context(Some.Intent(side: OrderSide.Sell, qty: sell), Some.Portfolio(positions: new() { ["MSFT"] = held }));

        var decision = Decide(context);

        Assert.Equal(CapitalVerdict.Modify, decision.Decision);
        Assert.Equal(allowed, decision.ModifiedIntent!.Qty, 6);
    }

    [Fact]
    public void Decide_ReducedQuantity_IsRoundedDownToTheLotSize()
    {
        var gate = Standard.Variant(("lot_size: 1.0e-8", "lot_size: 10"));

        var decision = gate.Decide(Some.Context(Some.Intent(qty: 40)));

        Assert.Equal(20, decision.ModifiedIntent!.Qty);
    }

    [Fact]
    public void Decide_NothingLeftUnderTheCap_Denies()
    {
        var context = Some.Context(Some.Intent(qty: 5), Some.Portfolio(positions: new() { ["MSFT"] = 25 }));

        var decision = Decide(context);

        Assert.Equal(CapitalVerdict.Deny, decision.Decision);
        Assert.Equal(["EXP-001"], Rules(decision));
        Assert.Contains(decision.Violations[0].Computed, pair => pair.Key == CapitalGate.ModifyEffect && (double)pair.Value! == 0);
    }

    [Fact]
    public void Decide_PositionCapWithAnotherViolation_DeniesInsteadOfModifying()
    {
        var context = Some.Context(Some.Intent(qty: 40), execution: ExecutionState.Idle with { OrdersLast60sGlobal = 60 });

        var decision = Decide(context);

        Assert.Equal(CapitalVerdict.Deny, decision.Decision);
        Assert.Equal(["EXEC-001", "EXP-001"], Rules(decision));
    }

    [Fact]
    public void Decide_GrossExposureOverTheLimit_DeniesWithExp002()
    {
        var context = Some.Context(
            portfolio: Some.Portfolio(positions: new() { ["AAPL"] = 600, ["TLT"] = -800 }),
            market: Some.Market(new() { ["MSFT"] = 400, ["AAPL"] = 200, ["TLT"] = 100 }),
            intent: Some.Intent(qty: 20));

        var decision = Decide(context);

        Assert.Equal(["EXP-002"], Rules(decision));
        Assert.Contains(decision.Evidence, e => e.Metric == "gross_exposure_x" && Math.Abs((double)e.Value! - 2.08) < 1e-12);
    }

    [Fact]
    public void Decide_NetExposureOverTheLimit_DeniesWithExp003()
    {
        var context = Some.Context(Some.Intent(qty: 10), Some.Portfolio(positions: new() { ["AAPL"] = 500 }));

        Assert.Equal(["EXP-003"], Rules(Decide(context)));
    }

    [Fact]
    public void Decide_NetLimitNull_SkipsExp003()
    {
        var gate = Standard.Variant(("max_net_exposure_x: 1.0 ", "max_net_exposure_x: null "));
        var context = Some.Context(Some.Intent(qty: 10), Some.Portfolio(positions: new() { ["AAPL"] = 500 }));

        var decision = gate.Decide(context);

        Assert.Equal(CapitalVerdict.Allow, decision.Decision);
        Assert.Contains(decision.Evidence, e => e.Metric == "net_exposure_x" && e.Limit is null);
    }

    [Fact]
    public void Decide_MonitorMode_AllowsAndListsEveryViolation()
    {
        var gate = Standard.Variant(("mode: enforce", "mode: monitor"));
        var context = Some.Context(Some.Intent(qty: 40), execution: ExecutionState.Idle with { OrdersLast60sGlobal = 60, KillSwitchActive = true });

        var decision = gate.Decide(context);

        Assert.Equal(CapitalVerdict.Allow, decision.Decision);
        Assert.Equal(["KILL-001", "EXEC-001", "EXP-001"], Rules(decision));
        Assert.Null(decision.ModifiedIntent);
    }

    [Fact]
    public void Decide_SymbolOverride_AppliesItsCapAndShowsItInTheEvidence()
    {
        var decision = Decide(Some.Context(Some.Intent("AAPL", qty: 30)));

        Assert.Equal(CapitalVerdict.Modify, decision.Decision);
        Assert.Equal(25, decision.ModifiedIntent!.Qty, 6);
        Assert.Contains(decision.Violations[0].Inputs, pair => pair.Key == "max_position_pct" && (double)pair.Value! == 0.05);
        Assert.Contains(decision.Evidence, e => e.Metric == "new_position_pct" && (double)e.Limit! == 0.05);
    }

    [Fact]
    public void Decide_HeldSymbolWithoutPrice_IsListedAsUnpriced()
    {
        var decision = Decide(Some.Context(portfolio: Some.Portfolio(positions: new() { ["XOM"] = 10 })));

        var unpriced = Assert.Single(decision.Evidence, e => e.Metric == "unpriced_symbols");
        Assert.Equal(["XOM"], (IEnumerable<string>)unpriced.Value!);
    }

    [Fact]
    public void Decide_SameInput_SameJsonBytes()
    {
        var context = Some.Context(Some.Intent(qty: 40));

        var first = CapitalJson.Decision(Decide(context) with { EvalMicros = 0 });
        var second = CapitalJson.Decision(Decide(context) with { EvalMicros = 0 });

        Assert.Equal(first, second);
        Assert.StartsWith("{\"decision\":\"MODIFY\",\"intent_id\":\"i-1\",\"violations\":[{\"rule_id\":\"EXP-001\"", first, StringComparison.Ordinal);
    }
}
