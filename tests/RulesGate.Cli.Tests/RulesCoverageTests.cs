using System.Text.Json;

namespace RulesGate.Cli.Tests;

/// <summary><c>rules test --coverage</c>: which rules the cases saw fire and stay quiet, and which overrides they reached.</summary>
public sealed class RulesCoverageTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-coverage-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Two cases against the default capital rules: an AAPL buy over its 5% override (EXP-001 fires), and a small MSFT buy (nothing fires).</summary>
    private string TwoCases()
    {
        var path = Path.Combine(folder, "tests", "two.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $$"""
            apiVersion: rulesgate/v1
            kind: RuleTests
            metadata: { id: two }
            rules: {{Path.Combine(CliTests.Root, "rules", "capital", "default.yaml")}}
            cases:
              - name: an AAPL buy over its override's cap
                context: &base
                  intent: { intent_id: t-1, timestamp: "2026-01-15T15:30:00Z", strategy_id: trend, account_id: a, instrument: { symbol: AAPL }, side: buy, order_type: market, qty: 30 }
                  portfolio: { equity: 100000, start_of_day_equity: 100000, peak_equity: 100000, positions: {} }
                  market: { timestamp: "2026-01-15T15:29:58Z", prices: { MSFT: 400, AAPL: 200 } }
                expect: { fired: [EXP-001] }
              - name: a small MSFT buy
                context:
                  <<: *base
                  intent: { intent_id: t-2, timestamp: "2026-01-15T15:30:00Z", strategy_id: trend, account_id: a, instrument: { symbol: MSFT }, side: buy, order_type: market, qty: 10 }
                expect: { fired: [] }
            """);
        return path;
    }

    [Fact]
    public void Coverage_CountsEachRuleFiredAndQuiet_AndEachOverrideReached()
    {
        var (exit, output, _) = CliTests.Run("rules", "test", TwoCases(), "--coverage", "--json");

        Assert.Equal(0, exit);
        using var report = JsonDocument.Parse(output);
        Assert.True(OutputSchemaTests.Schema("test-report.schema.json").Evaluate(report.RootElement).IsValid, output);
        var file = Assert.Single(report.RootElement.GetProperty("coverage").EnumerateArray());
        Assert.Equal(2, file.GetProperty("cases").GetInt32());
        var rules = file.GetProperty("rules").EnumerateArray().ToDictionary(r => r.GetProperty("rule").GetString()!, r => (r.GetProperty("fired").GetInt32(), r.GetProperty("quiet").GetInt32()));
        Assert.Equal((1, 1), rules["EXP-001"]);
        Assert.All(rules.Where(r => r.Key != "EXP-001"), r => Assert.Equal((0, 2), r.Value));
        var overrides = file.GetProperty("overrides").EnumerateArray().Select(o => (o.GetProperty("kind").GetString(), o.GetProperty("key").GetString(), o.GetProperty("cases").GetInt32())).ToList();
        Assert.Equal([("symbol", "AAPL", 1), ("strategy", "mean-revert", 0)], overrides);
    }

    [Fact]
    public void Coverage_AsText_NamesWhatNoCaseExercised()
    {
        var (exit, output, _) = CliTests.Run("rules", "test", TwoCases(), "--coverage");

        Assert.Equal(0, exit);
        Assert.Matches(@"coverage of .*default\.yaml \(capital-default@1#\w{12}\) by 2 cases: rules fired 1/9, quiet 9/9, both ways 1/9; overrides 1/2", output);
        Assert.Contains("  never fired: SYS-001, KILL-001, LOSS-001, LOSS-002, EXEC-001, EXEC-002, EXP-002, EXP-003", output, StringComparison.Ordinal);
        Assert.DoesNotContain("never quiet", output, StringComparison.Ordinal);   // EXP-001 fired once and stayed quiet once
        Assert.Contains("  overrides no case reached: strategy mean-revert", output, StringComparison.Ordinal);
        Assert.EndsWith("2 passed, 0 failed.", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Coverage_OfTheShippedTests_ReachesEveryOverride()
    {
        var (exit, output, _) = CliTests.Run("rules", "test", "--coverage");

        Assert.Equal(0, exit);
        Assert.DoesNotContain("overrides no case reached", output, StringComparison.Ordinal);
    }
}
