using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Rules;
using RulesGate.Core.Workflows;
using RulesGate.Core;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Benchmarks;

/// <summary>
/// N instances of ROOT/workflows/maturity-ladder.yaml about one strategy, then one evidence batch that moves
/// every one of them a level: prints the time and the transitions per second.
/// </summary>
internal static class WorkflowBench
{
    public static int Run(string journal, int instances, string root)
    {
        foreach (var file in new[] { journal, journal + "-wal", journal + "-shm" })
        {
            File.Delete(file);
        }

        using var store = SqliteJournal.Create(journal);
        var loader = new WorkflowLoader(new RuleEngine(BuiltInKinds.Registry));
        var definition = loader.Load(Path.Combine(root, "workflows", "maturity-ladder.yaml")).Value!;
        var runtime = new WorkflowRuntime(store, loader, new WorkflowRoles(new Dictionary<string, IReadOnlySet<string>>()));
        var setup = Stopwatch.StartNew();
        runtime.StartMany(definition, "bench", [.. Enumerable.Range(0, instances).Select(i => i.ToString("D5", CultureInfo.InvariantCulture))], "bench");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"started {instances} instances in {setup.Elapsed.TotalSeconds:F1} s"));
        using var evidence = JsonDocument.Parse("""{"trades":60,"win_rate":0.5,"profit_factor":1.2,"drawdown":0.01,"loss_streak":0}""");
        var clock = Stopwatch.StartNew();
        var moved = runtime.Evidence("bench", "trades", evidence.RootElement, "batch-1").Moved;
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one evidence batch: {moved.Count} transitions in {seconds:F2} s = {moved.Count / seconds:F0} transitions/s"));
        return moved.Count == instances && JournalVerifier.Verify(store).Intact ? 0 : 1;
    }

    /// <summary>Adds N config-patch-approval instances about one subject, <c>other</c>, to JOURNAL: history a governed order has nothing to do with.</summary>
    public static int Seed(string journal, int instances, string root)
    {
        using var store = SqliteJournal.Open(journal);
        var loader = new WorkflowLoader(new RuleEngine(BuiltInKinds.Registry));
        var definition = loader.Load(Path.Combine(root, "workflows", "config-patch-approval.yaml")).Value!;
        var runtime = new WorkflowRuntime(store, loader, new WorkflowRoles(new Dictionary<string, IReadOnlySet<string>>()));
        var setup = Stopwatch.StartNew();
        runtime.StartMany(definition, "other", [.. Enumerable.Range(0, instances).Select(i => i.ToString("D6", CultureInfo.InvariantCulture))], "bench");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"started {instances} instances in {setup.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }
}
