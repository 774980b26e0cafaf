namespace RulesGate.Cli.Tests;

/// <summary>Runs the real command in-process, from the repository root, on the shipped rules and samples, with the run's shared compiled cache.</summary>
public sealed class CliTests
{
    internal static readonly string Root = FindRoot();

    internal static (int Exit, string Out, string Err) Run(params string[] args) => RunWithInput(null, args);

    /// <summary>The command with <paramref name="input"/> (UTF-8) as its standard input; null: an input that must not be read.</summary>
    internal static (int Exit, string Out, string Err) RunWithInput(string? input, params string[] args) => RunIn(Root, input, args);

    /// <summary>The command run from <paramref name="folder"/>, with <paramref name="input"/> as its standard input.</summary>
    internal static (int Exit, string Out, string Err) RunIn(string folder, string? input, params string[] args)
    {
        Func<Stream> open = input is null
            ? () => throw new InvalidOperationException("the command read standard input, which this test gave none")
            : () => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(input));
        var output = new StringWriter();
        var error = new StringWriter();
        // The working folder is the process's: read, changed and restored by one command at a time, so a test that
        // runs in a folder of its own never leaves another test in it.
        lock (Root)
        {
            var previous = Directory.GetCurrentDirectory();
            Directory.SetCurrentDirectory(folder);
            try
            {
                // Blocking here, under the lock, keeps the folder the command's until it is done; the CLI awaits with ConfigureAwait(false) throughout.
                return (CliApp.RunAsync(args, output, error, input: open).GetAwaiter().GetResult(), output.ToString(), error.ToString());
            }
            finally
            {
                Directory.SetCurrentDirectory(previous);
            }
        }
    }

    [Fact]
    public void RulesCheck_Dash_ChecksTheRuleFileOnStandardInput()
    {
        var rules = File.ReadAllText(Path.Combine(Root, "rules", "capital", "default.yaml"));

        var clean = RunWithInput(rules, "rules", "check", "-");
        var broken = RunWithInput(rules.Replace("when: Execution.KillSwitchActive", "when: Execution.KillSwitchActiv", StringComparison.Ordinal), "rules", "check", "-");

        Assert.Equal((0, "1 file checked, no problems.\n"), (clean.Exit, clean.Out));
        Assert.Equal(2, broken.Exit);
        Assert.Matches(@"^<stdin>:\d+:\d+: error CS1061: rules\[\d+\]\.when: Execution has no 'KillSwitchActiv'\. Did you mean 'KillSwitchActive'\?", broken.Err);
    }

    [Fact]
    public void RulesCheck_ShippedRules_ExitsZero()
    {
        var (exit, output, _) = Run("rules", "check", "rules");

        Assert.Equal(0, exit);
        Assert.Contains("no problems", output);
    }

    [Fact]
    public void RulesCheck_BrokenFile_PrintsCaretDiagnosticsAndExitsTwo()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rulesgate-bad-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, File.ReadAllText(Path.Combine(Root, "rules/capital/default.yaml")).Replace("when: Execution.KillSwitchActive", "when: Execution.KillSwitchActiv", StringComparison.Ordinal));
        try
        {
            var (exit, _, error) = Run("rules", "check", path);

            Assert.Equal(2, exit);
            Assert.Contains(":50:21: error CS1061: rules[1].when:", error);
            Assert.Contains("Did you mean 'KillSwitchActive'?", error);
            Assert.Contains($" |{new string(' ', 21)}{new string('^', 15)}\n", error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RulesTest_ShippedTests_AllPassAndEndWithTheTally()
    {
        var (exit, output, _) = Run("rules", "test");

        Assert.Equal(0, exit);
        Assert.Matches(@"\n(\d+) passed, 0 failed\.\s*$", output);
    }

    [Theory]
    [InlineData("rules/tests/")]
    [InlineData("rules/tests")]
    [InlineData("rules")]
    [InlineData("rules/")]
    public void RulesTest_FolderWithOrWithoutTrailingSlash_RunsEveryCase(string path)
    {
        var all = Run("rules", "test");
        var named = Run("rules", "test", path);

        Assert.Equal(0, named.Exit);
        var tally = Assert.Single(System.Text.RegularExpressions.Regex.Matches(named.Out, @"(\d+) passed, 0 failed\.")).Groups[1].Value;
        Assert.True(int.Parse(tally, System.Globalization.CultureInfo.InvariantCulture) >= 50, named.Out);
        Assert.EndsWith($"{tally} passed, 0 failed.", all.Out.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void RulesTest_FolderOfAnyName_RunsTheRuleTestsInIt()
    {
        var folder = Directory.CreateTempSubdirectory("rulesgate-checks-").FullName;
        try
        {
            var text = File.ReadAllText(Path.Combine(Root, "rules/tests/capital-default.yaml"))
                .Replace("rules: ../capital/default.yaml", $"rules: {Path.Combine(Root, "rules/capital/default.yaml")}", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(folder, "desk.yaml"), text);

            var (exit, output, _) = Run("rules", "test", folder + Path.DirectorySeparatorChar);

            Assert.Equal(0, exit);
            Assert.Matches(@"\n([1-9]\d*) passed, 0 failed\.\s*$", output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("samples")]
    [InlineData("rules/capital")]
    public void RulesTest_NothingFound_ExitsTwoAndSaysWhereItLooked(string path)
    {
        var (exit, output, error) = Run("rules", "test", path);

        Assert.Equal(2, exit);
        Assert.DoesNotContain("passed", output, StringComparison.Ordinal);
        Assert.Equal($"rulesgate: {path}: no rule test found (looked for *.yaml files in a tests/ folder or of kind RuleTests below it). Name a rule-test file or a folder that holds some.", error.Trim());
    }

    [Fact]
    public void RulesHash_PrintsIdentityAndFullHash()
    {
        var (exit, output, _) = Run("rules", "hash", "rules/capital/default.yaml");
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(Root, "rules/capital/default.yaml"))));

        Assert.Equal(0, exit);
        Assert.Equal($"capital-default@1#{expected[..12]}\nsha256:{expected}\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void RulesExplain_SampleRequest_ShowsOperandValues()
    {
        var (exit, output, _) = Run("rules", "explain", "rules/capital/default.yaml", "samples/request-oversized-buy.json");

        Assert.Equal(0, exit);
        Assert.Contains("EXP-001  FIRED\n  Metrics.NewPositionPct = 0.4 (40%) > Params.Exposure.MaxPositionPct = 0.1 (10%) → true", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Demo_LoadsRulesAndRunsTheirTests()
    {
        var (exit, output, _) = Run("demo");

        Assert.Equal(0, exit);
        Assert.Matches(@"capital-default@1#[0-9a-f]{12}\s+CapitalPolicy\s+9 rules", output);
        Assert.Matches(@"Rule tests: \d+ passed, 0 failed", output);
        Assert.Matches(@"i-002\s+momentum\s+buy 150 NVDA\s+MODIFY\s+EXP-001\s+qty -> 108\.22488287", output);
        Assert.Contains("[kill switch tripped]", output, StringComparison.Ordinal);
        Assert.Contains("\"total_intents\": 20", output, StringComparison.Ordinal);
        Assert.Contains("Journal verified: 23 events, every link holds, every projection matches.", output, StringComparison.Ordinal);
        Assert.Contains("Replay: 20 decisions re-evaluated with the recorded rule file, 0 mismatches.", output, StringComparison.Ordinal);
        Assert.Matches(@"alpha-trade-promotion@1#[0-9a-f]{12}\s+PromotionGate\s+20 rules", output);
        Assert.Contains("(211 diary entries) judged by alpha-trade-promotion@1#", output, StringComparison.Ordinal);
        Assert.Contains("beta-meanrev: current experiment (declared experiment, audit experiment) → recommended paper", output, StringComparison.Ordinal);
        Assert.Contains("Promoted alpha-momentum to paper with approvals [] and evidence dd-am-exp; current stage paper.", output, StringComparison.Ordinal);
        Assert.Contains("Journal verified: 237 events, every link holds, every projection matches.", output, StringComparison.Ordinal);
        Assert.Contains("| promotion | `alpha-momentum` | `experiment → paper` | `demo` | `approvals none; evidence dd-am-exp` |", output, StringComparison.Ordinal);
        Assert.Matches(@"\| rule bundle \| `policygate-policy@1#[0-9a-f]{12}` \| `first decision` \|", output);
        Assert.StartsWith("# Promotion: `alpha-momentum` → paper", File.ReadAllText(Path.Combine(Root, "artifacts", "demo", "alpha-momentum-paper.md")), StringComparison.Ordinal);
        Assert.Matches(@"live_check\s+→ limited_live\s+evidence\s+by diary evidence: gate limited_live passed", output);
        Assert.Contains("Ledger: alpha-momentum is at limited_live.", output, StringComparison.Ordinal);
        Assert.Contains("    pilot --> live_check : approved by 2 of risk + compliance\n", output, StringComparison.Ordinal);
        Assert.Contains("Journal verified: 278 events, every link holds, every projection matches.", output, StringComparison.Ordinal);

        // One strategy's story through its one standing: every view agrees at every step, and it ends back at paper.
        var story = output[output.IndexOf("One standing: trend", StringComparison.Ordinal)..];
        story = story[..story.IndexOf("Journal verified", StringComparison.Ordinal)];
        Assert.Equal(11, System.Text.RegularExpressions.Regex.Count(story, "governance show, the API, the console and the gate agree"));
        Assert.DoesNotContain("DISAGREE", story, StringComparison.Ordinal);
        Assert.Contains("two signed votes: live-pipeline → L6_live; the standing file starts maturity-ladder:trend", story, StringComparison.Ordinal);
        Assert.Contains("cap in force 0.25 (maturity-ladder at L3_constrained)", story, StringComparison.Ordinal);
        Assert.Contains("cap in force 0 (live-pipeline at L5_paper: it trades only in L6_live)", story, StringComparison.Ordinal);
        Assert.Contains("by approval: rhea (risk), carla (compliance)", story, StringComparison.Ordinal);

        // The changelog misses nothing compliance looks for: the demotion names the alert behind it, the go-live its approvers,
        // every config patch and rule change what became of it and who approved it.
        Core.Reports.ChangeRow Row(string journal, Func<Core.Reports.ChangeRow, bool> which)
        {
            using var store = Storage.Sqlite.SqliteJournal.Open(Path.Combine(Root, "artifacts", journal), readOnly: true);
            return Assert.Single(Core.Reports.GovernanceDocuments.ChangelogOf(store).Changes, row => which(row));
        }

        var demotion = Row("demo-story.db", row => row.What == "live-pipeline demotion");
        Assert.Equal(("trend", "L6_live → L5_paper"), (demotion.Subject, demotion.Change));
        Assert.Contains("on evidence incident {\"severity\":\"critical\",\"what\":\"order router sent a duplicate fill report", demotion.Why, StringComparison.Ordinal);
        Assert.Equal("rhea, carla", Row("demo-story.db", row => row.What == "live-pipeline approved" && row.Change == "L6_review → L6_live").Actor);
        Assert.Equal(("raj", "7 applied, 2 skipped"), Row(Path.Combine("demo", "patches", "journal.db"), row => row.What == "config patches approved") is var settled ? (settled.Actor, settled.Change) : default);
        Assert.Equal("olga", Row(Path.Combine("demo", "rule-change", "journal.db"), row => row.What == "rule change proposed").Actor);
        Assert.Equal("rhea, raj", Row(Path.Combine("demo", "rule-change", "journal.db"), row => row.What == "rule change approved").Actor);
        Row(Path.Combine("demo", "rule-change", "journal.db"), row => row.What == "rule change live");

        // Every event the demo's journals hold is of a type the catalogue lists (docs/journal-events.md).
        var journals = Directory.GetFiles(Path.Combine(Root, "artifacts"), "demo*.db").Concat(Directory.GetFiles(Path.Combine(Root, "artifacts", "demo"), "*.db", SearchOption.AllDirectories));
        foreach (var journal in journals)
        {
            using var store = Storage.Sqlite.SqliteJournal.Open(journal, readOnly: true);
            Assert.All(store.Read().Select(e => e.Type).Distinct(), type => Assert.True(Core.Journal.EventTypes.Known(type), $"{journal}: {type} is not in EventTypes"));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void MissingFile_IsOneLineOnStderrAndExitTwo()
    {
        var (exit, _, error) = Run("rules", "hash", "rules/nope.yaml");

        Assert.Equal(2, exit);
        Assert.Equal("rulesgate: rules/nope.yaml: no such file or folder.\n", error.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("README.md", "--cache README.md: a file, not a folder")]
    [InlineData("/proc/nope", "--cache /proc/nope: the folder cannot be made")]
    public void Cache_ThatCannotBeOne_IsAnError_NotIgnored(string cache, string said)
    {
        var (exit, output, error) = Run("rules", "check", "rules/capital/default.yaml", "--cache", cache);

        Assert.Equal((2, ""), (exit, output));
        Assert.StartsWith($"rulesgate: {said}", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void RuleTest_ExpectingARuleThatDoesNotExist_FailsCheckAndTest()
    {
        var folder = Directory.CreateTempSubdirectory("rulesgate-tests-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "tests"));
            File.WriteAllText(Path.Combine(folder, "tests", "typo.yaml"), $$"""
                apiVersion: rulesgate/v1
                kind: RuleTests
                metadata: { id: typo-tests }
                rules: {{Path.Combine(Root, "rules", "capital", "default.yaml")}}
                cases:
                  - name: a typo in the rule id
                    context:
                      intent: { intent_id: t-1, timestamp: "2026-01-15T15:30:00Z", strategy_id: trend, account_id: acct-1, instrument: { symbol: MSFT, asset_class: equity }, side: buy, order_type: market, qty: 10 }
                      portfolio: { equity: 100000, start_of_day_equity: 100000, peak_equity: 100000, positions: { MSFT: 0 } }
                      market: { timestamp: "2026-01-15T15:29:58Z", prices: { MSFT: 400 } }
                    expect: { fired: [EXP-00l] }
                """);

            var check = Run("rules", "check", folder);
            var test = Run("rules", "test", Path.Combine(folder, "tests"));

            Assert.Equal(2, check.Exit);
            Assert.Contains("typo.yaml:6:5: error RG1005: case 'a typo in the rule id': expects rule EXP-00l, which capital-default@1 does not have; did you mean EXP-001?", check.Err, StringComparison.Ordinal);
            Assert.Equal(1, test.Exit);
            Assert.Contains("expects rule EXP-00l", test.Out + test.Err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void RulesCheck_ARuleTestFileAnywhere_IsCheckedAsOne()
    {
        var folder = Directory.CreateTempSubdirectory("rulesgate-kinds-").FullName;
        try
        {
            var text = File.ReadAllText(Path.Combine(Root, "rules", "tests", "capital-default.yaml"))
                .Replace("rules: ../capital/default.yaml", $"rules: {Path.Combine(Root, "rules/capital/default.yaml")}", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(folder, "elsewhere.yaml"), text);

            var inFolder = Run("rules", "check", folder);
            var alone = Run("rules", "check", Path.Combine(folder, "elsewhere.yaml"));
            var named = Run("rules", "check", "rules/tests/capital-default.yaml");

            Assert.Equal((0, "1 file checked, no problems.\n"), (inFolder.Exit, inFolder.Out));
            Assert.Equal((0, "1 file checked, no problems.\n"), (alone.Exit, alone.Out));
            Assert.Equal((0, "1 file checked, no problems.\n"), (named.Exit, named.Out));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RulesGate.sln")))
        {
            directory = directory.Parent;
        }

        return directory!.FullName;
    }
}
