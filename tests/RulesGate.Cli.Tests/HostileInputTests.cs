using System.Text.Json;
using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>Hostile or careless input at the command line: one line on stderr, exit 2, nothing applied, never a stack trace.</summary>
public sealed class HostileInputTests : IDisposable
{
    private const string Samples = "samples/capital/";

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-cli-").FullName;

    public HostileInputTests() => SqliteJournal.Create(Journal).Dispose();

    private string Journal => Path.Combine(folder, "journal.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static void AssertOneLineError((int Exit, string Out, string Err) result, params string[] mentions)
    {
        Assert.Equal(2, result.Exit);
        var line = Assert.Single(result.Err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("rulesgate: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
        foreach (var mention in mentions)
        {
            Assert.Contains(mention, line, StringComparison.Ordinal);
        }
    }

    private static string Request() => File.ReadAllText(Path.Combine(CliTests.Root, "samples", "request-oversized-buy.json"));

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("\\udfff")]
    [InlineData("MS\\ud83dFT")]
    public void Eval_LoneSurrogateEscape_IsRefusedNamingWhere(string symbol)
    {
        var request = Write("request.json", Request().Replace("\"MSFT\"", $"\"{symbol}\"", StringComparison.Ordinal));

        var result = CliTests.Run("eval", "--policy", "rules/capital/default.yaml", request);

        AssertOneLineError(result, request + ":", "escapes half a character");
    }

    [Theory]
    [InlineData("1e300")]
    [InlineData("-1e16")]
    [InlineData("1.7976931348623157e308")]
    public void OutcomesIngest_NumberOutsideTheDomain_IsRefusedNamingTheField(string number)
    {
        var outcomes = Write("outcomes.jsonl", $"{{\"outcome_id\": \"x-1\", \"strategy_id\": \"breakout\", \"closed_at\": \"2026-11-02T14:00:00Z\", \"r_multiple\": {number}, \"pnl\": 800.0}}\n");

        var (exit, _, error) = CliTests.Run("outcomes", "ingest", outcomes, "--journal", Journal);

        Assert.Equal(2, exit);
        Assert.StartsWith($"{outcomes}:1: outcome.r_multiple: {number} is outside what RulesGate computes with; write a number from -1e15 to 1e15.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", error, StringComparison.Ordinal);
        using var store = SqliteJournal.Open(Journal);
        Assert.Equal(0, store.LastSeq());
    }

    [Theory]
    [InlineData("\"qty\": 100", "\"qty\": 1, \"qty\": 100000")]
    [InlineData("\"symbol\": \"MSFT\"", "\"symbol\": \"MSFT\", \"symbol\": \"AAPL\"")]
    [InlineData("\"kill_switch_active\": false", "\"kill_switch_active\": true, \"kill_switch_active\": false")]
    [InlineData("\"equity\": 100000", "\"equity\": 100000, \"equity\": 1e12")]
    public void Eval_DuplicateKeyInTheRequest_IsRefusedNamingTheKeyAndLine(string original, string duplicated)
    {
        var text = Request();
        Assert.Contains(original, text, StringComparison.Ordinal);
        var request = Write("request.json", text.Replace(original, duplicated, StringComparison.Ordinal));

        var result = CliTests.Run("eval", "--policy", "rules/capital/default.yaml", request);

        AssertOneLineError(result, request + ":", $"the key '{duplicated.Split('"')[1]}' is written twice", "write each key once");
    }

    [Fact]
    public void Inputs_DuplicateKeys_AreRefusedInStateDiaryEvidenceAndSignals()
    {
        var portfolio = Write("portfolio.json", """{"equity": 1, "equity": 2, "start_of_day_equity": 1, "peak_equity": 1, "positions": {}, "realized_pnl_today": 0, "unrealized_pnl": 0}""");
        AssertOneLineError(CliTests.Run("run", "--policy", "rules/capital/default.yaml", Samples + "intents.jsonl", "--portfolio", portfolio, "--market", Samples + "market.json"), "portfolio.json:1:", "equity");

        var diary = Write("diary.jsonl", File.ReadLines(Path.Combine(CliTests.Root, "samples", "promotion", "diary.jsonl")).First().Replace("\"forced\":false", "\"forced\":false,\"forced\":true", StringComparison.Ordinal) + "\n");
        var ingest = CliTests.Run("diary", "ingest", diary, "--journal", Journal);
        Assert.Equal(2, ingest.Exit);
        Assert.Contains("diary.jsonl:1:", ingest.Err, StringComparison.Ordinal);
        Assert.Contains("forced", ingest.Err, StringComparison.Ordinal);

        var evidence = Write("evidence.json", """{"trades": 50, "trades": 5}""");
        AssertOneLineError(CliTests.Run("evidence", "submit", "--subject", "s-1", "--kind", "trades", evidence, "--journal", Journal), "evidence.json:1:", "trades");

        var signals = Write("signals.jsonl", """{"signal":"tick","signal":"start","now":"2026-01-01T00:00:00Z"}""" + "\n");
        AssertOneLineError(CliTests.Run("workflow", "signals", signals, "--journal", Journal), "signals.jsonl:1:", "signal");
    }

    [Fact]
    public void Inputs_InvalidUtf8_IsRefusedNamingTheLine()
    {
        var path = Path.Combine(folder, "intent.json");
        var bytes = File.ReadAllBytes(Path.Combine(CliTests.Root, "samples", "request-oversized-buy.json"));
        var at = Array.IndexOf(bytes, (byte)'M');
        bytes[at] = 0xC3;
        File.WriteAllBytes(path, bytes);

        AssertOneLineError(CliTests.Run("eval", "--policy", "rules/capital/default.yaml", path), path + ":", "not valid UTF-8");

        var diary = Path.Combine(folder, "diary.jsonl");
        File.WriteAllBytes(diary, [.. File.ReadAllBytes(Path.Combine(CliTests.Root, "samples", "promotion", "diary.jsonl")).Take(400), 0xFF, (byte)'\n']);
        var ingest = CliTests.Run("diary", "ingest", diary, "--journal", Journal);
        Assert.Equal(2, ingest.Exit);
        Assert.Contains("not valid UTF-8", ingest.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void DiaryIngest_RecordedIdWithOtherContent_IsAConflictAndNothingIsApplied()
    {
        var first = File.ReadLines(Path.Combine(CliTests.Root, "samples", "promotion", "diary.jsonl")).Take(2).ToArray();
        Assert.Equal(0, CliTests.Run("diary", "ingest", Write("a.jsonl", first[0] + "\n"), "--journal", Journal).Exit);

        Assert.Equal(0, CliTests.Run("diary", "ingest", Write("same.jsonl", first[0] + "\n"), "--journal", Journal).Exit);
        var changed = first[0].Replace("\"severity\":\"normal\"", "\"severity\":\"alert\"", StringComparison.Ordinal);
        Assert.NotEqual(first[0], changed);
        var conflict = CliTests.Run("diary", "ingest", Write("b.jsonl", first[1] + "\n" + changed + "\n"), "--journal", Journal);

        AssertOneLineError(conflict, "am-experiment-001", "different content");
        using var store = SqliteJournal.Open(Journal, readOnly: true);
        Assert.Single(store.Read(type: RulesGate.Core.Promotion.DecisionDiary.EntryType));
    }

    [Theory]
    [InlineData("killswitch", "status")]
    [InlineData("journal", "verify")]
    [InlineData("ledger", "show")]
    [InlineData("workflow", "list")]
    [InlineData("replay")]
    public void ReadCommands_MissingJournal_RefuseWithoutCreatingIt(params string[] command)
    {
        var typo = Path.Combine(folder, "dmeo.db");

        AssertOneLineError(CliTests.Run([.. command, "--journal", typo]), typo, "rulesgate journal init");
        Assert.False(File.Exists(typo));
    }

    [Fact]
    public void EvalAndRun_MissingJournal_RefuseRatherThanAllow()
    {
        var typo = Path.Combine(folder, "dmeo.db");

        AssertOneLineError(CliTests.Run("eval", "--policy", "rules/capital/default.yaml", "samples/request-oversized-buy.json", "--journal", typo), typo);
        AssertOneLineError(CliTests.Run("run", "--policy", Samples + "policygate-policy.yaml", Samples + "intents.jsonl", "--portfolio", Samples + "portfolio.json", "--market", Samples + "market.json", "--journal", typo), typo);
        Assert.False(File.Exists(typo));
    }

    [Theory]
    [InlineData("rules", "check")]
    [InlineData("workflow", "check")]
    public void Check_EndlessInput_IsRefusedAtTheBoundNotReadForever(params string[] command)
    {
        var result = CliTests.Run([.. command, "/dev/zero"]);

        Assert.Equal(2, result.Exit);
        Assert.Contains("/dev/zero:1:1: error RG1008: The file is larger than 1024 KB.", result.Err, StringComparison.Ordinal);
        Assert.True(result.Err.Length < 400, "the diagnostic does not echo the megabyte it refused");
    }

    [Fact]
    public void JournalInit_CreatesOnceAndSaysSoTheSecondTime()
    {
        var path = Path.Combine(folder, "new", "j.db");

        Assert.Equal((0, $"Created the journal {path}.\n"), (CliTests.Run("journal", "init", "--journal", path) is var first ? (first.Exit, first.Out) : default));
        Assert.Contains("already a journal", CliTests.Run("journal", "init", "--journal", path).Out, StringComparison.Ordinal);
        Assert.Equal(0, CliTests.Run("killswitch", "status", "--journal", path).Exit);
    }

    [Theory]
    [InlineData("eval", "--bogus")]
    [InlineData("workflow", "approve", "--instance")]
    [InlineData("evall")]
    [InlineData("rules", "explain", "rules/capital/default.yaml")]
    [InlineData("killswitch", "reset")]
    public void UsageErrors_AreOneLineAndExitTwo(params string[] args)
    {
        var result = CliTests.Run(args);

        AssertOneLineError(result, "--help");
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task InternalError_IsOneLineAndExitSeventyWithDetailsOnlyWhenVerbose()
    {
        static System.CommandLine.Command Broken()
        {
            var command = new System.CommandLine.Command("broken", "Throws what no input can cause.");
            command.SetAction((Func<System.CommandLine.ParseResult, int>)(_ => throw new KeyNotFoundException("a bug")));
            return command;
        }

        var (quiet, verbose) = (new StringWriter(), new StringWriter());
        Assert.Equal(70, await CliApp.RunAsync(["broken"], TextWriter.Null, quiet, Broken()));
        Assert.Equal(70, await CliApp.RunAsync(["broken", "--verbose"], TextWriter.Null, verbose, Broken()));

        var line = Assert.Single(quiet.ToString().TrimEnd('\n').Split('\n'));
        Assert.StartsWith("rulesgate: internal error (KeyNotFoundException): a bug", line, StringComparison.Ordinal);
        Assert.Contains("--verbose", line, StringComparison.Ordinal);
        Assert.Contains("   at ", verbose.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_RuleThatThrows_ShowsTheErrorAndRunDeniesWithSys002()
    {
        var policy = Write("throwing.yaml", File.ReadAllText(Path.Combine(CliTests.Root, "rules", "capital", "default.yaml"))
            .Replace("rules:\n", "rules:\n  - id: EXP-900\n    severity: HIGH\n    when: Intent.Symbol.Substring(10) == \"x\"\n    message: never\n", StringComparison.Ordinal));

        var explain = CliTests.Run("rules", "explain", policy, "samples/request-oversized-buy.json");
        Assert.Equal(0, explain.Exit);
        Assert.Contains("EXP-900  ERROR  ArgumentOutOfRangeException", explain.Out, StringComparison.Ordinal);

        var outDir = Path.Combine(folder, "out");
        var run = CliTests.Run("run", "--policy", policy, Samples + "intents.jsonl", "--portfolio", Samples + "portfolio.json", "--market", Samples + "market.json", "--journal", Journal, "--out", outDir);
        Assert.Equal(0, run.Exit);
        var decisions = File.ReadAllLines(Path.Combine(outDir, "decisions.jsonl"));
        Assert.Equal(File.ReadAllLines(Path.Combine(CliTests.Root, Samples, "intents.jsonl")).Count(line => line.Trim().Length > 0), decisions.Length);
        Assert.All(decisions, line =>
        {
            using var decision = JsonDocument.Parse(line);
            Assert.Equal("DENY", decision.RootElement.GetProperty("decision").GetString());
        });
        Assert.Contains(decisions, line => line.Contains("SYS-002", StringComparison.Ordinal) && line.Contains("EXP-900", StringComparison.Ordinal));
    }

    [Fact]
    public void Eval_LatchedKillSwitchWithAPolicyWithoutAKillRule_Denies()
    {
        var policy = Write("nokill.yaml", File.ReadAllText(Path.Combine(CliTests.Root, "rules", "capital", "default.yaml"))
            .Replace("when: Execution.KillSwitchActive", "when: 'false'", StringComparison.Ordinal));
        var small = Write("small.json", Request().Replace("\"qty\": 100", "\"qty\": 1", StringComparison.Ordinal));
        Assert.Equal(0, CliTests.Run("eval", "--policy", policy, small, "--journal", Journal).Exit);
        Assert.Equal(0, CliTests.Run("run", "--policy", Samples + "policygate-policy.yaml", Samples + "intents.jsonl", "--portfolio", Samples + "portfolio.json", "--market", Samples + "market.json", "--execution", Samples + "execution.json", "--journal", Journal).Exit);
        Assert.Contains("ACTIVE", CliTests.Run("killswitch", "status", "--journal", Journal).Out, StringComparison.Ordinal);

        var latched = CliTests.Run("eval", "--policy", policy, small, "--journal", Journal);

        Assert.Equal(1, latched.Exit);
        Assert.Contains("KILL-001", latched.Out, StringComparison.Ordinal);
    }
}
