using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Server.Tests;

/// <summary>
/// deploy/'s Prometheus alert rules and Grafana dashboard name only metrics a running server really exports (its
/// /metrics, read after a decision), and each alert is complete: a name, an expression, a severity and a summary.
/// </summary>
public sealed partial class DeployTests : IAsyncDisposable
{
    private static readonly string Alerts = Path.Combine(RunningServer.Root, "deploy", "prometheus", "rulesgate-alerts.yml");
    private static readonly string Dashboard = Path.Combine(RunningServer.Root, "deploy", "grafana", "rulesgate-dashboard.json");
    private static readonly string[] HistogramSeries = ["_bucket", "_sum", "_count"];
    private static readonly string[] Severities = ["critical", "warning", "info"];
    private readonly RunningServer server = new();

    public ValueTask DisposeAsync() => server.DisposeAsync();

    [GeneratedRegex(@"rulesgate_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<type>\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    /// <summary>The metric families /metrics exports, by name, with their type.</summary>
    private async Task<Dictionary<string, string>> Exported()
    {
        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken)).StatusCode);
        var text = await (await server.Get("/metrics", token: null)).Content.ReadAsStringAsync();
        return TypeLine().Matches(text).ToDictionary(match => match.Groups["name"].Value, match => match.Groups["type"].Value, StringComparer.Ordinal);
    }

    /// <summary>The names of <paramref name="text"/> that are neither a family /metrics exports nor a histogram's series.</summary>
    private static List<string> Unknown(string text, Dictionary<string, string> exported) =>
    [
        .. MetricName().Matches(text).Select(match => match.Value).Distinct().Where(name =>
            !exported.ContainsKey(name)
            && !HistogramSeries.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal) && exported.GetValueOrDefault(name[..^suffix.Length]) == "histogram")),
    ];

    [Fact]
    public async Task TheAlertRules_AndTheDashboard_NameOnlyMetricsTheServerExports()
    {
        var exported = await Exported();
        var (alerts, dashboard) = (File.ReadAllText(Alerts), File.ReadAllText(Dashboard));

        Assert.Contains("rulesgate_decisions_total", exported.Keys);
        Assert.Empty(Unknown(alerts, exported));
        Assert.Empty(Unknown(dashboard, exported));
        Assert.True(MetricName().Matches(dashboard).Select(match => match.Value).Distinct().Count() >= 25, "the dashboard shows too few of the metrics");
    }

    [Fact]
    public void EveryAlert_HasAnExpressionASeverityAndASummary_AndTheOnesOperatorsNeedAreThere()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Alerts)));
        var rules = ((YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"]).Children
            .SelectMany(group => ((YamlSequenceNode)((YamlMappingNode)group)["rules"]).Children.Cast<YamlMappingNode>())
            .ToList();

        foreach (var rule in rules)
        {
            var name = rule["alert"].ToString();
            Assert.False(string.IsNullOrWhiteSpace(rule["expr"].ToString()), name);
            Assert.Contains(((YamlMappingNode)rule["labels"])["severity"].ToString(), Severities);
            Assert.False(string.IsNullOrWhiteSpace(((YamlMappingNode)rule["annotations"])["summary"].ToString()), name);
        }

        var expressions = rules.Select(rule => rule["expr"].ToString()).ToList();
        foreach (var needed in new[] { "rulesgate_kill_switch_active", "rulesgate_rule_file_stale", "rulesgate_effects_dead", "rulesgate_effects_failed_total", "rulesgate_journal_commit_seconds_bucket", "rulesgate_requests_shed_total", "rulesgate_approvals_overdue" })
        {
            Assert.Contains(expressions, expression => expression.Contains(needed, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TheDashboard_IsGrafanaJson_EveryPanelQueryingPrometheus()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Dashboard));
        var panels = document.RootElement.GetProperty("panels").EnumerateArray().ToList();

        Assert.Equal("rulesgate", document.RootElement.GetProperty("uid").GetString());
        Assert.True(panels.Count >= 10);
        Assert.All(panels, panel => Assert.All(panel.GetProperty("targets").EnumerateArray(), target => Assert.Contains("rulesgate_", target.GetProperty("expr").GetString(), StringComparison.Ordinal)));
        Assert.Equal(panels.Count, panels.Select(panel => panel.GetProperty("id").GetInt32()).Distinct().Count());
    }
}
