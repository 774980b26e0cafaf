using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>
/// A journaled run killed with SIGKILL mid-batch: every order it let out of the process (an execution event) has its
/// decision in the journal, and the journal verifies; what was judged but not yet durable is simply not there.
/// </summary>
public sealed class RunCrashTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-run-crash-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Small orders a second apart, so that most go and the run stays busy past its first segments.</summary>
    internal static string Intents(string folder, int count, string prefix = "k")
    {
        var path = Path.Combine(folder, $"intents-{prefix}.jsonl");
        var start = new DateTimeOffset(2026, 11, 20, 14, 30, 0, TimeSpan.Zero);
        File.WriteAllLines(path, Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture,
            $$"""{"intent_id":"{{prefix}}-{{i}}","timestamp":"{{start.AddSeconds(i):yyyy-MM-ddTHH:mm:ssZ}}","strategy_id":"s-{{i % 50}}","account_id":"DESK-1","instrument":{"symbol":"NVDA","asset_class":"equity"},"side":"{{(i % 2 == 0 ? "buy" : "sell")}}","order_type":"market","qty":1,"limit_price":null}""")));
        return path;
    }

    [Fact]
    public void Run_KilledMidBatch_LosesNoDecisionWhoseOrderLeftTheProcess()
    {
        var journal = Path.Combine(folder, "journal.db");
        SqliteJournal.Create(journal).Dispose();
        KillMidBatch(folder, journal, () => SqliteJournal.Open(journal));
    }

    /// <summary>
    /// Runs 40,000 intents into <paramref name="journal"/>, kills the run with SIGKILL right after its first execution
    /// events, and checks that every order let out has its decision in the journal, which verifies.
    /// </summary>
    internal static void KillMidBatch(string folder, string journal, Func<JournalStore> open)
    {
        var intents = Intents(folder, 40_000);
        using var process = Nodes.Start(
            "run", "--policy", "samples/capital/policygate-policy.yaml", intents,
            "--portfolio", "samples/capital/portfolio.json", "--market", "samples/capital/market.json", "--journal", journal,
            "--exec-log", "/dev/stdout", "--cache", Path.Combine(folder, "cache"));

        // Execution events reach stdout only once their segment is durable; the kill lands right after the first ones.
        var seen = new List<string>();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }

            lock (seen)
            {
                seen.Add(line.Data);
            }

            try
            {
                process.Kill();    // SIGKILL on Linux
            }
            catch (InvalidOperationException)
            {
                // Gone already.
            }
        };
        process.BeginOutputReadLine();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.NotEqual(0, process.ExitCode);

        var acknowledged = new List<string>();
        lock (seen)
        {
            // The kill may cut the last line short; every whole line is an order that left the process.
            acknowledged.AddRange([.. seen.Where(line => line.StartsWith('{') && line.EndsWith('}')).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("intent_id").GetString()!)]);
        }

        using var store = open();
        var recorded = store.Read(type: "gate.decision")
            .Select(e => JsonDocument.Parse(e.Payload).RootElement.GetProperty("request").GetProperty("intent").GetProperty("intent_id").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(acknowledged);
        Assert.All(acknowledged, id => Assert.Contains(id, recorded));
        Assert.True(recorded.Count < 40_000, "the run was not killed mid-way");
        Assert.True(JournalVerifier.Verify(store).Intact, JournalVerifier.Verify(store).Problem);
    }
}
