using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>The promotion commands end to end on the sample diary: ingest, assess, promote, ledger show.</summary>
public sealed class PromotionCliTests : IDisposable
{
    private const string SampleDiary = "samples/promotion/diary.jsonl";

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-cli-").FullName;

    private string Journal => Path.Combine(folder, "journal.db");

    public PromotionCliTests() => SqliteJournal.Create(Journal).Dispose();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private string Log => Path.Combine(folder, "promotions.log");

    /// <summary>Runs against this test's journal; promote and assess also log into this test's folder.</summary>
    private (int Exit, string Output, string Error) Run(params string[] args) =>
        CliTests.Run([.. args, "--journal", Journal, .. args[0] is "promote" ? ["--log", Log] : Array.Empty<string>()]);

    private JsonElement Assess(string policy, params string[] extra)
    {
        var (exit, output, error) = Run(["assess", "--policy-id", policy, "--json", .. extra]);
        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.Clone();
    }

    [Fact]
    public void DiaryIngest_TwiceAddsOnce()
    {
        var first = Run("diary", "ingest", SampleDiary);
        var second = Run("diary", "ingest", SampleDiary);

        Assert.Equal((0, "211 diary entries added, 0 already recorded.\n"), (first.Exit, first.Output));
        Assert.Equal((0, "0 diary entries added, 211 already recorded.\n"), (second.Exit, second.Output));
    }

