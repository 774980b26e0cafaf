using RulesGate.Core.Governance;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Governance;

/// <summary>The ladder judged by rules/maturity/default.yaml: slow up, fast down, every bar the file's.</summary>
public sealed class MaturityLadderTests
{
    private static readonly string Text = File.ReadAllText(Repo.PathOf("rules", "maturity", "default.yaml"));

    private static readonly MaturityLadder Ladder = new(Compiled.Bundle(Text));

    private static MaturityContext At(string level, int trades = 60, double winRate = 0.5, double profitFactor = 1.3, double drawdown = 0.02, int lossStreak = 1) =>
        new("s-1", level, MaturityPolicyKind.IndexOf(level), trades, winRate, profitFactor, drawdown, lossStreak);

    [Theory]
    [InlineData("L0_shadow", "L1_paper")]
    [InlineData("L1_paper", "L2_gated")]
    [InlineData("L2_gated", "L3_constrained")]
    [InlineData("L3_constrained", "L4_autonomous")]
    public void GoodTrades_RaiseOneLevelAtATime(string from, string to) =>
        Assert.Equal(new MaturityStep(from, to, "promotion", []), Ladder.Judge(At(from)) with { Reasons = [] });

    [Fact]
    public void AtTheTop_ItStays() =>
        Assert.Equal((null as string, "L4_autonomous"), (Ladder.Judge(At("L4_autonomous")).Change, Ladder.Judge(At("L4_autonomous")).To));

    [Fact]
    public void ABlocker_KeepsItWhereItIsAndSaysWhy()
    {
        var step = Ladder.Judge(At("L2_gated", trades: 49));

        Assert.Equal(("L2_gated", (string?)null), (step.To, step.Change));
        Assert.Equal(["49 trades; 50 needed."], step.Reasons);
    }

    [Theory]
    [InlineData("L4_autonomous", "L1_paper")]
    [InlineData("L3_constrained", "L1_paper")]
    [InlineData("L2_gated", "L1_paper")]
    public void DrawdownBeyondTheLimit_SendsItBackToPaper(string from, string to) =>
        Assert.Equal(("demotion", to), (Ladder.Judge(At(from, drawdown: 0.1001)).Change, Ladder.Judge(At(from, drawdown: 0.1001)).To));

    [Theory]
    [InlineData("L1_paper")]
    [InlineData("L0_shadow")]
    public void Drawdown_NeverRaisesAStrategyAlreadyAtOrBelowPaper_NorLetsItRise(string level)
    {
        var step = Ladder.Judge(At(level, drawdown: 0.5, lossStreak: 20));

        Assert.Equal((level, (string?)null), (step.To, step.Change));
        Assert.Contains("Drawdown 50%", step.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void LossStreak_TakesItDownOneLevel_AndL0IsNeverDemoted()
    {
        Assert.Equal(("demotion", "L3_constrained"), (Ladder.Judge(At("L4_autonomous", lossStreak: 10)).Change, Ladder.Judge(At("L4_autonomous", lossStreak: 10)).To));
        Assert.Equal(("promotion", "L3_constrained"), (Ladder.Judge(At("L2_gated", lossStreak: 9)).Change, Ladder.Judge(At("L2_gated", lossStreak: 9)).To));
        Assert.Null(Ladder.Judge(At("L0_shadow", lossStreak: 10)).Change);
    }

    [Fact]
    public void SizingCaps_AreTheFiles() =>
        Assert.Equal([0, 0, 0.10, 0.25, 1.0], MaturityPolicyKind.Levels.Select(level => Ladder.SizingCaps[level]));

    [Fact]
    public void ADemoteRuleWithoutATarget_IsRefused()
    {
        var error = Assert.Throws<FormatException>(() => new MaturityLadder(Compiled.Bundle(Text.Replace("    demote_to: 1\n", "", StringComparison.Ordinal))));

        Assert.Contains("demote.drawdown has no demote_to", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARuleIdOutsideTheConvention_IsALoadError() =>
        Assert.Contains(Compiled.Errors(Text.Replace("id: promote.trades", "id: trades", StringComparison.Ordinal)), diagnostic => diagnostic.Hint?.Contains("promote.NAME", StringComparison.Ordinal) == true || diagnostic.Message.Contains("promote.NAME", StringComparison.Ordinal));

    [Fact]
    public void AnotherKindOfFile_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new MaturityLadder(Standard.Gate.Bundle));
}
