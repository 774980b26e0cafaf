using System.Text.Json;

namespace RulesGate.Cli.Tests;

/// <summary><c>rules diff</c>: where two capital rule files disagree, found by search rather than history.</summary>
public sealed class RulesDiffTests : IDisposable
{
    private const string Default = "rules/capital/default.yaml";

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-diff-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>rules/capital/default.yaml with <paramref name="from"/> replaced by <paramref name="to"/>, as version 2.</summary>
    private string Changed(string from, string to)
    {
        var text = File.ReadAllText(Path.Combine(CliTests.Root, Default));
        Assert.Contains(from, text, StringComparison.Ordinal);
        var path = Path.Combine(folder, "new.yaml");
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal).Replace("version: 1", "version: 2", StringComparison.Ordinal));
        return path;
    }

    private static JsonElement[] Regions(string output) => [.. JsonDocument.Parse(output).RootElement.GetProperty("regions").EnumerateArray()];

    [Fact]
    public void Diff_AGreaterThanThatBecameGreaterOrEqual_IsFoundAtExactlyTheLimit()
    {
        var changed = Changed("when: Metrics.NewPositionPct > Params.Exposure.MaxPositionPct", "when: Metrics.NewPositionPct >= Params.Exposure.MaxPositionPct");

        var (exit, output, _) = CliTests.Run("rules", "diff", Default, changed, "--json");

        Assert.Equal(1, exit);
        Assert.True(OutputSchemaTests.Schema("diff-report.schema.json").Evaluate(JsonDocument.Parse(output).RootElement).IsValid, output);

        // 10% of 1,000,000 at 100 a share is 1,000 shares: only there does > differ from >=, and nowhere else.
        var quantity = Assert.Single(Regions(output), r => r.GetProperty("base").GetString() == "buy ACME (base)" && r.GetProperty("input").GetString() == "intent.qty");
        Assert.Equal((1000.0, 1000.0, 1), (quantity.GetProperty("from").GetDouble(), quantity.GetProperty("to").GetDouble(), quantity.GetProperty("points").GetInt32()));
        Assert.Equal("ALLOW", quantity.GetProperty("old").GetString());
        Assert.Equal("MODIFY to 1000 (EXP-001)", quantity.GetProperty("new").GetString());
        Assert.All(Regions(output), r => Assert.Equal(r.GetProperty("from").GetDouble(), r.GetProperty("to").GetDouble()));

        // AAPL's override (5%) has its own limit, and its own point.
        var apple = Assert.Single(Regions(output), r => r.GetProperty("base").GetString() == "buy AAPL (base)" && r.GetProperty("input").GetString() == "intent.qty");
        Assert.Equal(500.0, apple.GetProperty("from").GetDouble());
    }

    [Fact]
    public void Diff_AGreaterOrEqualOnACount_ThatBecameGreaterThan_IsFoundAtTheWholeNumberTheFileNames()
    {
        var changed = Changed("when: Execution.OrdersLast60sGlobal >= Params.Execution.MaxOrdersPerMinuteGlobal", "when: Execution.OrdersLast60sGlobal > Params.Execution.MaxOrdersPerMinuteGlobal");

        var (exit, output, _) = CliTests.Run("rules", "diff", Default, changed);

        Assert.Equal(1, exit);
        Assert.Contains("disagree in 6 regions", output, StringComparison.Ordinal);
        Assert.Contains("  execution.orders_last_60s_global = 60: old DENY (EXEC-001); new ALLOW", output, StringComparison.Ordinal);
        Assert.DoesNotContain("= 59:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("= 61:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_OfTheSameRulesInOtherWords_FindsNothing_AndSaysWhatItTried()
    {
        var changed = Changed("description:", "description: unchanged rules, new words;");

        var (exit, output, _) = CliTests.Run("rules", "diff", Default, changed);

        Assert.Equal(0, exit);
        Assert.Matches(@"^capital-default@1#\w{12} and capital-default@2#\w{12} decide alike everywhere tried \([0-9,]+ inputs tried, [0-9,]+ boundaries bisected; one input at a time from base orders: evidence, not a proof\)\.", output);
    }

    [Fact]
    public void Diff_OfALowerLimit_IsARegion_NotAPoint()
    {
        var (exit, output, _) = CliTests.Run("rules", "diff", Default, "samples/capital/candidate.yaml", "--json");

        Assert.Equal(1, exit);
        var quantity = Assert.Single(Regions(output), r => r.GetProperty("base").GetString() == "buy ACME (base)" && r.GetProperty("input").GetString() == "intent.qty");
        Assert.True(quantity.GetProperty("from").GetDouble() is > 500 and < 500.001, output);   // just above 5%: the candidate reduces
        Assert.Equal("ALLOW", quantity.GetProperty("old").GetString());
        Assert.StartsWith("MODIFY to 500 ", quantity.GetProperty("new").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_OfAFileThatIsNotACapitalPolicy_IsOneLineAndExit2()
    {
        var (exit, output, error) = CliTests.Run("rules", "diff", Default, "rules/governance/default.yaml");

        Assert.Equal((2, ""), (exit, output));
        Assert.Contains("the gate needs a CapitalPolicy", error, StringComparison.Ordinal);
    }
}
