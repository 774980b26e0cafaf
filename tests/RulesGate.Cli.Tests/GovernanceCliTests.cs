using System.Text.Json;
using Microsoft.Data.Sqlite;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>The governance commands end to end: eval from files, outcomes moving the ladder, tokens, the canary.</summary>
public sealed class GovernanceCliTests : IDisposable
{
    private const string Samples = "samples/governance/";

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-gov-").FullName;

    public GovernanceCliTests() => SqliteJournal.Create(Journal).Dispose();

    private string Journal => Path.Combine(folder, "journal.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private string Case(int line)
    {
        var path = Path.Combine(folder, $"case-{line}.json");
        File.WriteAllText(path, File.ReadAllLines(Path.Combine(CliTests.Root, Samples, "cases.jsonl"))[line - 1]);
        return path;
    }

    [Theory]
    [InlineData(1, 0, "ALLOW", "all_checks_passed", 100)]
    [InlineData(3, 0, "REDUCE_SIZE", "sizing_reduced_by_governance", 15)]
    [InlineData(4, 1, "PAUSE", "drift_threshold_exceeded", 0)]
    [InlineData(5, 1, "BLOCK", "missing_or_invalid_execution_token", 0)]
    [InlineData(7, 1, "BLOCK", "critical_impact_at_gated_maturity", 0)]
    [InlineData(8, 1, "BLOCK", "maturity_level_L1_paper_insufficient", 0)]
    public void Eval_ACaseFromFilesAlone_ExitsByWhetherTheOrderGoes(int line, int exit, string action, string reason, double qty)
    {
        var (code, output, _) = CliTests.Run("governance", "eval", Case(line), "--capital", "rules/capital/default.yaml");

        Assert.Equal(exit, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal((action, reason, qty), (root.GetProperty("action").GetString(), root.GetProperty("reason").GetString(), root.GetProperty("qty").GetDouble()));
        Assert.Equal("capital-default", root.GetProperty("policy").GetProperty("capital").GetProperty("id").GetString());
        Assert.Equal("governance-default", root.GetProperty("policy").GetProperty("governance").GetProperty("id").GetString());
        Assert.Equal("maturity-default", root.GetProperty("policy").GetProperty("maturity").GetProperty("id").GetString());
        Assert.True(root.GetProperty("components").GetProperty("impact").TryGetProperty("tier", out _));
    }

    [Fact]
    public void Eval_WithGovernance_JudgesByBothGates()
    {
        var (code, output, _) = CliTests.Run("eval", "--policy", "rules/capital/default.yaml", "--governance", "rules/governance/default.yaml", Case(6));

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(("REDUCE_SIZE", 5.0), (json.RootElement.GetProperty("action").GetString(), json.RootElement.GetProperty("qty").GetDouble()));
        Assert.Equal("ALLOW", json.RootElement.GetProperty("capital").GetProperty("decision").GetString());
    }

    [Fact]
    public void Eval_ABadGovernanceBlock_IsOneLineAndExit2()
    {
        var path = Path.Combine(folder, "bad.json");
        File.WriteAllText(path, File.ReadAllText(Case(1)).Replace("\"level\": \"L4_autonomous\"", "\"level\": \"L7\"", StringComparison.Ordinal));

        var (code, output, error) = CliTests.Run("governance", "eval", path);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal($"rulesgate: {path}:1: governance.level: 'L7' is not a level; write one of L0_shadow, L1_paper, L2_gated, L3_constrained, L4_autonomous.", error.Trim());
    }

    [Fact]
    public void Outcomes_MoveTheLadder_AndShowSaysWhereEachStrategyIs()
    {
        Assert.Equal(0, CliTests.Run("workflow", "start", "--workflow", "maturity-ladder", "--subject", "meanrev", "--actor", "olga", "--journal", Journal).Exit);
        for (var week = 1; week <= 3; week++)
        {
            Assert.Equal(0, CliTests.Run("outcomes", "ingest", $"{Samples}outcomes-week{week}.jsonl", "--journal", Journal).Exit);
        }

        var (again, repeated, _) = CliTests.Run("outcomes", "ingest", $"{Samples}outcomes-week3.jsonl", "--journal", Journal);
        var (code, output, _) = CliTests.Run("governance", "show", "--strategy", "meanrev", "--journal", Journal, "--json");

        Assert.Equal(0, again);
        Assert.StartsWith("0 outcomes recorded, 100 already recorded.", repeated, StringComparison.Ordinal);
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(("L3_constrained", 0.25, 150), (json.RootElement.GetProperty("level").GetString(), json.RootElement.GetProperty("sizing_cap").GetDouble(), json.RootElement.GetProperty("figures").GetProperty("trades").GetInt32()));
    }

    [Fact]
    public void Outcomes_OfAStrategyWithoutALadder_StartItsLadderFirst_ThenMoveIt_WithNothingStartedByHand()
    {
        var (code, output, error) = CliTests.Run("outcomes", "ingest", $"{Samples}outcomes-week1.jsonl", "--journal", Journal);
        var (_, again, _) = CliTests.Run("outcomes", "ingest", $"{Samples}outcomes-week2.jsonl", "--journal", Journal);
        var (_, shown, _) = CliTests.Run("governance", "show", "--strategy", "trend", "--journal", Journal, "--json");

        Assert.True(code == 0, error);
        Assert.Contains("maturity-ladder:trend: started in L0_shadow (maturity-ladder@3 starts on this evidence)\n", output, StringComparison.Ordinal);
        Assert.Contains("maturity-ladder:trend: L0_shadow → L1_paper (evidence: gate promote passed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("started", again, StringComparison.Ordinal);     // one ladder per strategy: the second batch moves it on
        Assert.Contains("maturity-ladder:trend: L1_paper → L2_gated", again, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(shown);
        Assert.Equal("L2_gated", json.RootElement.GetProperty("level").GetString());
    }

    [Fact]
    public void Timeline_SaysWhatChangedForAStrategy_AsTheConsoleAndTheApiDo()
    {
        CliTests.Run("outcomes", "ingest", $"{Samples}outcomes-week1.jsonl", "--journal", Journal);

        var (code, text, error) = CliTests.Run("governance", "timeline", "--strategy", "trend", "--journal", Journal, "--days", "2");
        var (_, json, _) = CliTests.Run("governance", "timeline", "--strategy", "trend", "--journal", Journal, "--json");
        var (before, earlier, _) = CliTests.Run("governance", "timeline", "--strategy", "trend", "--journal", Journal, "--now", "2020-01-01T00:00:00Z");
        var (bad, _, why) = CliTests.Run("governance", "timeline", "--strategy", "trend", "--journal", Journal, "--days", "367");
        var (unknown, _, none) = CliTests.Run("governance", "timeline", "--strategy", "tend", "--journal", Journal);

        Assert.True(code == 0, error);
        Assert.Contains("  orders    none\n", text, StringComparison.Ordinal);      // outcomes are not orders
        Assert.Contains("maturity-ladder moved  L0_shadow → L1_paper  by trades evidence: gate promote passed under maturity-default@2#", text, StringComparison.Ordinal);
        using var timeline = JsonDocument.Parse(json);
        Assert.Equal("maturity-ladder moved", Assert.Single(timeline.RootElement.GetProperty("changes").EnumerateArray()).GetProperty("what").GetString());
        Assert.Equal(0, before);
        Assert.Contains("  changes   none", earlier, StringComparison.Ordinal);     // everything happened after the window
        Assert.Equal(2, bad);
        Assert.Contains("days: '367' is not a number of days; write one from 1 to 366.", why, StringComparison.Ordinal);
        Assert.Equal(2, unknown);     // as the API's 404: a typo'd strategy is no empty timeline
        Assert.Contains("There is no strategy 'tend'; did you mean 'trend'?", none, StringComparison.Ordinal);
    }

    [Fact]
    public void Outcomes_ThatLeaveALadderWhereItIs_SayWhy_AsDoesWorkflowShow()
    {
        // Ten trades: short of the file's 50, so the new ladder stays in L0_shadow, and says so in the file's words.
        var outcomes = Path.Combine(folder, "few.jsonl");
        File.WriteAllLines(outcomes, File.ReadLines(Path.Combine(CliTests.Root, Samples, "outcomes-week1.jsonl")).Where(line => line.Contains("\"trend\"", StringComparison.Ordinal)).Take(10));

        var (code, output, error) = CliTests.Run("outcomes", "ingest", outcomes, "--journal", Journal);
        var (_, shown, _) = CliTests.Run("workflow", "show", "--instance", "maturity-ladder:trend", "--journal", Journal);
        var (_, governance, _) = CliTests.Run("governance", "show", "--strategy", "trend", "--journal", Journal);
        var (_, json, _) = CliTests.Run("governance", "show", "--strategy", "trend", "--journal", Journal, "--json");

        Assert.True(code == 0, error);
        Assert.Contains("maturity-ladder:trend: stays in L0_shadow: 10 trades; 50 needed.", output, StringComparison.Ordinal);
        Assert.Contains("  not further up: 10 trades; 50 needed.", shown, StringComparison.Ordinal);
        Assert.Contains("  not up    10 trades; 50 needed.", governance, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(json);
        var next = report.RootElement.GetProperty("next");
        Assert.Equal(JsonValueKind.Null, next.GetProperty("level").ValueKind);
        Assert.Equal(["10 trades; 50 needed."], next.GetProperty("blockers").EnumerateArray().Select(blocker => blocker.GetString()));
    }

    [Fact]
    public void Evidence_OfAKindNoWorkflowStartsOn_StartsNothing()
    {
        var evidence = Path.Combine(folder, "scan.json");
        File.WriteAllText(evidence, """{"candidates": 3}""");

        var (code, output, error) = CliTests.Run("evidence", "submit", evidence, "--subject", "fresh", "--kind", "scan", "--journal", Journal);
        var (listed, instances, _) = CliTests.Run("workflow", "list", "--journal", Journal);

        Assert.True(code == 0, error);
        Assert.Equal("Evidence recorded; 0 instances moved.\n", output);
        Assert.Equal((0, "No instances.\n"), (listed, instances));
    }

    [Fact]
    public void Outcomes_AMalformedLine_IngestsNothing()
    {
        var path = Path.Combine(folder, "outcomes.jsonl");
        File.WriteAllLines(path, [File.ReadLines(Path.Combine(CliTests.Root, Samples, "outcomes-week1.jsonl")).First(), """{"outcome_id":"x","strategy_id":"trend","closed_at":"2026-11-02T15:00:00+02:00","r_multiple":1,"pnl":1}"""]);

        var (code, _, error) = CliTests.Run("outcomes", "ingest", path, "--journal", Journal);

        Assert.Equal(2, code);
        Assert.Contains($"{path}:2: outcome.closed_at: '2026-11-02T15:00:00+02:00' is not UTC", error, StringComparison.Ordinal);
        Assert.Contains("nothing of", error, StringComparison.Ordinal);
        var (unknown, _, why) = CliTests.Run("governance", "show", "--strategy", "breakout", "--journal", Journal);
        Assert.Equal(2, unknown);
        Assert.Equal("rulesgate: The journal knows no strategy 'breakout'; it has no standing, outcome, token or evidence of any.", why.Trim());
    }

    [Fact]
    public void Token_IssueListRevoke_NeverShowingTheSecretAgain()
    {
        var (issued, issue, _) = CliTests.Run("token", "issue", "--strategy", "breakout", "--symbol", "NVDA", "--max-qty", "50", "--actor", "Rhea", "--journal", Journal);
        var secret = issue.Split('\n').Single(line => line.StartsWith("secret ", StringComparison.Ordinal))["secret ".Length..].Trim();
        var id = issue.Split(' ')[1];

        var (_, list, _) = CliTests.Run("token", "list", "--strategy", "breakout", "--journal", Journal, "--json");
        var (neither, _, usage) = CliTests.Run("token", "revoke", "--strategy", "breakout", "--actor", "rhea", "--reason", "done", "--journal", Journal);
        var (revoked, revoke, _) = CliTests.Run("token", "revoke", "--strategy", "breakout", "--id", id, "--actor", "rhea", "--reason", "done", "--journal", Journal);

        Assert.Equal(0, issued);
        Assert.StartsWith("rgt_", secret, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);
        using (var json = JsonDocument.Parse(list))
        {
            var token = Assert.Single(json.RootElement.EnumerateArray().ToList());
            Assert.Equal((id, "NVDA", 50.0, "rhea"), (token.GetProperty("id").GetString(), token.GetProperty("symbol").GetString(), token.GetProperty("max_qty").GetDouble(), token.GetProperty("issued_by").GetString()));
        }

        Assert.Equal(2, neither);
        Assert.Contains("--id ID", usage, StringComparison.Ordinal);
        Assert.Equal((0, "1 token revoked."), (revoked, revoke.Trim()));
        Assert.Equal("No active tokens.", CliTests.Run("token", "list", "--strategy", "breakout", "--journal", Journal).Out.Trim());
    }

    [Fact]
    public void Canary_ThreeFailuresTripTheKillSwitch()
    {
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(0, CliTests.Run("canary", "report", "--component", "exchange", "--fail", "--journal", Journal).Exit);
        }

        var (code, output, _) = CliTests.Run("canary", "report", "--component", "exchange", "--fail", "--detail", "no heartbeat", "--journal", Journal);
        var (both, _, usage) = CliTests.Run("canary", "report", "--component", "exchange", "--fail", "--ok", "--journal", Journal);

        Assert.Equal(0, code);
        Assert.Contains("alert: Canary: exchange failed 3 checks; action kill", output, StringComparison.Ordinal);
        Assert.Contains("ACTIVE", CliTests.Run("killswitch", "status", "--journal", Journal).Out, StringComparison.Ordinal);
        Assert.Equal(2, both);
        Assert.Contains("exactly one of --ok and --fail", usage, StringComparison.Ordinal);
    }

    [Fact]
    public void Canary_Overdue_ASilentComponentFailsACheck_AndWithoutAnIntervalSaysWhyNot()
    {
        var policy = Path.Combine(folder, "governance.yaml");
        File.WriteAllText(policy, File.ReadAllText(Path.Combine(CliTests.Root, "rules", "governance", "default.yaml")).Replace("    failure_threshold: 3 ", "    report_every_seconds: 30\n    failure_threshold: 3 ", StringComparison.Ordinal));
        Assert.Equal(0, CliTests.Run("canary", "report", "--component", "exchange", "--ok", "--journal", Journal).Exit);
        var reported = CliTests.Run("journal", "show", "--journal", Journal).Out;
        Assert.Contains("canary.check", reported, StringComparison.Ordinal);

        var soon = CliTests.Run("canary", "overdue", "--policy", policy, "--journal", Journal);
        var (unwatched, _, why) = CliTests.Run("canary", "overdue", "--journal", Journal);

        Assert.Equal((0, "Every component that reported did so within its interval."), (soon.Exit, soon.Out.Trim()));
        Assert.Equal(2, unwatched);
        Assert.Contains("sets no canary.report_every_seconds", why, StringComparison.Ordinal);

        // Judged from an hour on: silent for longer than 30 s.
        var later = CliTests.Run("canary", "overdue", "--policy", policy, "--journal", Journal, "--now", TimeProvider.System.GetUtcNow().AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, later.Exit);
        Assert.Contains("exchange: silent; 1 consecutive failure (threshold 3).", later.Out, StringComparison.Ordinal);
    }

    /// <summary>The three sample strategies on their maturity ladders, after the four weeks of sample outcomes.</summary>
    private void FourWeeksOfOutcomes()
    {
        foreach (var strategy in new[] { "trend", "meanrev", "breakout" })
        {
            Assert.Equal(0, CliTests.Run("workflow", "start", "--workflow", "maturity-ladder", "--subject", strategy, "--actor", "olga", "--journal", Journal).Exit);
        }

        for (var week = 1; week <= 4; week++)
        {
            Assert.Equal(0, CliTests.Run("outcomes", "ingest", $"{Samples}outcomes-week{week}.jsonl", "--journal", Journal).Exit);
        }
    }

    [Fact]
    public void Run_WithGovernance_AnIntentMayCarryItsToken_AndAMalformedLineNeverJournalsIt()
    {
        FourWeeksOfOutcomes();

        var issue = CliTests.Run("token", "issue", "--strategy", "breakout", "--symbol", "NVDA", "--actor", "rhea", "--journal", Journal).Out;
        var secret = issue.Split('\n').Single(line => line.StartsWith("secret ", StringComparison.Ordinal))["secret ".Length..].Trim();
        var intents = Path.Combine(folder, "intents.jsonl");
        var lines = File.ReadAllLines(Path.Combine(CliTests.Root, Samples, "intents.jsonl"))
            // g-004 sells (the capital gate lets it reduce the position) and carries breakout's token.
            .Select(line => line.Contains("\"g-004\"", StringComparison.Ordinal) ? line.Replace("\"buy\"", "\"sell\"", StringComparison.Ordinal).Replace("\"limit_price\": null}", $"\"limit_price\": null, \"token\": \"{secret}\"}}", StringComparison.Ordinal) : line)
            .Append($$"""{"intent_id": "g-bad", "timestamp": "2026-11-30T14:30:06Z", "strategy_id": "breakout", "side": "sideways", "token": "{{secret}}"}""")
            .ToList();
        File.WriteAllLines(intents, lines);

        var (code, output, _) = CliTests.Run("run", "--policy", "rules/capital/default.yaml", intents, "--portfolio", Samples + "portfolio.json", "--market", Samples + "market.json",
            "--governance", "rules/governance/default.yaml", "--journal", Journal, "--out", folder);

        Assert.Equal(0, code);
        var decisions = File.ReadAllLines(Path.Combine(folder, "decisions.jsonl")).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var tokened = decisions.Single(decision => decision.GetProperty("intent_id").GetString() == "g-004");
        Assert.True(tokened.GetProperty("qty").GetDouble() > 0, tokened.GetRawText());            // its token let it go
        Assert.Equal("BLOCK", decisions.Single(decision => decision.GetProperty("intent_id").GetString() == "g-005").GetProperty("action").GetString());
        using var summary = JsonDocument.Parse(output);
        Assert.Equal(4, summary.RootElement.GetProperty("orders_submitted").GetInt32());
        var journaled = CliTests.Run("journal", "export", "--journal", Journal);
        Assert.DoesNotContain(secret, journaled.Out + File.ReadAllText(Path.Combine(folder, "decisions.jsonl")), StringComparison.Ordinal);
        Assert.Contains("[redacted]", journaled.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WithGovernance_SendsOnlyWhatBothGatesLetGo()
    {
        FourWeeksOfOutcomes();

        string[] stream = ["run", "--policy", "rules/capital/default.yaml", Samples + "intents.jsonl", "--portfolio", Samples + "portfolio.json", "--market", Samples + "market.json"];
        var (code, output, _) = CliTests.Run([.. stream, "--governance", "rules/governance/default.yaml", "--journal", Journal, "--out", folder]);
        var (alone, _, why) = CliTests.Run([.. stream, "--governance", "rules/governance/default.yaml"]);

        Assert.Equal(0, code);
        using var summary = JsonDocument.Parse(output);
        var governed = summary.RootElement.GetProperty("governed");
        Assert.Equal((1, 2, 4), (governed.GetProperty("ALLOW").GetInt32(), governed.GetProperty("REDUCE_SIZE").GetInt32(), governed.GetProperty("BLOCK").GetInt32()));
        Assert.Equal(3, summary.RootElement.GetProperty("orders_submitted").GetInt32());     // breakout has no token: none of its four goes
        var lines = File.ReadAllLines(Path.Combine(folder, "decisions.jsonl"));
        Assert.Equal(7, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(("ALLOW", "L4_autonomous"), (first.RootElement.GetProperty("action").GetString(), first.RootElement.GetProperty("components").GetProperty("maturity").GetProperty("level").GetString()));
        Assert.Equal(2, alone);
        Assert.Contains("give --journal too", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_Governed_ReportsBothGatesInOneRun()
    {
        var (code, output, _) = CliTests.Run("bench", "gate", "--policy", "rules/capital/default.yaml", "--governance", "rules/governance/default.yaml", Samples + "cases.jsonl", "--seconds", "0.2");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.True(json.RootElement.GetProperty("governed").GetProperty("decisions_per_second").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("capital").GetProperty("decisions_per_second").GetDouble() > 0);
        Assert.Equal(2, CliTests.Run("bench", "gate", "--policy", "rules/capital/default.yaml", "--governance", "rules/governance/default.yaml", Samples + "cases.jsonl", "--journal", Journal).Exit);
    }
}
