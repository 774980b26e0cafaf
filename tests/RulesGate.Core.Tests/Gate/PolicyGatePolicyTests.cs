using System.Text;
using RulesGate.Core.Gate;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Gate;

public sealed class PolicyGatePolicyTests
{
    private static readonly string Sample = File.ReadAllText(Repo.PathOf("samples", "capital", "policygate-policy.yaml"));

    private static CapitalGate Gate(string yaml)
    {
        var translated = PolicyGatePolicy.Translate("pg.yaml", Encoding.UTF8.GetBytes(yaml));
        Assert.True(translated.Succeeded, string.Join("\n", translated.Diagnostics));
        return new CapitalGate(Compiled.Bundle(Encoding.UTF8.GetString(translated.Value!)));
    }

    [Fact]
    public void Recognize_TellsPolicyGatePoliciesFromRuleFiles()
    {
        Assert.True(PolicyGatePolicy.Recognize(Encoding.UTF8.GetBytes(Sample)));
        Assert.False(PolicyGatePolicy.Recognize(Encoding.UTF8.GetBytes(Standard.Text)));
    }

    [Fact]
    public void Translate_Sample_RunsTheStandardRulesWithItsLimitsAndOverrides()
    {
        var gate = Gate(Sample);

        Assert.Equal(10, gate.TripAfterViolations);
        Assert.Equal(TimeSpan.FromSeconds(120), gate.ViolationWindow);
        Assert.Equal(Standard.Gate.Bundle.File.Rules.Select(r => r.Id), gate.Bundle.File.Rules.Select(r => r.Id));
        var aapl = gate.Decide(Some.Context(Some.Intent("AAPL", qty: 30)));
        Assert.Equal(CapitalVerdict.Modify, aapl.Decision);
        Assert.Equal(25, aapl.ModifiedIntent!.Qty, 6);
        var meanRevert = gate.Decide(Some.Context(Some.Intent(strategy: "mean-revert"), execution: ExecutionState.Idle with { OrdersLast60sByStrategy = new Dictionary<string, int> { ["mean-revert"] = 10 } }));
        Assert.Equal("EXEC-002", Assert.Single(meanRevert.Violations).RuleId);
    }

    [Fact]
    public void Translate_MonitorDefault_SetsMonitorMode()
    {
        var gate = Gate(Sample.Replace("mode: enforce", "mode: monitor", StringComparison.Ordinal));

        Assert.Equal(RulesGate.Core.Rules.RuleMode.Monitor, gate.Mode);
    }

    [Fact]
    public void Translate_SameBytes_SameRuleFileHash()
    {
        Assert.Equal(Gate(Sample).Bundle.File.Hash, Gate(Sample).Bundle.File.Hash);
    }

    [Theory]
    [InlineData("max_position_pct: 0.10", "max_position_pct: 1.5", "limits.exposure.max_position_pct", "RG1005")]
    [InlineData("max_orders_per_minute_global: 60", "max_orders_per_minute_global: 20000", "limits.execution.max_orders_per_minute_global", "RG1005")]
    [InlineData("violation_window_seconds: 120", "violation_window_seconds: 0", "limits.kill_switch.violation_window_seconds", "RG1005")]
    [InlineData("timezone: UTC", "timezone: Europe/Paris", "timezone", "RG1007")]
    [InlineData("version: \"0.1\"", "version: \"0.2\"", "version", "RG1005")]
    [InlineData("    max_drawdown_pct: 0.10", "    max_drawdown: 0.10", "limits.loss.max_drawdown", "RG1002")]
    [InlineData("    trip_after_n_violations: 10\n", "", "limits.kill_switch.trip_after_n_violations", "RG1003")]
    public void Translate_InvalidPolicy_ReportsWhereAndWhat(string old, string replacement, string path, string code)
    {
        Assert.Contains(old, Sample, StringComparison.Ordinal);

        var result = PolicyGatePolicy.Translate("pg.yaml", Encoding.UTF8.GetBytes(Sample.Replace(old, replacement, StringComparison.Ordinal)));

        Assert.False(result.Succeeded);
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Code == code);
        Assert.Equal(path, diagnostic.KeyPath);
        Assert.True(diagnostic.Location.Line > 1);
        Assert.NotEmpty(diagnostic.Hint);
    }
}
