using System.Text.Json;
using Json.Schema;
using Microsoft.Data.Sqlite;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary><c>rules impact</c> and <c>rules explain --seq</c>: a candidate judged on the journal's decisions.</summary>
public sealed class RulesImpactTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-impact-").FullName;

    private string Journal => Path.Combine(folder, "journal.db");

    /// <summary>The sample stream journaled under rules/capital/default.yaml: 19 decisions of capital-default and a malformed line.</summary>
    public RulesImpactTests()
    {
        SqliteJournal.Create(Journal).Dispose();
        var run = CliTests.Run(
            "run", "--policy", "rules/capital/default.yaml", "samples/capital/intents.jsonl", "--portfolio", "samples/capital/portfolio.json",
            "--market", "samples/capital/market.json", "--execution", "samples/capital/execution.json", "--journal", Journal, "--out", Path.Combine(folder, "out"));
        Assert.Equal(0, run.Exit);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>rules/capital/default.yaml with <paramref name="from"/> replaced by <paramref name="to"/> and its version raised.</summary>
    private string Candidate(string from, string to)
    {
        var text = File.ReadAllText(Path.Combine(CliTests.Root, "rules", "capital", "default.yaml"));
        Assert.Contains(from, text, StringComparison.Ordinal);
        var path = Path.Combine(folder, "candidate.yaml");
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal).Replace("version: 1", "version: 2", StringComparison.Ordinal));
        return path;
    }

    [Fact]
    public void Impact_OfATighterLimit_CountsExactlyTheDecisionsItChanges_AsAnOneByOneComparisonDoes()
    {
        var candidate = Candidate("max_position_pct: 0.10", "max_position_pct: 0.02");

        var (exit, output, _) = CliTests.Run("rules", "impact", candidate, "--journal", Journal, "--json");

        Assert.Equal(0, exit);
        using var report = JsonDocument.Parse(output);
        Assert.True(OutputSchemaTests.Schema("impact-report.schema.json").Evaluate(report.RootElement).IsValid, output);

        // The oracle: every journaled decision judged by both files, one by one.
        var engine = new RuleEngine(RulesGate.Core.BuiltInKinds.Registry);
        var (before, after) = (new CapitalGate(CapitalPolicies.Load(engine, Path.Combine(CliTests.Root, "rules", "capital", "default.yaml")).Value!), new CapitalGate(CapitalPolicies.Load(engine, candidate).Value!));
        var expected = new Dictionary<string, int>(StringComparer.Ordinal);
        var judged = 0;
        using (var store = SqliteJournal.Open(Journal, readOnly: true))
        {
            foreach (var e in store.Read(type: GateJournal.DecisionType))
            {
                judged++;
                var context = CapitalReplay.RequestOf(e);
                var (was, now) = (before.Decide(context), after.Decide(context));
                if (was.Decision != now.Decision)
                {
                    var name = $"{CapitalJson.Verdict(was.Decision)} → {CapitalJson.Verdict(now.Decision)}";
                    expected[name] = expected.GetValueOrDefault(name) + 1;
                }
                else if (was.ModifiedIntent?.Qty != now.ModifiedIntent?.Qty)
                {
                    var name = $"{CapitalJson.Verdict(now.Decision)}, quantity changed";
                    expected[name] = expected.GetValueOrDefault(name) + 1;
                }
            }
        }

        var root = report.RootElement;
        Assert.Equal(19, judged);
        Assert.Equal(judged, root.GetProperty("judged").GetInt32());
        Assert.NotEmpty(expected);    // the tighter limit must change something, or this test proves nothing
        Assert.Equal(
            expected.OrderBy(pair => pair.Key, StringComparer.Ordinal),
            root.GetProperty("transitions").EnumerateArray().Select(t => KeyValuePair.Create(t.GetProperty("name").GetString()!, t.GetProperty("decisions").GetInt32())).OrderBy(pair => pair.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Values.Sum(), root.GetProperty("changed").GetInt32());
        Assert.Contains(root.GetProperty("rules").EnumerateArray(), rule => rule.GetProperty("name").GetString() == "EXP-001 now fires");
        Assert.Equal("capital-default", root.GetProperty("policy_id").GetString());
        Assert.StartsWith("capital-default@2#", root.GetProperty("candidate").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Impact_AsText_LeadsWithTheCountsAndShowsHowToExplainEachExample()
    {
        var candidate = Candidate("max_position_pct: 0.10", "max_position_pct: 0.02");

        var (exit, output, _) = CliTests.Run("rules", "impact", candidate, "--journal", Journal);

        Assert.Equal(0, exit);
        Assert.Matches(@"^capital-default@2#[0-9a-f]{12} on 19 journaled decisions of capital-default in the whole journal: \d+ would change \([0-9.]+%\), notional [0-9,]+\.\d\d\.", output);
        Assert.Contains("By verdict", output, StringComparison.Ordinal);
        Assert.Contains("By symbol", output, StringComparison.Ordinal);
        var seq = System.Text.RegularExpressions.Regex.Match(output, @"rulesgate rules explain --seq (\d+) --journal").Groups[1].Value;
        Assert.NotEmpty(seq);

        // Both commands the example names run, and explain that decision under each file.
        var recorded = CliTests.Run("rules", "explain", "--seq", seq, "--journal", Journal);
        var proposed = CliTests.Run("rules", "explain", candidate, "--seq", seq, "--journal", Journal);
        Assert.Equal((0, 0), (recorded.Exit, proposed.Exit));
        Assert.StartsWith($"capital-default@1#", recorded.Out, StringComparison.Ordinal);
        Assert.Contains($"(as recorded) on the request of event {seq}", recorded.Out, StringComparison.Ordinal);
        Assert.StartsWith($"capital-default@2#", proposed.Out, StringComparison.Ordinal);
        Assert.Contains("EXP-001  FIRED", proposed.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Impact_OfTheSameRules_ChangesNothing_AndSaysSo()
    {
        var candidate = Candidate("description:", "description: unchanged rules, new words;");

        var (exit, output, _) = CliTests.Run("rules", "impact", candidate, "--journal", Journal);

        Assert.Equal(0, exit);
        Assert.Contains("on 19 journaled decisions of capital-default in the whole journal: 0 would change (0%), notional 0.00.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("By verdict", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--since", "2099-01-01T00:00:00Z", "has no decision of capital-default since 2099-01-01T00:00:00Z (0 decisions of other policies, 0 malformed lines); nothing was judged")]
    [InlineData("--until", "2000-01-01T00:00:00Z", "has no decision of capital-default before 2000-01-01T00:00:00Z")]
    [InlineData("--since", "yesterday", "--since")]
    public void Impact_OverAnEmptyWindowOrABadTime_IsAnErrorNotAGreenReport(string option, string value, string named)
    {
        var candidate = Candidate("max_position_pct: 0.10", "max_position_pct: 0.02");

        var (exit, output, error) = CliTests.Run("rules", "impact", candidate, "--journal", Journal, option, value);

        Assert.Equal((2, ""), (exit, output));
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void Impact_OfAnotherPolicysFile_JudgesNothingAndNamesWhatItSkipped()
    {
        var (exit, _, error) = CliTests.Run("rules", "impact", "samples/capital/policygate-policy.yaml", "--journal", Journal);

        Assert.Equal(2, exit);
        Assert.Contains("(19 decisions of other policies, 1 malformed line); nothing was judged", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_WithBothAContextAndSeq_OrNeither_IsAUsageError()
    {
        var both = CliTests.Run("rules", "explain", "rules/capital/default.yaml", "samples/request-oversized-buy.json", "--seq", "1", "--journal", Journal);
        var neither = CliTests.Run("rules", "explain", "rules/capital/default.yaml");
        var missing = CliTests.Run("rules", "explain", "--seq", "999", "--journal", Journal);

        Assert.Equal((2, 2, 2), (both.Exit, neither.Exit, missing.Exit));
        Assert.Contains("give CONTEXT.json or --seq, not both", both.Err, StringComparison.Ordinal);
        Assert.Contains("give RULEFILE and CONTEXT.json, or --seq N", neither.Err, StringComparison.Ordinal);
        Assert.Contains("--seq 999: the journal", missing.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_RecordsAnAssessedChange_WaitingForItsQuorum_AndRefusesOneThatIsNotNewer()
    {
        var candidate = Candidate("max_position_pct: 0.10", "max_position_pct: 0.02");
        var artifacts = Path.Combine(CliTests.Root, "artifacts", "rule-changes");

        var proposed = CliTests.Run("rules", "propose", candidate, "--journal", Journal, "--actor", "Olga", "--live-at", "2030-01-02T09:30:00Z");
        var again = CliTests.Run("rules", "propose", candidate, "--journal", Journal, "--actor", "olga");
        var stale = CliTests.Run("rules", "propose", "rules/capital/default.yaml", "--journal", Journal, "--actor", "olga");

        Assert.True(proposed.Exit == 0, proposed.Out + proposed.Err);
        Assert.Matches(@"proposed as rule-change:capital-default@2-\w{12}, requested by olga: .* once its quorum approves, not before 2030-01-02T09:30:00", proposed.Out);
        Assert.Matches(@"  impact: \d+ of 19 decisions of the 7 days before it change", proposed.Out);
        Assert.Contains("proposed before as rule-change:capital-default@2-", again.Out, StringComparison.Ordinal);
        Assert.Equal(2, stale.Exit);
        Assert.Contains("is not newer than the live capital-default@1#", stale.Err, StringComparison.Ordinal);
        var shown = CliTests.Run("workflow", "list", "--journal", Journal);
        Assert.Contains("rule-change:capital-default@2-", shown.Out, StringComparison.Ordinal);
        var checklist = System.Text.RegularExpressions.Regex.Match(proposed.Out, @"its checklist: (\S+)").Groups[1].Value;
        Assert.Contains("19 judged", File.ReadAllText(Path.Combine(CliTests.Root, checklist)), StringComparison.Ordinal);
        Assert.StartsWith(artifacts, Path.GetFullPath(Path.Combine(CliTests.Root, checklist)), StringComparison.Ordinal);
    }
}
