using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Rules;

public sealed class RuleExplainerTests
{
    [Fact]
    public void Explain_Comparison_ShowsEachOperandValue()
    {
        var bundle = Compiled.Bundle(Some.PolicyYaml("  - id: EXP-001\n    severity: HIGH\n    when: Metrics.NewPositionPct > Params.Exposure.MaxPositionPct\n    message: x\n"));

        var explanation = Assert.Single(RuleExplainer.Explain(bundle, Some.Context(Some.Intent(qty: 100))));

        Assert.True(explanation.Fired);
        Assert.Equal(["Metrics.NewPositionPct = 0.4 (40%) > Params.Exposure.MaxPositionPct = 0.1 (10%) → true"], explanation.Lines);
    }

    [Fact]
    public void Explain_LogicalChain_ListsEveryClauseWithItsValue()
    {
        var bundle = Compiled.Bundle(Some.PolicyYaml("  - id: R-1\n    severity: HIGH\n    when: Intent.Qty > 5 && !Execution.KillSwitchActive && Metrics.Drawdown >= 0.5\n    message: x\n"));

        var explanation = Assert.Single(RuleExplainer.Explain(bundle, Some.Context()));

        Assert.False(explanation.Fired);
        Assert.Equal(
            [
                "all of (&&) → false",
                "  Intent.Qty = 10 > 5 → true",
                "  not → true",
                "    Execution.KillSwitchActive → false",
                "  Metrics.Drawdown = 0 >= 0.5 → false",
            ],
            explanation.Lines);
    }

    [Fact]
    public void Explain_ATextLiteral_IsWrittenOnce_ThenTheResult()
    {
        var bundle = Compiled.Bundle(Some.PolicyYaml("  - id: R-1\n    severity: HIGH\n    when: Intent.AssetClass == \"equity\"\n    message: x\n"));

        var explanation = Assert.Single(RuleExplainer.Explain(bundle, Some.Context()));

        Assert.Equal(["Intent.AssetClass = \"equity\" == \"equity\" → true"], explanation.Lines);
    }

    [Fact]
    public void Explain_ANumberOfManyDigits_IsShownRounded_AndMarkedSo()
    {
        var bundle = Compiled.Bundle(Some.PolicyYaml("  - id: R-1\n    severity: HIGH\n    when: Intent.Qty / 3.0 > 1000\n    message: x\n"));

        var explanation = Assert.Single(RuleExplainer.Explain(bundle, Some.Context(Some.Intent(qty: 10))));

        Assert.Equal(["Intent.Qty / 3.0 = ≈3.3333 > 1000 → false"], explanation.Lines);
    }
}
