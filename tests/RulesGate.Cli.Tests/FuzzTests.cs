using CsCheck;
using Microsoft.Data.Sqlite;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>
/// Hostile input, generated: every reader of the command line is given its sample input mutated at random (characters
/// replaced, deleted or inserted, tokens that have broken readers before spliced in, lines cut short). The outcome of
/// each is exit 0, 1 or 2, never an internal error (70) and never a stack trace; a refused input writes nothing.
/// CI runs a fixed set of inputs per reader (the same every run); <c>scripts/fuzz</c> has CsCheck draw SCALE times as many
/// new ones (<c>RULESGATE_FUZZ_SCALE</c>) and prints the seed that reproduces a failure.
/// </summary>
public sealed partial class FuzzTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-fuzz-").FullName;

    public FuzzTests() => SqliteJournal.Create(Journal).Dispose();

    private string Journal => Path.Combine(folder, "journal.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary><c>RULESGATE_FUZZ_SCALE</c>: null in CI, where every run tries the same inputs; set, CsCheck draws new ones.</summary>
    private static int? Scale =>
        int.TryParse(Environment.GetEnvironmentVariable("RULESGATE_FUZZ_SCALE"), out var scale) && scale > 0 ? scale : null;

    /// <summary>Tokens that have broken readers: half a character, numbers out of range, times out of range, deep nesting, long text.</summary>
    private static readonly string[] Tokens =
    [
        "\\ud800", "\\udfff", "\\u0000", "1e300", "-1e16", "1e309", "-0", "0.0000000000000000001", "9007199254740993", "null", "true", "\"\"", "[]", "{}",
        "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00Z\"", "\"2026-13-45T25:61:61Z\"", "NaN", "\"x\": 1, \"x\": 2", "é", "\u202e", "\u00a0",
        new string('[', 200), new string('x', 5000), "\"../../etc/passwd\"", "\"con\"", "\"a|b`c<img>\"", "\r\n", "\n",
    ];

    private static readonly char[] Characters = ['"', '\\', '{', '}', '[', ']', ',', ':', '0', '9', '-', '.', 'e', 'E', ' ', '\n', 'x', '\u00e9', '\u0000', '#', '*', '&', '|', '>'];

    /// <summary>The sample with 1 to 4 random mutations.</summary>
    private static Gen<string> Mutated(string sample) =>
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 4]).Select(pair => Mutate(sample, new Random(pair.Item1), pair.Item2));

    private static string Mutate(string sample, Random random, int count)
    {
        var text = sample;
        for (var i = 0; i < count; i++)
        {
            var at = text.Length == 0 ? 0 : random.Next(text.Length);
            text = random.Next(5) switch
            {
                0 when text.Length > 0 => text.Remove(at, 1).Insert(at, Characters[random.Next(Characters.Length)].ToString()),
                1 when text.Length > 0 => text.Remove(at, Math.Min(text.Length - at, 1 + random.Next(12))),
                2 => text.Insert(at, Tokens[random.Next(Tokens.Length)]),
                3 => text[..at],
                _ => Value().Replace(text, _ => Tokens[random.Next(Tokens.Length)], 1, at),
            };
        }

        return text;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=: )(-?\d[\d.eE+-]*|""[^""]*""|true|false|null)")]
    private static partial System.Text.RegularExpressions.Regex Value();

    private long Events()
    {
        using var store = SqliteJournal.Open(Journal, readOnly: true);
        return store.LastSeq();
    }

    /// <summary>Runs the command on each input (standard input, or a file when <paramref name="asFile"/> names it); checks the outcome.</summary>
    private void Fuzz(string sample, int count, bool writes, string[] args, string? asFile = null)
    {
        void Check(string input)
        {
            var before = writes ? Events() : 0;
            if (asFile is not null)
            {
                File.WriteAllText(asFile, input);
            }

            var (exit, _, error) = asFile is null ? CliTests.RunWithInput(input, args) : CliTests.Run(args);

            Assert.True(exit is 0 or 1 or 2, $"exit {exit} on:\n{input}\n{error}");
            Assert.DoesNotContain("internal error", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
            if (writes && exit == 2)
            {
                Assert.Equal(before, Events());
            }
        }

        if (Scale is { } scale)
        {
            Mutated(sample).Sample(Check, iter: count * scale, threads: 1);
            return;
        }

        // CI: the same inputs every run, so a red run is a change's doing, and each one is reproduced by its number.
        for (var seed = 0; seed < count; seed++)
        {
            Check(Mutate(sample, new Random(seed), 1 + (seed % 4)));
        }
    }

    private static string Sample(string path, int lines = int.MaxValue) =>
        string.Join('\n', File.ReadLines(Path.Combine(CliTests.Root, path)).Take(lines)) + "\n";

    [Fact]
    public void Request_EvalOfAnyMutation_EndsInADecisionOrOneLine() =>
        Fuzz(Sample("samples/request-oversized-buy.json"), 400, writes: false, ["eval", "-", "--policy", "rules/capital/default.yaml"]);

    [Fact]
    public void Diary_IngestOfAnyMutation_AppliesAllOrNothing() =>
        Fuzz(Sample("samples/promotion/diary.jsonl", 3), 200, writes: true, ["diary", "ingest", "-", "--journal", Journal]);

    [Fact]
    public void Outcomes_IngestOfAnyMutation_AppliesAllOrNothing() =>
        Fuzz(Sample("samples/governance/outcomes-week1.jsonl", 3), 200, writes: true, ["outcomes", "ingest", "-", "--journal", Journal]);

    [Fact]
    public void Signals_OfAnyMutation_AppliesAllOrNothing() =>
        Fuzz(Sample("samples/workflows/signals.jsonl", 3), 150, writes: true, ["workflow", "signals", "-", "--journal", Journal]);

    [Fact]
    public void Patches_ProposalOfAnyMutation_AppliesAllOrNothing() =>
        Fuzz(Sample("samples/patches/patches.jsonl", 3), 150, writes: true, ["patches", "propose", "-", "--mode", "disabled", "--journal", Journal]);

    [Fact]
    public void Evidence_OfAnyMutation_AppliesAllOrNothing() =>
        Fuzz("{\"burn_in_days\": 21, \"incidents\": 0, \"note\": \"clean\"}\n", 150, writes: true, ["evidence", "submit", "-", "--subject", "alpha", "--kind", "paper", "--journal", Journal]);

    [Fact]
    public void Overrides_TomlOfAnyMutation_IsReadOrRefused()
    {
        var overrides = Path.Combine(folder, "auto.toml");
        Fuzz(Sample("samples/patches/auto.toml"), 100, writes: true, ["patches", "propose", "samples/patches/patches.jsonl", "--mode", "bounded_auto", "--journal", Journal, "--out", Path.Combine(folder, "out"), "--overrides", overrides], asFile: overrides);
    }

    [Fact]
    public void RuleFile_AnyMutation_IsCheckedNeverCrashes() =>
        Fuzz(Sample("rules/governance/default.yaml"), 25, writes: false, ["rules", "check", "-"]);

    [Fact]
    public void Workflow_AnyMutation_IsCheckedNeverCrashes()
    {
        var file = Path.Combine(folder, "flow.yaml");
        Fuzz(Sample("workflows/config-patch-approval.yaml"), 25, writes: false, ["workflow", "check", file], asFile: file);
    }

    [Fact]
    public void Roles_AnyMutation_IsCheckedNeverCrashes()
    {
        var roles = Path.Combine(folder, "roles.yaml");
        Fuzz(File.ReadAllText(Signers.Roles), 100, writes: false, ["workflow", "check", "workflows/config-patch-approval.yaml", "--roles", roles], asFile: roles);
    }

    [Fact]
    public void SignedVotes_AnyMutation_AreCountedOrRefused()
    {
        CliTests.Run("workflow", "start", "--workflow", "config-patch-approval", "--subject", "proposal-1", "--actor", "olga", "--journal", Journal);
        var votes = Path.Combine(folder, "votes.jsonl");
        File.WriteAllText(votes, """{"signal":"reject","instance":"config-patch-approval:proposal-1","actor":"rhea","role":"risk","reason":"not yet","key":"v-1"}""" + "\n");
        var (exit, signed, _) = CliTests.Run("key", "sign", votes, "--key", Signers.Key("rhea"), "--roles", Signers.Roles, "--journal", Journal);
        Assert.Equal(0, exit);
        Fuzz(signed, 100, writes: true, ["workflow", "signals", "-", "--roles", Signers.Roles, "--journal", Journal]);
    }

    [Fact]
    public void SigningKey_AnyMutation_SignsOrIsRefused()
    {
        var key = Path.Combine(folder, "key.pem");
        Fuzz(File.ReadAllText(Signers.Key("risk-officer")), 100, writes: true, ["killswitch", "reset", "--actor", "risk-officer", "--reason", "fuzzed", "--roles", Signers.Roles, "--sign", key, "--journal", Journal], asFile: key);
    }

    [Fact]
    public void Principals_AnyMutation_IsReadOrRefused()
    {
        var principals = Path.Combine(folder, "principals.json");
        var example = File.ReadAllText(Path.Combine(CliTests.Root, "docs", "formats", "principals.md"));
        var json = example[(example.IndexOf("```json\n", StringComparison.Ordinal) + 8)..example.LastIndexOf("```", StringComparison.Ordinal)];
        Fuzz(json, 150, writes: false, ["principal", "check", principals], asFile: principals);
    }
}
