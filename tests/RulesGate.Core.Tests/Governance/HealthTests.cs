using RulesGate.Core.Governance;

namespace RulesGate.Core.Tests.Governance;

public sealed class HealthTests
{
    private static readonly HealthParams Defaults = new();

    [Fact]
    public void FiveLossesThenTenWins_FollowTheSeedsExample()
    {
        var state = HealthState.Fresh;
        var scores = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            state = state.After(-1, Defaults);
            scores.Add(state.Score(Defaults));
        }

        Assert.Equal([0.9, 0.8, 0.7, 0.6, 0.5], scores);
        state = Enumerable.Repeat(1.0, 10).Aggregate(state, (before, win) => before.After(win, Defaults));

        Assert.Equal(1.0m, state.Debt);
        Assert.Equal(0m, state.Credit);
        Assert.Equal(0.9, state.Score(Defaults));
    }

    [Theory]
    [InlineData(-0.5, 1)]      // a loss counts at least one R
    [InlineData(-1, 1)]
    [InlineData(-2.5, 2.5)]
    [InlineData(-40, 10)]      // capped at max_debt
    public void Loss_AddsDebtPerRLostAtLeastOne(double r, double debt) =>
        Assert.Equal((decimal)debt, HealthState.Fresh.After(r, Defaults).Debt);

    [Fact]
    public void Win_PaysDebtFirstThenEarnsCredit_AndCreditNeverRaisesTheScore()
    {
        var owing = new HealthState(0.25m, 0);

        var paid = owing.After(3, Defaults);

        Assert.Equal((0m, 0.15m), (paid.Debt, paid.Credit));
        Assert.Equal(1.0, paid.Score(Defaults));
        Assert.Equal(1.0, new HealthState(0, 50).Score(Defaults));
        Assert.Equal(0.5, new HealthState(5, 50).Score(Defaults));
    }

    [Fact]
    public void BreakEven_ChangesNothing() =>
        Assert.Equal(new HealthState(2, 1), new HealthState(2, 1).After(0, Defaults));

    [Theory]
    [InlineData(9.0, 0.1)]     // score 0.1: exactly the floor
    [InlineData(9.5, 0.1)]     // score 0.05: the floor
    [InlineData(10.0, 0.1)]    // score 0: the floor
    [InlineData(8.5, 0.15)]
    public void Multiplier_IsTheScoreButNeverBelowTheFloor(double debt, double multiplier) =>
        Assert.Equal(multiplier, new HealthState((decimal)debt, 0).Multiplier(Defaults), precision: 12);

    [Fact]
    public void MaxDebtZeroOrLess_NeverLimits()
    {
        var off = Defaults with { MaxDebt = 0 };

        var state = HealthState.Of([-5, -5, -5], off);

        Assert.Equal((0m, 1.0, 1.0), (state.Debt, state.Score(off), state.Multiplier(off)));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void NonFiniteOutcome_IsRefused(double r) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => HealthState.Fresh.After(r, Defaults));
}
