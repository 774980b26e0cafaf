using System.Globalization;
using CsCheck;

namespace RulesGate.Cli.Tests;

/// <summary>
/// Rule expressions built from the grammar of what a condition may write — numbers, text, comparisons, the context's
/// members, <c>Math</c>, LINQ over the portfolio with nested lambdas, conditionals, casts — and from what it may not
/// (text built, culture, reflection, I/O). Each is added as a rule to the shipped capital file: <c>rules check</c>
/// admits it or names its problems (exit 0 or 2), and an admitted file judges the sample order to a decision or one
/// line (exit 0, 1 or 2), never an internal error, within its budget.
/// </summary>
public sealed partial class FuzzTests
{
    private static readonly string[] Numbers =
    [
        "0", "1", "-1", "0.5", "1e300", "-1e300", "double.MaxValue", "double.NaN", "1 / 3.0", "Intent.Qty", "Portfolio.Equity", "Metrics.Drawdown",
        "Metrics.NewQty", "Market.Price(Intent.Symbol)", "Execution.OrdersLast60sGlobal", "Params.Exposure.MaxPositionPct", "Derived.Price", "Portfolio.Positions.Count",
    ];

    private static readonly string[] Texts = ["\"AAPL\"", "\"\"", "Intent.Symbol", "Intent.StrategyId", "\"\\u00e9\"", "Intent.AccountId"];

    /// <summary>What a rule may not write: each must be refused at load, never run.</summary>
    private static readonly string[] Forbidden =
    [
        "System.IO.File.Exists(\"x\")", "typeof(int) != null", "GC.GetTotalMemory(false) > 0", "new object() == null", "Intent.ToString() == \"\"",
        "Intent.Symbol.Replace(\"A\", \"AA\") == \"\"", "$\"{Intent.Qty}\" == \"\"", "Environment.ProcessorCount > 0", "Enumerable.Repeat(1, (int)Intent.Qty).Count() > 0",
        "string.Join(\",\", Portfolio.Positions) == \"\"", "Intent.Qty.ToString() == \"1\"", "((object)Intent).GetType() != null",
    ];

    private static string Expression(Random random, int depth) => Bool(random, depth, 0);

    private static string Bool(Random random, int depth, int lambda)
    {
        if (depth == 0 || random.Next(4) == 0)
        {
            return random.Next(8) switch
            {
                0 => Forbidden[random.Next(Forbidden.Length)],
                1 => "Execution.KillSwitchActive",
                2 => $"{Text(random, 0, lambda)}.StartsWith({Text(random, 0, lambda)}, StringComparison.Ordinal)",
                _ => $"{Number(random, 0, lambda)} {Pick(random, "<", "<=", ">", ">=", "==", "!=")} {Number(random, 0, lambda)}",
            };
        }

        var p = $"p{lambda}";
        return random.Next(9) switch
        {
            0 => $"!({Bool(random, depth - 1, lambda)})",
            1 => $"({Bool(random, depth - 1, lambda)}) && ({Bool(random, depth - 1, lambda)})",
            2 => $"({Bool(random, depth - 1, lambda)}) || ({Bool(random, depth - 1, lambda)})",
            3 => $"Portfolio.Positions.Any({p} => {p}.Value {Pick(random, ">", "<")} {Number(random, depth - 1, lambda + 1)})",
            4 => $"Portfolio.Positions.All({p} => {p}.Key != {Text(random, depth - 1, lambda + 1)} || {Bool(random, depth - 1, lambda + 1)})",
            5 => $"Metrics.UnpricedSymbols.Contains({Text(random, depth - 1, lambda)})",
            6 => $"{Text(random, depth - 1, lambda)} == {Text(random, depth - 1, lambda)}",
            7 => $"({Bool(random, depth - 1, lambda)} ? {Number(random, depth - 1, lambda)} : {Number(random, depth - 1, lambda)}) > 0",
            _ => $"{Number(random, depth - 1, lambda)} {Pick(random, "<", ">=", "==")} {Number(random, depth - 1, lambda)}",
        };
    }

