using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Rules;

public sealed class RuleCompilerTests
{
    private static string Rule(string when, string message = "fired", string id = "R-1", string extra = "") =>
        $"  - id: {id}\n    severity: HIGH\n    when: {when}\n    message: \"{message}\"\n{extra}";

    [Fact]
    public void Compile_CompileError_MapsToYamlLineAndColumn()
    {
        var diagnostic = Assert.Single(Compiled.Errors(Some.PolicyYaml(Rule("Metrics.Drawdon > 0.1"))));

        Assert.Equal("CS1061", diagnostic.Code);
        Assert.Equal("rules[0].when", diagnostic.KeyPath);
        Assert.Equal((11, 19), (diagnostic.Location.Line, diagnostic.Location.Column));
        Assert.Equal("Did you mean 'Drawdown'?", diagnostic.Hint);
    }

    [Fact]
    public void Compile_ErrorInsideBlockScalar_MapsToItsLine()
    {
        var yaml = Some.PolicyYaml("  - id: R-1\n    severity: HIGH\n    when: >-\n      Metrics.Drawdown > 0.1\n      && Metrics.DailyRetrun < 0\n    message: x\n");

        var diagnostic = Assert.Single(Compiled.Errors(yaml));

        Assert.Equal((13, 18), (diagnostic.Location.Line, diagnostic.Location.Column));
    }

    [Fact]
    public void Compile_NonBoolCondition_SaysToCompare()
    {
        var diagnostic = Assert.Single(Compiled.Errors(Some.PolicyYaml(Rule("Metrics.Drawdown"))));

        Assert.Equal("RG2002", diagnostic.Code);
        Assert.Contains("Compare it", diagnostic.Hint);
    }

    [Fact]
    public void Compile_MessageHoleError_MapsIntoTheMessage()
    {
        var diagnostic = Assert.Single(Compiled.Errors(Some.PolicyYaml(Rule("true", "at {Metrics.Drawdon:F2}"))));

        Assert.Equal("rules[0].message", diagnostic.KeyPath);
        Assert.Equal((12, 27), (diagnostic.Location.Line, diagnostic.Location.Column));
    }

    [Fact]
    public void Evaluate_DerivedValuesParamsAndMessages_UseTheInvariantCulture()
    {
        var yaml = Some.PolicyYaml(
            Rule("Derived.Notional > Params.Limit", "notional {Derived.Notional:N1} over {Params.Limit}"),
            "  limit: 1000.5\n",
            "derive:\n  Notional: Intent.Qty * Market.Price(Intent.Symbol)\n");
        var evaluator = Compiled.Bundle(yaml).Evaluator<CapitalContext>();
        var context = Some.Context(Some.Intent(qty: 10));

        Assert.Equal(["R-1"], evaluator.Fired(context));
        Assert.Equal("notional 4,000.0 over 1000.5", evaluator.Message(0, context));
    }

    [Fact]
    public void Evaluate_Overrides_SymbolBeatsStrategyBeatsParams()
    {
        var yaml = Some.PolicyYaml(
            Rule("Metrics.NewPositionPct > Params.Exposure.MaxPositionPct"),
            "  exposure: { max_position_pct: 0.10 }\n",
            "overrides:\n  symbols:\n    MSFT: { exposure: { max_position_pct: 0.50 } }\n  strategies:\n    momo: { exposure: { max_position_pct: 0.01 } }\n");
        var evaluator = Compiled.Bundle(yaml).Evaluator<CapitalContext>();

        Assert.Empty(evaluator.Fired(Some.Context(Some.Intent("MSFT", qty: 100, strategy: "momo"))));     // 40 % ≤ symbol's 50 %
        Assert.Equal(["R-1"], evaluator.Fired(Some.Context(Some.Intent("AAPL", qty: 10, strategy: "momo"))));   // 2 % > strategy's 1 %
        Assert.Empty(evaluator.Fired(Some.Context(Some.Intent("AAPL", qty: 10, strategy: "trend"))));     // 2 % ≤ 10 %
    }

    [Fact]
    public void Evaluate_ThrowingExpression_NamesTheRule()
    {
        var yaml = Some.PolicyYaml(Rule("false", id: "OK-1") + Rule("Portfolio.Positions.Values.Max() > 0", id: "EMPTY-1"));
        var evaluator = Compiled.Bundle(yaml).Evaluator<CapitalContext>();

        var error = Assert.Throws<RuleEvaluationException>(() => evaluator.Fired(Some.Context()));

        Assert.Equal("EMPTY-1", error.RuleId);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    [Fact]
    public void Evaluate_LinqOverContextCollections_IsAllowed()
    {
        var yaml = Some.PolicyYaml(Rule("Portfolio.Positions.Where(p => p.Value < 0).Select(p => p.Key).Any(s => s.StartsWith('A'))"));
        var evaluator = Compiled.Bundle(yaml).Evaluator<CapitalContext>();

        Assert.Equal(["R-1"], evaluator.Fired(Some.Context(portfolio: Some.Portfolio(positions: new() { ["AAPL"] = -5, ["MSFT"] = 3 }))));
        Assert.Empty(evaluator.Fired(Some.Context(portfolio: Some.Portfolio(positions: new() { ["MSFT"] = -3 }))));
    }

    [Fact]
    public void Evaluate_DateTimeOffsetAndTimeSpanFromTheContext_AreAllowed()
    {
        var yaml = Some.PolicyYaml(Rule("Market.Timestamp != null && Intent.Timestamp - Market.Timestamp.Value > TimeSpan.FromSeconds(30)"));
        var evaluator = Compiled.Bundle(yaml).Evaluator<CapitalContext>();

        Assert.Equal(["R-1"], evaluator.Fired(Some.Context(market: Some.Market(at: Some.Time.AddMinutes(-1)))));
        Assert.Empty(evaluator.Fired(Some.Context(market: Some.Market(at: Some.Time.AddSeconds(-5)))));
    }

    [Fact]
    public void Compile_IsDeterministic_SameFileSameAssemblyIdentity()
    {
        var yaml = Some.PolicyYaml(Rule("Metrics.Drawdown > 0.5"));

        var first = Compiled.Bundle(yaml);
        var second = Compiled.Bundle(yaml);

        Assert.Equal(first.Identity, second.Identity);
        Assert.NotSame(first, second);
        Assert.Empty(first.Evaluator<CapitalContext>().Fired(Some.Context()));
    }

    [Fact]
    public void Evaluator_ForAnotherContextType_IsRefused()
    {
        var bundle = Compiled.Bundle(Some.PolicyYaml(Rule("true")));

        Assert.Throws<InvalidOperationException>(() => bundle.Evaluator<string>());
    }
}
