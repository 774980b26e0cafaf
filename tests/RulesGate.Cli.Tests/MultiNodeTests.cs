using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Storage.Postgres;
using RulesGate.Tests.Shared;

namespace RulesGate.Cli.Tests;

[CollectionDefinition(Name)]
public sealed class PostgresNodes : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL nodes";
}

/// <summary>Several RulesGate processes sharing one journal on a real PostgreSQL server, as nodes of one desk do.</summary>
[Collection(PostgresNodes.Name)]
public sealed class MultiNodeTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-nodes-").FullName;
    private readonly string journal;

    public MultiNodeTests(PostgresServer server)
    {
        journal = server.NewDatabase();
        Assert.Equal(0, CliTests.Run("journal", "init", "--journal", journal).Exit);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task Promote_TwoNodesFromTheSameVersion_OneWinsTheOtherIsToldOfTheConflict()
    {
        Assert.Equal(0, CliTests.Run("diary", "ingest", "samples/promotion/diary.jsonl", "--journal", journal).Exit);
        var version = "0";   // the policy has no ledger record yet

        string[] Promote(string actor) => ["promote", "--policy-id", "alpha-momentum", "--stage", "paper", "--evidence-id", "dd-am-paper", "--actor", actor, "--expected-version", version, "--journal", journal];
        var results = await Nodes.Finish(Nodes.Start(Promote("olga")), Nodes.Start(Promote("raj")));

        Assert.Equal([0, 1], results.Select(result => result.Exit).Order());
        var loser = results.Single(result => result.Exit == 1);
        Assert.Contains("changed while this promotion was being made", loser.Out, StringComparison.Ordinal);
        using var record = JsonDocument.Parse(CliTests.Run("ledger", "show", "--policy-id", "alpha-momentum", "--json", "--journal", journal).Out);
        var history = record.RootElement.GetProperty("history").EnumerateArray().ToList();
        Assert.Single(history);
        Assert.Equal(results[0].Exit == 0 ? "olga" : "raj", history[0].GetProperty("actor").GetString());
    }

    [Fact]
    public async Task Run_TwoNodesJudgingIntoOneJournal_OneChainNothingLostOrDoubled()
    {
        string[] Run(string prefix) =>
        [
            "run", "--policy", "samples/capital/policygate-policy.yaml", RunCrashTests.Intents(folder, 6000, prefix),
            "--portfolio", "samples/capital/portfolio.json", "--market", "samples/capital/market.json", "--journal", journal,
        ];

        var results = await Nodes.Finish(Nodes.Start(Run("a")), Nodes.Start(Run("b")));

        Assert.All(results, result => Assert.True(result.Exit == 0, result.Err));
        using var store = PostgresJournal.Open(journal, readOnly: true);
        var ids = store.Read(type: "gate.decision")
            .Select(e => JsonDocument.Parse(e.Payload).RootElement.GetProperty("request").GetProperty("intent").GetProperty("intent_id").GetString()!)
            .ToList();
        Assert.Equal(12_000, ids.Count);
        Assert.Equal(12_000, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.True(JournalVerifier.Verify(store).Intact, JournalVerifier.Verify(store).Problem);
        Assert.Equal(0, CliTests.Run("journal", "verify", "--journal", journal).Exit);
    }

    [Fact]
    public async Task WorkflowSignal_DeliveredToBothNodes_TakesEffectOnce()
    {
        const string instance = "alpha-trade-promotion:alpha-momentum";
        Assert.Equal(0, CliTests.Run("workflow", "start", "--workflow", "alpha-trade-promotion", "--subject", "alpha-momentum", "--actor", "olga", "--journal", journal).Exit);
        Assert.Equal(0, CliTests.Run("diary", "ingest", "samples/promotion/diary.jsonl", "--journal", journal).Exit);
        var evidence = Path.Combine(folder, "diary.json");
        File.WriteAllText(evidence, """{"added":4,"alerts":0}""");
        Assert.Contains("paper → pilot_review", CliTests.Run("evidence", "submit", "--subject", "alpha-momentum", "--kind", "diary", evidence, "--journal", journal).Out, StringComparison.Ordinal);

        string[] Approve() => ["workflow", "approve", "--instance", instance, "--actor", "rhea", "--role", "risk", "--reason", "clean", "--key", "k-1", "--journal", journal, .. Signers.As("rhea")];
        var results = await Nodes.Finish(Nodes.Start(Approve()), Nodes.Start(Approve()));

        // One node applies it; the other finds it handled already or, when both read the instance at once, is told
        // of the conflict and sends it again, as a retrying client does, and then finds it handled.
        Assert.Single(results, result => result == (0, $"{instance}: approved by rhea (signed); now in pilot.\n", ""));
        var other = results.Single(result => result.Out != $"{instance}: approved by rhea (signed); now in pilot.\n");
        Assert.True(other.Exit == 0 ? other.Out == "Signal 'k-1' was already handled; nothing was done.\n" : other.Out.Contains("changed while this signal was being handled", StringComparison.Ordinal), other.Out + other.Err);
        Assert.Equal((0, "Signal 'k-1' was already handled; nothing was done.\n", ""), CliTests.Run(Approve()));
        using var shown = JsonDocument.Parse(CliTests.Run("workflow", "show", "--instance", instance, "--json", "--journal", journal).Out);
        Assert.Equal(1, shown.RootElement.GetProperty("history").EnumerateArray().Count(step => step.GetProperty("cause").GetString() == "approval"));
        Assert.Equal(0, CliTests.Run("journal", "verify", "--journal", journal).Exit);
    }

    [Fact]
    public void Run_KilledMidBatch_LosesNothingItAcknowledged() =>
        RunCrashTests.KillMidBatch(folder, journal, () => PostgresJournal.Open(journal, readOnly: true));
}