    private static string Number(Random random, int depth, int lambda)
    {
        if (depth == 0 || random.Next(3) == 0)
        {
            return lambda > 0 && random.Next(3) == 0 ? $"p{lambda - 1}.Value" : Numbers[random.Next(Numbers.Length)];
        }

        var p = $"p{lambda}";
        return random.Next(10) switch
        {
            0 => $"({Number(random, depth - 1, lambda)} {Pick(random, "+", "-", "*", "/", "%")} {Number(random, depth - 1, lambda)})",
            1 => $"Math.{Pick(random, "Abs", "Sqrt", "Floor", "Log")}({Number(random, depth - 1, lambda)})",
            2 => $"Math.{Pick(random, "Max", "Min", "Pow")}({Number(random, depth - 1, lambda)}, {Number(random, depth - 1, lambda)})",
            3 => $"Portfolio.Positions.Where({p} => {Bool(random, depth - 1, lambda + 1)}).Count()",
            4 => $"Portfolio.Positions.Select({p} => {p}.Value * {Number(random, depth - 1, lambda + 1)}).DefaultIfEmpty(0).Max()",
            5 => $"Portfolio.Positions.Sum({p} => {Number(random, depth - 1, lambda + 1)})",
            6 => $"{Text(random, depth - 1, lambda)}.Length",
            7 => $"(int)({Number(random, depth - 1, lambda)})",
            8 => $"Portfolio.Positions.Count({p} => Portfolio.Positions.Any(q{lambda} => q{lambda}.Value > {p}.Value))",
            _ => $"Enumerable.Range(0, {random.Next(0, 50).ToString(CultureInfo.InvariantCulture)}).Count()",
        };
    }

    private static string Text(Random random, int depth, int lambda) => depth == 0 || random.Next(2) == 0
        ? (lambda > 0 && random.Next(3) == 0 ? $"p{lambda - 1}.Key" : Texts[random.Next(Texts.Length)])
        : $"{Text(random, depth - 1, lambda)}.{Pick(random, "ToUpperInvariant()", "ToLowerInvariant()", "Trim()")}";

    private static string Pick(Random random, params string[] choices) => choices[random.Next(choices.Length)];

    [Fact]
    public void RuleExpression_BuiltFromTheGrammar_IsAdmittedAndJudgedOrRefused_NeverCrashes()
    {
        var shipped = File.ReadAllText(Path.Combine(CliTests.Root, "rules", "capital", "default.yaml"));
        var file = Path.Combine(folder, "expression.yaml");
        var admitted = 0;
        void Check(string expression)
        {
            var text = shipped.Replace("rules:\n", $"rules:\n  - id: FUZZ-001\n    severity: INFO\n    when: |-\n      {expression}\n    message: Fuzzed.\n\n", StringComparison.Ordinal);
            var checkedRun = CliTests.RunWithInput(text, "rules", "check", "-");
            Assert.True(checkedRun.Exit is 0 or 2, $"rules check exit {checkedRun.Exit} on:\n{expression}\n{checkedRun.Err}");
            Assert.DoesNotContain("internal error", checkedRun.Err, StringComparison.Ordinal);
            Assert.False(checkedRun.Exit == 0 && Forbidden.Any(forbidden => expression.Contains(forbidden, StringComparison.Ordinal)), $"admitted what a rule may not write:\n{expression}");
            if (checkedRun.Exit != 0)
            {
                return;
            }

            admitted++;
            File.WriteAllText(file, text);
            var (exit, _, error) = CliTests.Run("eval", "samples/request-oversized-buy.json", "--policy", file);
            Assert.True(exit is 0 or 1 or 2, $"eval exit {exit} on:\n{expression}\n{error}");
            Assert.DoesNotContain("internal error", error, StringComparison.Ordinal);
        }

        Assert.Contains("rules:\n", shipped, StringComparison.Ordinal);
        if (Scale is { } scale)
        {
            Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 5]).Select(pair => Expression(new Random(pair.Item1), pair.Item2)).Sample(Check, iter: 30 * scale, threads: 1);
            return;
        }

        for (var seed = 0; seed < 30; seed++)
        {
            Check(Expression(new Random(seed), 1 + (seed % 5)));
        }

        Assert.True(admitted > 5, $"only {admitted} of 30 generated expressions were admitted: the grammar no longer writes what a rule may");
    }
}
