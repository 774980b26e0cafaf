using System.Collections;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Gate;

/// <summary>What the gate enforces whatever the rule file says: a throwing rule and a latched kill switch deny.</summary>
public sealed class CapitalGateFailClosedTests
{
    private static string Rule(string id, string when, string message = "x", string extra = "") =>
        $"  - id: {id}\n    severity: HIGH\n    when: '{when.Replace("'", "''")}'\n    message: '{message.Replace("'", "''")}'\n{extra}";

    private static CapitalGate Gate(string rules, string mode = "enforce") =>
        new(Compiled.Bundle(Some.PolicyYaml(rules, extra: $"mode: {mode}\n")));

    public static TheoryData<string, string> Throwing() => new()
    {
        { Rule("EXP-009", "Intent.Symbol.Substring(10) == \"\""), "EXP-009" },
        { Rule("EXP-001", "false") + Rule("EXP-009", "Portfolio.Positions[\"NOPE\"] > 0"), "EXP-009" },
        { Rule("EXP-009", "Intent.Qty > 0", "{Intent.Symbol.Substring(10)}"), "EXP-009" },
        { Rule("EXP-009", "Intent.Qty > 0", extra: "    modify_qty: new[] { 1.0 }[5]\n"), "EXP-009" },
        { Rule("EXP-009", "checked((int)Intent.Qty * int.MaxValue) > 0"), "EXP-009" },
    };

    [Theory]
    [MemberData(nameof(Throwing))]
    public void Decide_RuleThatThrows_DeniesWithSys002NamingTheRule(string rules, string failing)
    {
        foreach (var mode in new[] { "enforce", "monitor" })
        {
            var decision = Gate(rules, mode).Decide(Some.Context());

            Assert.Equal(CapitalVerdict.Deny, decision.Decision);
            var violation = Assert.Single(decision.Violations);
            Assert.Equal((CapitalGate.EvaluationFailedRule, RuleSeverity.Crit), (violation.RuleId, violation.Severity));
            Assert.Contains($"Rule {failing} threw", violation.Message, StringComparison.Ordinal);
            Assert.Null(decision.ModifiedIntent);
        }
    }

    [Fact]
    public void Judge_RuleThatThrows_DeniesWithNoRuleFired()
    {
        var gate = Gate(Rule("EXP-009", "Intent.Symbol.Substring(10) == \"\""));
        var fired = new bool[gate.RuleCount];

        Assert.Equal(CapitalVerdict.Deny, gate.Judge(Some.Context(), fired, out var qty, out var trips));
        Assert.Equal((0.0, false), (qty, trips));
        Assert.DoesNotContain(true, fired);
    }

    [Fact]
    public void Decide_DerivedValueThatThrows_DeniesInsteadOfEscaping()
    {
        var gate = new CapitalGate(Compiled.Bundle(Some.PolicyYaml(Rule("EXP-001", "Derived.Tail == \"x\""), extra: "derive:\n  Tail: Intent.Symbol.Substring(10)\n")));

        var decision = gate.Decide(Some.Context());

        Assert.Equal(CapitalVerdict.Deny, decision.Decision);
        Assert.Equal(CapitalGate.EvaluationFailedRule, Assert.Single(decision.Violations).RuleId);
    }

    [Fact]
    public void Decide_LatchedKillSwitchWithoutAKillRule_DeniesEveryOrderInEnforceMode()
    {
        var gate = Gate(Rule("EXP-001", "Intent.Qty > 1000000") + Rule("EXP-002", "Intent.Qty > 5", extra: "    modify_qty: 5\n"));
        var latched = ExecutionState.Idle with { KillSwitchActive = true };

        foreach (var qty in new[] { 1.0, 10.0, 2_000_000.0 })
        {
            var decision = gate.Decide(Some.Context(Some.Intent(qty: qty), execution: latched));

            Assert.Equal(CapitalVerdict.Deny, decision.Decision);
            Assert.Equal(CapitalGate.KillSwitchRule, decision.Violations[0].RuleId);
            Assert.Null(decision.ModifiedIntent);
        }

        Assert.Equal(CapitalVerdict.Allow, gate.Decide(Some.Context(Some.Intent(qty: 1))).Decision);
        Assert.Equal(CapitalVerdict.Allow, Gate(Rule("EXP-001", "false"), "monitor").Decide(Some.Context(execution: latched)).Decision);
    }

    [Fact]
    public void Decide_LatchedKillSwitchWithTheFilesKillRule_ReportsThatRuleOnce()
    {
        var gate = Gate(Rule("KILL-001", "Execution.KillSwitchActive", "Kill switch active."));

        var decision = gate.Decide(Some.Context(execution: ExecutionState.Idle with { KillSwitchActive = true }));

        Assert.Equal(CapitalVerdict.Deny, decision.Decision);
        Assert.Equal("Kill switch active.", Assert.Single(decision.Violations).Message);
    }

    [Theory]
    [InlineData("ＡＡＰＬ", "AAPL")]
    [InlineData(" AAPL ", "AAPL")]
    [InlineData("AAPL\u200B", null)]
    [InlineData("AA\u2060PL", null)]
    public void ReadRequest_SymbolsAndStrategiesAreNormalizedBeforeAnyComparison(string symbol, string? expected)
    {
        var json = """
            {"intent": {"intent_id": "i-1", "timestamp": "2026-01-15T15:30:00Z", "strategy_id": "trend", "account_id": "a", "instrument": {"symbol": "SYMBOL"}, "side": "buy", "order_type": "market", "qty": 1},
             "portfolio": {"equity": 1000, "start_of_day_equity": 1000, "peak_equity": 1000, "positions": {"SYMBOL": 1}, "realized_pnl_today": 0, "unrealized_pnl": 0},
             "market": {"prices": {"AAPL": 100}}}
            """.Replace("SYMBOL", symbol, StringComparison.Ordinal);
        using var document = System.Text.Json.JsonDocument.Parse(json);

        if (expected is null)
        {
            Assert.Throws<FormatException>(() => CapitalContextJson.ReadRequest(document.RootElement));
            return;
        }

        var context = CapitalContextJson.ReadRequest(document.RootElement);
        Assert.Equal(expected, context.Intent.Symbol);
        Assert.Equal(1, context.Portfolio.Positions[expected]);
        Assert.Equal(100, context.Market.Price(context.Intent.Symbol));
    }

    [Fact]
    public void ReadRequest_TwoSpellingsOfOneSymbol_AreRefused()
    {
        using var document = System.Text.Json.JsonDocument.Parse("""{"prices": {"AAPL": 100, "ＡＡＰＬ": 1}}""");

        Assert.Contains("once normalized", Assert.Throws<FormatException>(() => CapitalContextJson.ReadMarket(document.RootElement)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Contexts_AreReadOnlyInFact()
    {
        var positions = new Dictionary<string, double> { ["AAPL"] = 5 };
        var context = Some.Context(portfolio: Some.Portfolio(positions: positions));

        foreach (var collection in new IEnumerable[] { context.Portfolio.Positions, context.Market.Prices, context.Execution.OrdersLast60sByStrategy, (context.Portfolio with { Positions = positions }).Positions })
        {
            Assert.IsNotType<Dictionary<string, double>>(collection);
            Assert.IsNotType<Dictionary<string, int>>(collection);
        }

        var opened = (IDictionary<string, double>)context.Portfolio.Positions;
        Assert.Throws<NotSupportedException>(() => opened.Remove("AAPL"));
        Assert.Equal(5, context.Portfolio.Positions["AAPL"]);
    }
}
