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
    public void Evaluate_ManyOverriddenNames_EachCombinationGetsItsOwnLimits()
    {
        // Enough names for the compiler to switch on hashes rather than compare in turn; one needs escaping.
        string[] symbols = ["AAPL", "AMZN", "GOOG", "MSFT", "NVDA", "META", "TSLA", "BRK.B", "A\"B"];
        var symbolOverrides = string.Concat(symbols.Select((symbol, i) =>
            $"    \"{symbol.Replace("\"", "\\\"", StringComparison.Ordinal)}\": {{ loss: {{ max_drawdown_pct: 0.{i + 1} }} }}\n"));
        var yaml = Some.PolicyYaml(
            Rule("Metrics.Drawdown >= Params.Loss.MaxDrawdownPct") + Rule("Execution.OrdersLast60sGlobal >= Params.Execution.MaxOrdersPerMinuteGlobal", id: "R-2"),
            "  loss: { max_drawdown_pct: 0.95 }\n  execution: { max_orders_per_minute_global: 60 }\n",
            "overrides:\n  symbols:\n" + symbolOverrides
            + "  strategies:\n    momo: { execution: { max_orders_per_minute_global: 5 }, loss: { max_drawdown_pct: 0.01 } }\n"
            + "    trend: { execution: { max_orders_per_minute_global: 10 } }\n");
        var evaluator = Compiled.Bundle(yaml).Evaluator<CapitalContext>();
        static CapitalContext At(string symbol, string strategy, double drawdown) => Some.Context(
            Some.Intent(symbol, strategy: strategy),
            Some.Portfolio(equity: 100 - (drawdown * 100), peak: 100, startOfDay: 100),
            Some.Market(new() { [symbol] = 10 }),
            new ExecutionState(7, new Dictionary<string, int>(), 0, false));

        for (var i = 0; i < symbols.Length; i++)
        {
            foreach (var (strategy, ordersFire) in new[] { ("momo", true), ("trend", false), ("other", false) })
            {
                // The symbol's drawdown limit wins over momo's 0.01; the order limit is the strategy's.
                var limit = (i + 1) / 10.0;
                Assert.Equal(ordersFire ? ["R-2"] : [], evaluator.Fired(At(symbols[i], strategy, limit - 0.05)));
                Assert.Equal(ordersFire ? ["R-1", "R-2"] : ["R-1"], evaluator.Fired(At(symbols[i], strategy, limit + 0.01)));
            }
        }

        Assert.Equal(["R-1", "R-2"], evaluator.Fired(At("IBM", "momo", 0.02)));    // the strategy's limits alone
        Assert.Empty(evaluator.Fired(At("IBM", "other", 0.90)));                   // params
    }

    [Fact]
    public void Evaluate_ComputesOnlyTheDerivedValuesTheConditionsRead()
    {
        // Broken divides by zero; only the message reads it, so evaluating the condition must not.
        var yaml = Some.PolicyYaml(
            Rule("Derived.Twice > 10", "broken {Derived.Broken}"),
            extra: "derive:\n  Notional: Intent.Qty * Market.Price(Intent.Symbol)\n  Broken: 1 / (Execution.OrdersLast60sGlobal - Execution.OrdersLast60sGlobal)\n  Twice: 2 * Derived.Notional\n");
        var evaluator = Compiled.Bundle(yaml).Evaluator<CapitalContext>();
        var context = Some.Context(Some.Intent(qty: 10));

        Assert.Equal(["R-1"], evaluator.Fired(context));     // Twice reads Notional, which is computed for it
        var error = Assert.Throws<RuleEvaluationException>(() => evaluator.Message(0, context));
        Assert.IsType<DivideByZeroException>(error.InnerException);
    }

    [Fact]
    public void Effect_ByKey_IsNullForARuleWithoutIt()
    {
        var yaml = Some.PolicyYaml(Rule("true", id: "R-1", extra: "    modify_qty: Intent.Qty / 2\n") + Rule("true", id: "R-2"));
        var evaluator = Compiled.Bundle(yaml).Evaluator<CapitalContext>();
        var context = Some.Context(Some.Intent(qty: 10));

        Assert.Equal(5, evaluator.Effect(0, CapitalGate.ModifyEffect, context));
        Assert.Null(evaluator.Effect(1, CapitalGate.ModifyEffect, context));
        Assert.Null(evaluator.Effect(0, "no_such_effect", context));
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

        Assert.Throws<FormatException>(() => bundle.Evaluator<string>());
    }

    [Fact]
    public void Compile_EveryProblemAtOnce_InFileOrder_AndNothingSaidOfWhatUsesABrokenDerivedValue()
    {
        var yaml = Some.PolicyYaml(
            Rule("Derived.Notional > 1", id: "R-1") + Rule("Intent.Sidee == \"buy\"", id: "R-2") + Rule("Intent.Qty", id: "R-3"),
            extra: "derive:\n  Notional: Intent.Qty * Price\n  Doubled: Derived.Notional * 2\n");

        var errors = Compiled.Errors(yaml);

        Assert.Equal(["derive.Notional", "rules[1].when", "rules[2].when"], errors.Select(error => error.KeyPath));
        Assert.Equal("Derived has no 'Nope'.", Assert.Single(Compiled.Errors(Some.PolicyYaml(Rule("Derived.Nope > 1"), extra: "derive:\n  Notional: Intent.Qty * 2\n"))).Message);
        Assert.Equal(errors.OrderBy(error => error.Location.Line), errors);
    }

    [Fact]
    public void Compile_AStructuralProblem_StillReportsTheExpressionProblemsOfTheOtherRules()
    {
        var yaml = Some.PolicyYaml(Rule("Intent.Qty > 1", id: "R-1", extra: "    actoin: deny\n") + Rule("Intent.Qtyy > 1", id: "R-2"));

        var errors = Compiled.Errors(yaml);

        Assert.Equal([("RG1002", "rules[0].actoin"), ("CS1061", "rules[1].when")], errors.Select(error => (error.Code, error.KeyPath)));
        Assert.Equal("Did you mean 'Qty'?", errors[1].Hint);
    }

    [Theory]
    [InlineData("Params.Exposure.MaxPositionPc > 1", "Params.Exposure has no 'MaxPositionPc'.", "Did you mean 'MaxPositionPct'?")]
    [InlineData("Params.Nope > 1", "Params has no 'Nope'.", "")]
    [InlineData("Derived.Nope > 1", "Derived has no 'Nope': the file has no derive: block, where derived values are computed.", "")]
    [InlineData("Intent.Qty.Rounded() > 1", "Intent.Qty (a double) has no 'Rounded'.", "")]
    [InlineData("Math.Nope(Intent.Qty) > 1", "Math has no 'Nope'.", "")]
    [InlineData("Price > 1", "'Price' is not a name a rule can use.", "Available: Execution, Intent, Market, Math, Metrics, Params, Portfolio.")]
    [InlineData("Params.Exposure > 1", "Operator '>' cannot be applied to operands of type 'Params.Exposure' and 'int'.", "")]
    public void Compile_RoslynsErrors_AreSaidInTheAuthorsWords(string when, string message, string hint)
    {
        var error = Assert.Single(Compiled.Errors(Some.PolicyYaml(Rule(when))));

        Assert.Equal(message, error.Message);
        Assert.StartsWith(hint, error.Hint, StringComparison.Ordinal);
        Assert.DoesNotMatch("Params_|Derived_|using directive|assembly reference", error.ToString());
    }
}
