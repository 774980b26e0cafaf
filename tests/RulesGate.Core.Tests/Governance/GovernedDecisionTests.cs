using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Governance;

/// <summary>Both gates as one answer: the most restrictive action, the smaller quantity floored to the lot.</summary>
public sealed class GovernedDecisionTests
{
    [Theory]
    [InlineData(GovernanceAction.Allow, GovernanceAction.Allow, GovernanceAction.Allow)]
    [InlineData(GovernanceAction.Allow, GovernanceAction.ReduceSize, GovernanceAction.ReduceSize)]
    [InlineData(GovernanceAction.ReduceSize, GovernanceAction.Block, GovernanceAction.Block)]
    [InlineData(GovernanceAction.Block, GovernanceAction.ReduceSize, GovernanceAction.Block)]
    [InlineData(GovernanceAction.Pause, GovernanceAction.Block, GovernanceAction.Pause)]
    [InlineData(GovernanceAction.Block, GovernanceAction.Kill, GovernanceAction.Kill)]
    [InlineData(GovernanceAction.Pause, GovernanceAction.Kill, GovernanceAction.Kill)]
    public void Combine_TheMostRestrictiveWins(GovernanceAction governance, GovernanceAction capital, GovernanceAction expected)
    {
        var (action, qty) = GovernedDecision.Combine(governance, 1, capital, capital == GovernanceAction.ReduceSize ? 40 : 100, 100, 1);
        Assert.Equal(expected, action);
        Assert.Equal(GovernanceActions.Goes(expected) ? (capital == GovernanceAction.ReduceSize ? 40 : 100) : 0, qty);
    }

    [Theory]
    [InlineData(0.25, 100, 1.0, 25, GovernanceAction.ReduceSize)]      // governance's share is the smaller
    [InlineData(0.9, 40, 1.0, 40, GovernanceAction.ReduceSize)]        // the capital gate's is
    [InlineData(0.1, 100, 3.0, 9, GovernanceAction.ReduceSize)]        // 10 floored to lots of 3
    [InlineData(0.0333, 100, 1.0, 3, GovernanceAction.ReduceSize)]     // 3.33 floored
    [InlineData(0.009, 100, 1.0, 0, GovernanceAction.Block)]           // less than one lot: nothing goes
    [InlineData(1.0, 100, 1.0, 100, GovernanceAction.Allow)]
    public void Combine_QuantityIsTheSmallerFlooredToTheLot(double multiplier, double capitalQty, double lot, double qty, GovernanceAction action) =>
        Assert.Equal((action, qty), GovernedDecision.Combine(multiplier < 1 ? GovernanceAction.ReduceSize : GovernanceAction.Allow, multiplier, capitalQty < 100 ? GovernanceAction.ReduceSize : GovernanceAction.Allow, capitalQty, 100, lot));

    [Fact]
    public void Combine_FloorsInDecimal_SoThatATenthStaysATenth() =>
        Assert.Equal(0.3, GovernedDecision.Combine(GovernanceAction.ReduceSize, 0.1, GovernanceAction.Allow, 3, 3, 1e-8).Qty);

    [Fact]
    public void Of_WithTheCapitalGate_ShowsBothAndTheDecidersReason()
    {
        var order = Governed.Order(qty: 1000);           // 20 % of equity: beyond the capital file's 10 % position limit
        var governance = Governed.Gate.Decide(Governed.Context(new GovernanceInputs(Level: "L3_constrained"), order));
        var capital = Standard.Gate.Decide(order);

        var decision = GovernedDecision.Of(governance, capital, order.Intent, Standard.Gate.LotSize);

        Assert.Equal(CapitalVerdict.Modify, capital.Decision);
        Assert.Equal(GovernanceAction.ReduceSize, decision.Action);
        Assert.Equal(Math.Min(250, capital.ModifiedIntent!.Qty), decision.Qty);
        Assert.Equal("sizing_capped_by_maturity_or_health", decision.Reason);
        Assert.Same(capital, decision.Capital);
    }

    [Fact]
    public void Of_ACapitalDenial_IsABlockWithItsRules_AndTheKillSwitchIsAKill()
    {
        var order = Governed.Order();
        var governance = Governed.Gate.Decide(Governed.Context(new GovernanceInputs(Level: "L4_autonomous"), order));
        var drawdown = Some.Context(order.Intent, Some.Portfolio(2_000_000, 2_000_000, 2_400_000, new() { ["AAPL"] = 100 }), order.Market);
        var killed = Some.Context(order.Intent, order.Portfolio, order.Market, ExecutionState.Idle with { KillSwitchActive = true });

        var denied = GovernedDecision.Of(governance, Standard.Gate.Decide(drawdown), order.Intent, 1);
        var latched = GovernedDecision.Of(governance, Standard.Gate.Decide(killed), order.Intent, 1);

        Assert.Equal((GovernanceAction.Kill, 0.0), (denied.Action, denied.Qty));     // LOSS-002 trips the kill switch
        Assert.StartsWith("capital_deny: ", denied.Reason, StringComparison.Ordinal);
        Assert.Equal((GovernanceAction.Kill, "capital_deny: KILL-001"), (latched.Action, latched.Reason));
    }

    [Fact]
    public void Of_AShareBelowOneLot_IsABlockSayingSo()
    {
        var order = Governed.Order(qty: 5);
        var governance = Governed.Gate.Decide(Governed.Context(new GovernanceInputs(Level: "L2_gated", Token: new TokenView(true, true, "t", null)), order));
        var decision = GovernedDecision.Of(governance, null, order.Intent, lotSize: 1);

        Assert.Equal((GovernanceAction.ReduceSize, 0.1), (governance.Action, governance.SizeMultiplier));
        Assert.Equal((GovernanceAction.Block, 0.0, GovernedDecision.BelowLot), (decision.Action, decision.Qty, decision.Reason));
    }
}
