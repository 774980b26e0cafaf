using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Rules;

/// <summary>
/// Expressions the sandbox admits whose work still grows with their input: each is stopped by the budget, and the
/// order is denied with SYS-002 naming the rule. Without the budget each of them would run for hours or exhaust memory.
/// </summary>
public sealed class RuleBudgetTests
{
    private static readonly string LongSymbol = new('x', 2_000);

    private static CapitalDecision Decide(string when, string extra = "", string symbol = "MSFT")
    {
        var bundle = Compiled.Bundle(Some.PolicyYaml($"  - id: R-HEAVY\n    severity: HIGH\n    when: '{when.Replace("'", "''")}'\n    message: x\n", extra: extra));
        return new CapitalGate(bundle).Decide(Some.Context(intent: Some.Intent(symbol: symbol), market: Some.Market(new() { [symbol] = 10 })));
    }

    public static TheoryData<string, string> Heavy() => new()
    {
        // Four nested loops over a 2,000-character text: 1.6 × 10^13 steps.
        { "Intent.Symbol.Count(a => Intent.Symbol.Count(b => Intent.Symbol.Count(c => Intent.Symbol.Count(d => d == c) > 0) > 0) > 0) > 0", "" },
        // The same in query syntax, with the inner loops in a where clause.
        { "(from a in Intent.Symbol where Intent.Symbol.Any(b => Intent.Symbol.All(c => Intent.Symbol.Count(d => d != c) > 0)) select a).Count() > 5", "" },
        // Text doubled by a chain of derived values: 2,000 × 2^30 characters.
        {
            "Derived.T30.Length > 0",
            "derive:\n" + string.Concat(Enumerable.Range(1, 30).Select(i => $"  T{i}: {(i == 1 ? "Intent.Symbol" : $"Derived.T{i - 1}")} + {(i == 1 ? "Intent.Symbol" : $"Derived.T{i - 1}")}\n"))
        },
        // A list materialized in a derived value, read again in every iteration of an outer loop.
        { "Intent.Symbol.Count(a => Intent.Symbol.Count(b => Derived.Chars.Count(c => c == b) > 0) > 0) > 0", "derive:\n  Chars: Intent.Symbol.ToList()\n" },
    };

    [Theory]
    [MemberData(nameof(Heavy))]
    public void Evaluate_ExpressionBeyondTheBudget_DeniesWithSys002NamingTheRule(string when, string derive)
    {
        var decision = Decide(when, derive, LongSymbol);

        Assert.Equal(CapitalVerdict.Deny, decision.Decision);
        var violation = Assert.Single(decision.Violations);
        Assert.Equal(CapitalGate.EvaluationFailedRule, violation.RuleId);
        Assert.Contains("Rule R-HEAVY used up the evaluation budget of 1,000,000 steps", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SameExpressionOnShortInput_RunsWithinTheBudget()
    {
        var decision = Decide("Intent.Symbol.Count(a => Intent.Symbol.Count(b => Intent.Symbol.Count(c => Intent.Symbol.Count(d => d == c) > 0) > 0) > 0) > 0");

        Assert.Equal(["R-HEAVY"], decision.Violations.Select(violation => violation.RuleId));
    }

    [Fact]
    public void Evaluate_BudgetUsedUpByOneOrder_IsWholeAgainForTheNext()
    {
        var bundle = Compiled.Bundle(Some.PolicyYaml("  - id: R-1\n    severity: HIGH\n    when: Intent.Symbol.Count(a => Intent.Symbol.Count(b => a == b) > 0) > 0\n    message: x\n"));
        var gate = new CapitalGate(bundle);

        var heavy = gate.Decide(Some.Context(intent: Some.Intent(symbol: LongSymbol), market: Some.Market(new() { [LongSymbol] = 10 })));
        var light = gate.Decide(Some.Context());

        Assert.Equal(CapitalGate.EvaluationFailedRule, Assert.Single(heavy.Violations).RuleId);
        Assert.Equal("R-1", Assert.Single(light.Violations).RuleId);
    }

    [Theory]
    [InlineData("RulesGate.Core.Rules.RuleBudget.Step() && true")]
    [InlineData("global::RulesGate.Core.Rules.RuleBudget.Counted(Intent.Symbol).Any()")]
    public void Compile_ExpressionTouchingTheBudget_IsRefused(string when)
    {
        var errors = Compiled.Errors(Some.PolicyYaml($"  - id: R-1\n    severity: HIGH\n    when: '{when}'\n    message: x\n"));

        Assert.Contains(errors, error => error.Message.Contains("RuleBudget", StringComparison.Ordinal));
    }
}