    [Fact]
    public void UnknownPolicies_AreErrors_WithTheClosestKnownOne()
    {
        Run("diary", "ingest", SampleDiary);

        var assess = Run("assess", "--policy-id", "alpha-momentun");
        var nothing = Run("assess", "--policy-id", "nonexistent");
        var ledger = Run("ledger", "show", "--policy-id", "alpha-momentum");

        Assert.Equal((2, ""), (assess.Exit, assess.Output));
        Assert.Contains("There is no policy 'alpha-momentun'; did you mean 'alpha-momentum'?", assess.Error, StringComparison.Ordinal);
        Assert.Equal(2, nothing.Exit);
        Assert.Contains("There is no policy 'nonexistent'; the journal has alpha-momentum, beta-meanrev.", nothing.Error, StringComparison.Ordinal);
        Assert.Equal((2, ""), (ledger.Exit, ledger.Output));   // a diary, but no ledger record: nothing is invented
        Assert.Contains("There is no ledger record of policy 'alpha-momentum': the journal has none yet.", ledger.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Promote_AChecklistStatusThatIsNone_IsRefused_AndNothingIsWritten()
    {
        Run("diary", "ingest", SampleDiary);
        var (exit, output, error) = Run("promote", "--policy-id", "alpha-momentum", "--stage", "paper", "--checklist", "risk_audit=bogus", "--actor", "ops");

        Assert.Equal((2, ""), (exit, output));
        Assert.Contains("checklist risk_audit: 'bogus' is not a status; write one of done, passed", error, StringComparison.Ordinal);
        Assert.Equal(2, Run("ledger", "show", "--policy-id", "alpha-momentum").Exit);
    }

    [Fact]
    public void DiaryIngest_MalformedLine_NamesItAndAppliesNothing()
    {
        var file = Path.Combine(folder, "diary.jsonl");
        var lines = File.ReadAllLines(Path.Combine(CliTests.Root, SampleDiary)).Take(5).ToList();
        lines[3] = System.Text.RegularExpressions.Regex.Replace(lines[3], "\"severity\":\"[a-z]+\"", "\"severity\":\"calm\"");
        File.WriteAllLines(file, lines);

        var (exit, _, error) = Run("diary", "ingest", file);

        Assert.Equal(2, exit);
        Assert.Contains($"{file}:4: entry.severity: 'calm' is not one of normal, warn, alert.", error, StringComparison.Ordinal);
        using var store = SqliteJournal.Create(Journal);
        Assert.Empty(store.Read());
    }

    [Fact]
    public void Assess_SampleDiary_BlockersAndRecommendations()
    {
        Run("diary", "ingest", SampleDiary);

        var alpha = Assess("alpha-momentum");
        var beta = Assess("beta-meanrev");

        Assert.Equal(("experiment", "pilot"), (alpha.GetProperty("current_stage").GetString(), alpha.GetProperty("recommended_stage").GetString()));
        Assert.Equal("approvals_required:2_have:0", alpha.GetProperty("stage_blockers").GetProperty("limited_live")[0].GetString());
        Assert.Equal("paper", beta.GetProperty("recommended_stage").GetString());
        Assert.Equal(
            ["paper_stage_alerts_present:1", "paper_warn_ratio_exceeds:0.22>0.20", "paper_normal_streak_below:3/8"],
            beta.GetProperty("stage_blockers").GetProperty("pilot").EnumerateArray().Select(b => b.GetString()));
        Assert.Equal(136, alpha.GetProperty("metrics").GetProperty("total").GetInt32());
    }

    [Fact]
    public void Assess_AsOfWindow_SeesOnlyEntriesBeforeIt()
    {
        Run("diary", "ingest", SampleDiary);

        var early = Assess("alpha-momentum", "--as-of", "2026-09-05T00:00:00Z");

        Assert.Equal("experiment", early.GetProperty("metrics").GetProperty("latest_stage").GetString());
        Assert.Equal("experiment", early.GetProperty("recommended_stage").GetString());
    }

    [Fact]
    public void Promote_NamingEvidenceTheJournalDoesNotHold_IsRefused_AndWritesNothing()
    {
        Run("diary", "ingest", SampleDiary);

        var madeUp = Run("promote", "--policy-id", "alpha-momentum", "--stage", "paper", "--evidence-id", "whatever", "--actor", "mallory");
        var others = Run("promote", "--policy-id", "alpha-momentum", "--stage", "paper", "--evidence-id", "dd-bm-exp", "--actor", "mallory");

        Assert.Equal(1, madeUp.Exit);
        Assert.StartsWith("Refused: The journal holds no evidence 'whatever' about alpha-momentum: no diary entry of it names that evidence id", madeUp.Output, StringComparison.Ordinal);
        Assert.Equal(1, others.Exit);     // beta-momentum's evidence is not alpha-momentum's
        Assert.Contains("'dd-bm-exp'", others.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("alpha-momentum", Run("ledger", "show").Output, StringComparison.Ordinal);     // no ledger record was written
        Assert.Equal(0, Run("promote", "--policy-id", "alpha-momentum", "--stage", "paper", "--evidence-id", "dd-am-exp", "--actor", "ops").Exit);
        Assert.Contains("alpha-momentum", Run("ledger", "show").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Promote_StandsOnVotes_ThenAssessApply_ClimbsToLimitedLiveAndRecordsWhoDidWhat()
    {
        Run("diary", "ingest", SampleDiary);

        // A role typed on the command line is no approval: nobody has voted yet.
        var refused = Run("promote", "--policy-id", "alpha-momentum", "--stage", "pilot", "--approval", "risk", "--actor", "ops");
        Assert.Equal(1, refused.Exit);
        Assert.StartsWith("Refused: No one holding risk has voted on a workflow about alpha-momentum, so 'risk' is no approval", refused.Output, StringComparison.Ordinal);

        // The votes are cast on the promotion workflow: started on the diary at paper, clean diary evidence brings it to review.
        var clean = Path.Combine(folder, "clean.json");
        File.WriteAllText(clean, """{"added":5,"alerts":0}""");
        Assert.Equal(0, Run("workflow", "start", "--workflow", "alpha-trade-promotion", "--subject", "alpha-momentum", "--actor", "olga").Exit);
        Assert.Equal(0, Run("evidence", "submit", "--subject", "alpha-momentum", "--kind", "diary", clean).Exit);
        foreach (var (person, role) in new[] { ("rhea", "risk"), ("raj", "risk"), ("carla", "compliance") })
        {
            var vote = Run(["workflow", "approve", "--instance", "alpha-trade-promotion:alpha-momentum", "--actor", person, "--role", role, "--reason", "reviewed", .. Signers.As(person)]);
            Assert.True(vote.Exit == 0, vote.Error);
        }

        // The promotion approves a policy delta: its candidate rule file is made and proposed, the governed way.
        var delta = Path.Combine(folder, "delta.json");
        File.WriteAllText(delta, """{"rules_file": "rules/capital/default.yaml", "set": {"exposure.max_position_pct": 0.05}}""");
        var completed = Run("promote", "--policy-id", "alpha-momentum", "--stage", "pilot", "--evidence-id", "dd-am-paper", "--approval", "compliance", "--actor", "ops",
            "--checklist", "oos_regime_grid=done", "--checklist", "leakage_checks=passed", "--checklist", "risk_audit=ok", "--policy-delta", delta);
        Assert.True(completed.Exit == 0, completed.Output + completed.Error);
        Assert.Contains("wrote the candidate capital-default@2#", completed.Output, StringComparison.Ordinal);
        Assert.Matches(@"proposed as rule-change:capital-default@2-\w{12}, requested by ops", completed.Output);
        // Assessed before anyone votes: no decision in this journal (the impact is unknown, and says so), a diff that finds where 10% became 5%.
        Assert.Contains("impact: no decision of capital-default journaled in the 7 days before it, so none to judge; diff: ", completed.Output, StringComparison.Ordinal);
        var checklist = Regex.Match(completed.Output, @"its checklist: (\S+)").Groups[1].Value;
        Assert.Contains("the impact on history is unknown, not nil", File.ReadAllText(Path.Combine(CliTests.Root, checklist)), StringComparison.Ordinal);
        var subject = Regex.Match(completed.Output, @"rule-change:(\S+),").Groups[1].Value;
        var shown = Run("workflow", "show", "--instance", $"rule-change:{subject}");
        Assert.Contains($"  impact: no decision of capital-default", shown.Output, StringComparison.Ordinal);
        Assert.Contains($"; checklist {checklist}", shown.Output, StringComparison.Ordinal);
        using (var store = SqliteJournal.Open(Journal, readOnly: true))
        {
            var proposed = JsonDocument.Parse(Assert.Single(store.Read(type: EventTypes.RulesProposed)).Payload).RootElement;
            Assert.Equal(("ops", "proposed"), (proposed.GetProperty("requester").GetString(), proposed.GetProperty("status").GetString()));
        }

        var applied = Assess("alpha-momentum", "--apply");
        var (_, ledger, _) = Run("ledger", "show", "--policy-id", "alpha-momentum", "--json");

        Assert.Equal("limited_live", applied.GetProperty("applied_stage").GetString());
        Assert.Equal("limited_live", applied.GetProperty("workflow").GetProperty("state").GetString());
        using var record = JsonDocument.Parse(ledger);
        Assert.Equal("limited_live", record.RootElement.GetProperty("declared_stage").GetString());
        Assert.Equal(
            [("workflow alpha-trade-promotion:alpha-momentum", "experiment", "paper"), ("workflow alpha-trade-promotion:alpha-momentum", "paper", "pilot"), ("workflow alpha-trade-promotion:alpha-momentum", "pilot", "pilot"), ("ops", "pilot", "pilot"), ("workflow alpha-trade-promotion:alpha-momentum", "pilot", "limited_live")],     // assess handed it over; the workflow recorded it
            record.RootElement.GetProperty("history").EnumerateArray().Select(t => (t.GetProperty("actor").GetString(), t.GetProperty("from").GetString(), t.GetProperty("to").GetString())));
        Assert.Equal(0, Run("journal", "verify").Exit);
    }

    [Fact]
    public void StrategySetStatus_RefusesWithTheBlockerThenAllowsOnceTheLedgerIsAtPaper()
    {
        Run("diary", "ingest", SampleDiary);
        string[] setStatus = ["strategy", "set-status", "--strategy", "am-eq", "--policy-id", "alpha-momentum", "--status", "approved", "--actor", "ops"];

        var refused = Run(setStatus);
        Run("promote", "--policy-id", "alpha-momentum", "--stage", "paper", "--evidence-id", "dd-am-paper");
        var allowed = Run(setStatus);

        Assert.Equal(1, refused.Exit);
        Assert.StartsWith("Refused: am-eq cannot become approved: policy alpha-momentum is at experiment in the ledger and approved needs paper.", refused.Output, StringComparison.Ordinal);
        Assert.Equal((0, "am-eq is now approved.\n"), (allowed.Exit, allowed.Output));
    }

    [Fact]
    public void WorkflowCheckAndDiagram_OnTheShippedDefinitions()
    {
        var (exit, output, _) = CliTests.Run("workflow", "check");
        var (dotExit, dot, _) = CliTests.Run("workflow", "diagram", "workflows/maturity-ladder.yaml", "--format", "dot");
        var broken = Path.Combine(folder, "broken.yaml");
        File.WriteAllText(broken, File.ReadAllText(Path.Combine(CliTests.Root, "workflows", "live-pipeline.yaml")).Replace("to: L1_data_prep\n", "to: L1_data_prp\n", StringComparison.Ordinal));
        var (brokenExit, _, error) = CliTests.Run("workflow", "check", broken);

        Assert.Equal(0, exit);
        Assert.EndsWith("6 workflows checked, no problems.\n", output, StringComparison.Ordinal);
        Assert.Contains("standing                                 policy: alpha-trade-promotion; strategy: live-pipeline, maturity-ladder  workflows/standing.yaml", output, StringComparison.Ordinal);
        Assert.Equal(0, dotExit);
        Assert.Contains("\"L2_gated\" [label=\"L2_gated\\nsizing_cap = 0.1\"];", dot, StringComparison.Ordinal);
        Assert.Equal(2, brokenExit);
        Assert.Contains("error RG1005: states.L0_discovery.on_evidence[0].to: 'L1_data_prp' is not a state of this workflow. Did you mean 'L1_data_prep'?", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Promote_SummaryPathAndChangelog_RenderTheTemplates()
    {
        var summary = Path.Combine(folder, "alpha-paper.md");
        var changelog = Path.Combine(folder, "changelog.md");
        Run("diary", "ingest", SampleDiary);

        Assert.Equal(0, Run("promote", "--policy-id", "alpha-momentum", "--stage", "paper", "--evidence-id", "dd-am-exp", "--actor", "ops", "--summary-path", summary).Exit);
        var (exit, output, _) = Run("changelog", "--out", changelog);

        Assert.Contains("# Promotion: `alpha-momentum` → paper", File.ReadAllText(summary), StringComparison.Ordinal);
        Assert.Equal((0, $"Changelog written to {changelog}.\n"), (exit, output));
        Assert.Contains("| promotion | `alpha-momentum` | `experiment → paper` | `ops` | `approvals none; evidence dd-am-exp` |", File.ReadAllText(changelog), StringComparison.Ordinal);
    }
}
