using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>The gate's commands end to end: eval, run, journal verify, replay, the kill switch, and kill -9.</summary>
public sealed class GateCliTests : IDisposable
{
    private const string Samples = "samples/capital/";

    private static readonly string[] Stream =
    [
        "--policy", Samples + "policygate-policy.yaml", Samples + "intents.jsonl",
        "--portfolio", Samples + "portfolio.json", "--market", Samples + "market.json", "--execution", Samples + "execution.json",
    ];

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-cli-").FullName;

    private string Journal => Path.Combine(folder, "journal.db");

    public GateCliTests() => SqliteJournal.Create(Journal).Dispose();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void Eval_OversizedRequest_PrintsModifyAndExitsZero()
    {
        var (exit, output, _) = CliTests.Run("eval", "--policy", "rules/capital/default.yaml", "samples/request-oversized-buy.json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("MODIFY", json.RootElement.GetProperty("decision").GetString());
        Assert.Equal(25, json.RootElement.GetProperty("modified_intent").GetProperty("qty").GetDouble(), 6);
        Assert.Equal("capital-default", json.RootElement.GetProperty("policy").GetProperty("id").GetString());
        Assert.True(json.RootElement.TryGetProperty("eval_us", out _));
    }

    [Fact]
    public void Eval_DashReadsTheRequestFromStandardInput()
    {
        var request = File.ReadAllText(Path.Combine(CliTests.Root, "samples", "request-oversized-buy.json"));

        var (exit, output, _) = CliTests.RunWithInput(request, "eval", "-", "--policy", "rules/capital/default.yaml");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("MODIFY", json.RootElement.GetProperty("decision").GetString());
        Assert.Equal(25, json.RootElement.GetProperty("modified_intent").GetProperty("qty").GetDouble(), 6);
    }

    [Fact]
    public void Run_DashReadsIntentsFromStandardInput_AndAProblemNamesIt()
    {
        var intents = File.ReadAllText(Path.Combine(CliTests.Root, Samples, "intents.jsonl"));
        string[] setup = ["--policy", Samples + "policygate-policy.yaml", "--portfolio", Samples + "portfolio.json", "--market", Samples + "market.json"];

        var fromFile = CliTests.Run(["run", Samples + "intents.jsonl", .. setup]);
        var fromInput = CliTests.RunWithInput(intents, ["run", "-", .. setup]);
        var broken = CliTests.RunWithInput("{\"entry_id\": \n", "diary", "ingest", "-", "--journal", Journal);

        Assert.Equal(0, fromInput.Exit);
        Assert.Equal(JsonDocument.Parse(fromFile.Out).RootElement.GetProperty("decisions").GetRawText(), JsonDocument.Parse(fromInput.Out).RootElement.GetProperty("decisions").GetRawText());
        Assert.Equal(2, broken.Exit);
        Assert.StartsWith("<stdin>:1:", broken.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_LongWorkNotOnATerminal_PrintsNoProgress()
    {
        var sample = File.ReadAllLines(Path.Combine(CliTests.Root, Samples, "intents.jsonl"));
        var intents = string.Join('\n', Enumerable.Range(0, 3000).Select(i => sample[i % sample.Length].Replace("\"intent_id\": \"", $"\"intent_id\": \"n{i}-", StringComparison.Ordinal)));

        var (exit, output, error) = CliTests.RunWithInput(intents, "run", "-", "--policy", Samples + "policygate-policy.yaml", "--portfolio", Samples + "portfolio.json", "--market", Samples + "market.json");

        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Equal(3000, JsonDocument.Parse(output).RootElement.GetProperty("total_intents").GetInt32());
    }

    [Fact]
    public void Eval_PolicyGatePolicyAndSeparateFiles_DeniesAndExitsOne()
    {
        var intent = Path.Combine(folder, "intent.json");
        File.WriteAllText(intent, File.ReadAllLines(Path.Combine(CliTests.Root, Samples, "intents.jsonl"))[4]);

        var (exit, output, _) = CliTests.Run("eval", "--policy", Samples + "policygate-policy.yaml", "--intent", intent,
            "--portfolio", Samples + "portfolio.json", "--market", Samples + "market.json", "--pretty");

        Assert.Equal(1, exit);
        Assert.Contains("\"decision\": \"DENY\"", output, StringComparison.Ordinal);
        Assert.Contains("\"rule_id\": \"EXP-003\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_MalformedIntent_IsOneLineOnStderrAndExitsTwo()
    {
        var intent = Path.Combine(folder, "intent.json");
        File.WriteAllText(intent, File.ReadAllLines(Path.Combine(CliTests.Root, Samples, "intents.jsonl"))[8]);

        var (exit, output, error) = CliTests.Run("eval", "--policy", "rules/capital/default.yaml", "--intent", intent,
            "--portfolio", Samples + "portfolio.json", "--market", Samples + "market.json");

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Equal($"rulesgate: {intent}:1: intent.qty: must be > 0; the side gives the direction.\n", error.Replace("\r", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Eval_PolicyOutOfRange_NamesFileLineAndColumn()
    {
        var policy = Path.Combine(folder, "policy.yaml");
        File.WriteAllText(policy, File.ReadAllText(Path.Combine(CliTests.Root, Samples, "policygate-policy.yaml")).Replace("max_position_pct: 0.10", "max_position_pct: 2", StringComparison.Ordinal));

        var (exit, _, error) = CliTests.Run("eval", "--policy", policy, "samples/request-oversized-buy.json");

        Assert.Equal(2, exit);
        Assert.Contains($"{policy}:10:23: error RG1005: limits.exposure.max_position_pct: 2 is out of range.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_JournaledStream_VerifiesReplaysAndLatchesTheKillSwitch()
    {
        var outDir = Path.Combine(folder, "out");

        var (exit, output, _) = CliTests.Run(["run", .. Stream, "--journal", Journal, "--out", outDir]);

        Assert.Equal(0, exit);
        using var summary = JsonDocument.Parse(output);
        Assert.Equal(20, summary.RootElement.GetProperty("total_intents").GetInt32());
        Assert.True(summary.RootElement.GetProperty("kill_switch_active").GetBoolean());
        Assert.Equal(20, File.ReadAllLines(Path.Combine(outDir, "decisions.jsonl")).Length);
        Assert.Equal(output.Trim(), File.ReadAllText(Path.Combine(outDir, "summary.json")).Trim());

        Assert.Equal(0, CliTests.Run("journal", "verify", "--journal", Journal).Exit);
        var replay = CliTests.Run("replay", "--journal", Journal, "--run", summary.RootElement.GetProperty("run_id").GetString()!);
        Assert.Equal(0, replay.Exit);
        Assert.Contains("20 decisions replayed, 0 mismatches.", replay.Out, StringComparison.Ordinal);
        var unknown = CliTests.Run("replay", "--journal", Journal, "--run", "nope");
        Assert.Equal((2, ""), (unknown.Exit, unknown.Out));
        Assert.Contains("The journal has no decision of run 'nope'", unknown.Err, StringComparison.Ordinal);

        Assert.Contains("ACTIVE", CliTests.Run("killswitch", "status", "--journal", Journal).Out, StringComparison.Ordinal);
        using (var status = JsonDocument.Parse(CliTests.Run("killswitch", "status", "--journal", Journal, "--json").Out))
        {
            Assert.True(status.RootElement.GetProperty("active").GetBoolean());
            Assert.False(string.IsNullOrEmpty(status.RootElement.GetProperty("since").GetString()));
            Assert.False(string.IsNullOrEmpty(status.RootElement.GetProperty("cause").GetString()));
        }

        var latched = CliTests.Run("eval", "--policy", "rules/capital/default.yaml", "samples/request-oversized-buy.json", "--journal", Journal);
        Assert.Equal(1, latched.Exit);
        Assert.Contains("KILL-001", latched.Out, StringComparison.Ordinal);

        var reset = CliTests.Run(["killswitch", "reset", "--journal", Journal, "--actor", "risk-officer", "--reason", "limits reviewed", .. Signers.As("risk-officer")]);
        Assert.Contains("reset by risk-officer: limits reviewed", reset.Out, StringComparison.Ordinal);
        Assert.Equal(0, CliTests.Run("eval", "--policy", "rules/capital/default.yaml", "samples/request-oversized-buy.json", "--journal", Journal).Exit);
    }

    [Fact]
    public void JournalVerify_AlteredRow_ExitsOneNamingIt()
    {
        CliTests.Run(["run", .. Stream, "--journal", Journal]);
        AlterInSegment(Journal, "i-007", "i-077");

        var (exit, output, _) = CliTests.Run("journal", "verify", "--journal", Journal);

        Assert.Equal(1, exit);
        Assert.StartsWith("Journal BROKEN at event 7: event 7 (gate.decision", output, StringComparison.Ordinal);
        var (jsonExit, json, _) = CliTests.Run("journal", "verify", "--journal", Journal, "--json");
        using var result = JsonDocument.Parse(json);
        Assert.Equal(1, jsonExit);
        Assert.False(result.RootElement.GetProperty("verified").GetBoolean());
        Assert.Equal(7, result.RootElement.GetProperty("broken_at").GetInt64());
        Assert.StartsWith("event 7 (gate.decision", result.RootElement.GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_KeygenSignVerifyProve_AndReplayRefusesABrokenChain()
    {
        CliTests.Run(["run", .. Stream, "--journal", Journal]);
        var key = Path.Combine(folder, "keys", "anchor.pem");
        var checkpoint = Path.Combine(folder, "checkpoint.json");
        var proof = Path.Combine(folder, "proof.json");

        Assert.Equal(0, CliTests.Run("journal", "keygen", "--out", key).Exit);
        var (again, _, refused) = CliTests.Run("journal", "keygen", "--out", key);
        Assert.Equal(0, CliTests.Run("journal", "checkpoint", "--key", key, "--out", checkpoint, "--journal", Journal).Exit);
        var (holds, verified, _) = CliTests.Run("journal", "verify", "--journal", Journal, "--checkpoint", checkpoint, "--public-key", Path.Combine(folder, "keys", "anchor.pub.pem"));
        using (var json = JsonDocument.Parse(CliTests.Run("journal", "verify", "--journal", Journal, "--checkpoint", checkpoint, "--public-key", Path.Combine(folder, "keys", "anchor.pub.pem"), "--json").Out))
        {
            Assert.True(json.RootElement.GetProperty("verified").GetBoolean());
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("broken_at").ValueKind);
            Assert.True(json.RootElement.GetProperty("checkpoint").GetProperty("holds").GetBoolean());
        }
        File.WriteAllText(proof, CliTests.Run("journal", "prove", "--seq", "3", "--checkpoint", checkpoint, "--journal", Journal).Out);
        var (proved, proofText, _) = CliTests.Run("journal", "verify-proof", proof, "--public-key", Path.Combine(folder, "keys", "anchor.pub.pem"));

        Assert.Equal(2, again);
        Assert.Contains("never overwrites a key", refused, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        Assert.Equal(0, holds);
        Assert.Contains("holds: the first", verified, StringComparison.Ordinal);
        Assert.Equal(0, proved);
        Assert.StartsWith("The proof holds: event 3 (gate.decision", proofText, StringComparison.Ordinal);

        File.WriteAllText(proof, File.ReadAllText(proof).Replace("i-003", "i-303", StringComparison.Ordinal));
        Assert.Equal(1, CliTests.Run("journal", "verify-proof", proof, "--public-key", Path.Combine(folder, "keys", "anchor.pub.pem")).Exit);

        AlterInSegment(Journal, "i-003", "i-303");

        var (replayed, replay, _) = CliTests.Run("replay", "--journal", Journal);
        Assert.Equal(1, replayed);
        Assert.Contains("Not replayed: the journal does not verify.", replay, StringComparison.Ordinal);
    }

    [Fact]
    public void JournalExportAndShow_FilterByStreamTypeAndRange()
    {
        CliTests.Run(["run", .. Stream, "--journal", Journal]);

        var (exported, lines, _) = CliTests.Run("journal", "export", "--journal", Journal, "--type", "gate.decision", "--from", "3", "--to", "5");
        var (shown, view, _) = CliTests.Run("journal", "show", "--journal", Journal, "--type", "gate.decision", "--last", "2");
        var (bad, _, why) = CliTests.Run("journal", "show", "--journal", Journal, "--since", "yesterday");

        Assert.Equal(0, exported);
        var events = lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line)).ToList();
        Assert.Equal([3L, 4L, 5L], events.Select(e => e.RootElement.GetProperty("seq").GetInt64()));
        Assert.Equal("i-003", events[0].RootElement.GetProperty("payload").GetProperty("request").GetProperty("intent").GetProperty("intent_id").GetString());
        Assert.Equal(0, shown);
        Assert.StartsWith("(the last 2 of 19 events; --last 0 shows all)", view, StringComparison.Ordinal);     // 20 lines, one malformed
        Assert.Contains("gate.decision          run:", view, StringComparison.Ordinal);
        Assert.Matches(@"DENY (buy|sell) [0-9,.]+ \w+ · \S+ · intent i-020", view);
        Assert.Equal(2, bad);
        Assert.Contains("--since", why, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatPolicyGate_WritesEachDecisionAsPolicyGateDoes_AndAnUnknownFormatIsAnError()
    {
        var (code, _, _) = CliTests.Run(["run", .. Stream, "--format", "policygate", "--out", folder]);
        var (bad, _, why) = CliTests.Run("eval", "--policy", "rules/capital/default.yaml", "samples/request-oversized-buy.json", "--format", "yaml");

        Assert.Equal(0, code);
        var lines = File.ReadAllLines(Path.Combine(folder, "decisions.jsonl"));
        Assert.Equal(20, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(["decision", "eval_ms", "evidence", "intent_id", "kill_switch_triggered", "modified_intent", "violations"], first.RootElement.EnumerateObject().Select(property => property.Name));
        Assert.Equal(2, bad);
        Assert.Contains("write rulesgate or policygate", why, StringComparison.Ordinal);
    }

    [Fact]
    public void ExecLogAndCorrelate_OneTimelinePerIntent()
    {
        var log = Path.Combine(folder, "exec.jsonl");
        Assert.Equal(0, CliTests.Run(["run", .. Stream, "--out", folder, "--exec-log", log]).Exit);
        var (code, output, _) = CliTests.Run("correlate", "--decisions", Path.Combine(folder, "decisions.jsonl"), "--exec-log", log);

        var events = File.ReadAllLines(log).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.All(events, e => Assert.StartsWith("run-", e.GetProperty("run_id").GetString(), StringComparison.Ordinal));
        static string Type(JsonElement e) => e.GetProperty("event").GetString()!;
        static string Intent(JsonElement e) => e.GetProperty("intent_id").GetString()!;
        var submitted = events.Where(e => Type(e) == "ORDER_SUBMITTED").Select(Intent).ToList();
        var settled = events.Where(e => Type(e) == "ORDER_FILLED" || (Type(e) == "ORDER_REJECTED" && e.GetProperty("reason").GetString()!.StartsWith("broker:", StringComparison.Ordinal))).Select(Intent).ToList();
        Assert.Equal(submitted, settled);     // every order sent is filled or rejected by the broker, once
        Assert.Contains(events, e => e.GetProperty("event").GetString() == "ORDER_REJECTED" && e.GetProperty("reason").GetString()!.StartsWith("gate: ", StringComparison.Ordinal));

        Assert.Equal(0, code);
        var timelines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(20, timelines.Count);
        var first = timelines[0];
        Assert.Equal(first.GetProperty("intent_id").GetString(), first.GetProperty("decision").GetProperty("intent_id").GetString());
        Assert.Equal(["ORDER_SUBMITTED", "ORDER_FILLED"], first.GetProperty("executions").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
    }

    [Fact]
    public void Run_KilledWithSigkill_KeepsEveryDecisionItShowed()
    {
        var intents = Path.Combine(folder, "many.jsonl");
        var template = File.ReadAllLines(Path.Combine(CliTests.Root, Samples, "intents.jsonl"))[0];
        File.WriteAllLines(intents, Enumerable.Range(0, 5000).Select(i => template.Replace("i-001", $"k-{i:D5}", StringComparison.Ordinal)));
        var outDir = Path.Combine(folder, "out");
        var decisions = Path.Combine(outDir, "decisions.jsonl");
        var cli = typeof(CliApp).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = CliTests.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { cli, "run", "--policy", "rules/capital/default.yaml", intents, "--portfolio", Samples + "portfolio.json", "--market", Samples + "market.json", "--journal", Journal, "--out", outDir })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var clock = Stopwatch.StartNew();
        while (ShownLines(decisions) < 50 && !process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(20);
        }

        Assert.False(process.HasExited, "the run ended before it could be killed; give it more intents");
        process.Kill();
        process.WaitForExit();

        var shown = File.ReadAllLines(decisions).Where(line => line.EndsWith('}')).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("intent_id").GetString()).ToList();
        Assert.True(shown.Count >= 50);
        Assert.Equal(0, CliTests.Run("journal", "verify", "--journal", Journal).Exit);
        using var store = SqliteJournal.Create(Journal);
        var journaled = store.Read(type: GateJournal.DecisionType)
            .Select(e => JsonDocument.Parse(e.Payload).RootElement.GetProperty("request").GetProperty("intent").GetProperty("intent_id").GetString())
            .ToHashSet();

        Assert.All(shown, id => Assert.Contains(id!, journaled));
    }

    private static int ShownLines(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd().Count(c => c == '\n');
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Rewrites the segment holding <paramref name="from"/> with it replaced by <paramref name="to"/> in its events' payloads, keeping their recorded hashes: an edit behind the journal's back.</summary>
    /// <summary>The CBOR with the text <paramref name="from"/> written over by <paramref name="to"/>, of the same length: what an attacker editing the stored bytes does.</summary>
    private static byte[] Replaced(byte[] cbor, string from, string to)
    {
        var (old, replacement) = (System.Text.Encoding.UTF8.GetBytes(from), System.Text.Encoding.UTF8.GetBytes(to));
        Assert.Equal(old.Length, replacement.Length);
        for (var at = cbor.AsSpan().IndexOf(old); at >= 0; at = cbor.AsSpan().IndexOf(old))
        {
            replacement.CopyTo(cbor, at);
        }

        return cbor;
    }

    private static void AlterInSegment(string journal, string from, string to)
    {
        using var connection = new SqliteConnection($"Data Source={journal};Pooling=False");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT first_seq, last_seq, count, streams, types, last_hash, body FROM segments";
        var rows = new List<StoredSegment>();
        using (var reader = read.ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add(new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), (byte[])reader.GetValue(6)));
            }
        }

        var row = rows.Single(segment => JournalSegment.Read(segment).Any(e => e.Payload.Contains(from, StringComparison.Ordinal)));
        var altered = JournalSegment.Of([.. JournalSegment.Read(row).Select(e => !e.Payload.Contains(from, StringComparison.Ordinal) ? e
            : e.Cbor is { } cbor ? e with { Cbor = Replaced(cbor.ToArray(), from, to) }
            : e with { Payload = e.Payload.Replace(from, to, StringComparison.Ordinal) })]);
        using var write = connection.CreateCommand();
        write.CommandText = "UPDATE segments SET body = $body WHERE first_seq = $first";
        write.Parameters.AddWithValue("$body", altered.Body);
        write.Parameters.AddWithValue("$first", row.First);
        Assert.Equal(1, write.ExecuteNonQuery());
    }
}
