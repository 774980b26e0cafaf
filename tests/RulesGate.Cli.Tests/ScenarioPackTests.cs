using System.Text.Json;

namespace RulesGate.Cli.Tests;

/// <summary>PolicyGate's scenario packs (samples/scenarios/), each run as a user runs it, showing what it is for.</summary>
public sealed class ScenarioPackTests
{
    private static JsonElement Run(string name)
    {
        var folder = $"samples/scenarios/{name}/";
        var policy = File.Exists(Path.Combine(CliTests.Root, folder, "policy.yaml")) ? folder + "policy.yaml" : "rules/capital/default.yaml";
        var (exit, output, error) = CliTests.Run("run", "--policy", policy, folder + "intents.jsonl", "--portfolio", folder + "portfolio.json", "--market", folder + "market.json");
        Assert.True(exit == 0, error);
        using var summary = JsonDocument.Parse(output);
        return summary.RootElement.Clone();
    }

    private static int Count(JsonElement summary, string group, string key) => summary.GetProperty(group).TryGetProperty(key, out var count) ? count.GetInt32() : 0;

    [Theory]
    [InlineData("alpaca", "APCA_API_KEY_ID is not set")]
    [InlineData("ib", "'ib'")]
    public void Run_ABrokerWithoutItsCredentials_OrUnknown_IsOneLineExitTwo_AndSendsNothing(string broker, string says)
    {
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("APCA_API_KEY_ID")), "the test needs APCA_API_KEY_ID unset");
        const string folder = "samples/scenarios/normal-day/";

        var (exit, output, error) = CliTests.Run("run", "--policy", "rules/capital/default.yaml", folder + "intents.jsonl", "--portfolio", folder + "portfolio.json", "--market", folder + "market.json", "--broker", broker);

        Assert.Equal((2, ""), (exit, output));
        Assert.Contains(says, error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void NormalDay_OrdinaryOrdersGo_OneTooLargeIsCutToTheCap()
    {
        var summary = Run("normal-day");

        Assert.Equal((11, 1, 0), (Count(summary, "decisions", "ALLOW"), Count(summary, "decisions", "MODIFY"), Count(summary, "decisions", "DENY")));
        Assert.Equal(1, Count(summary, "rule_histogram", "EXP-001"));
        Assert.False(summary.GetProperty("kill_switch_active").GetBoolean());
    }

    [Fact]
    public void ThrottleBurst_TheRateLimitsDeny_AndRepeatedViolationsTripTheKillSwitch()
    {
        var summary = Run("throttle-burst");

        Assert.Equal(10, summary.GetProperty("orders_submitted").GetInt32());           // the global limit's ten a minute
        Assert.Equal(2, Count(summary, "rule_histogram", "EXEC-002"));                  // scalper-a past its six
        Assert.True(Count(summary, "rule_histogram", "EXEC-001") > 0);
        Assert.True(Count(summary, "rule_histogram", "KILL-001") > 0);                  // then everything is killed
        Assert.True(summary.GetProperty("kill_switch_active").GetBoolean());
    }

    [Fact]
    public void DrawdownCrash_TheFirstOrderTripsTheKillSwitch_AndNothingGoes()
    {
        var summary = Run("drawdown-crash");

        Assert.Equal(0, summary.GetProperty("orders_submitted").GetInt32());
        Assert.Equal(5, Count(summary, "rule_histogram", "LOSS-002"));
        Assert.Equal(4, Count(summary, "rule_histogram", "KILL-001"));
        Assert.True(summary.GetProperty("kill_switch_active").GetBoolean());
    }
}
