using System.CommandLine;
using RulesGate.Bench;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate bench gate</c>: decisions per second and latency of the gate on pre-parsed requests.</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var requests = CliOptions.Input("REQUESTS.jsonl", "Requests, one { intent, portfolio, market, execution } object a line.");
        var seconds = new Option<double>("--seconds") { Description = "How long to measure (default 3).", DefaultValueFactory = _ => 3 };
        var journal = new Option<string?>("--journal") { Description = "Also journal every decision here, with group commit; counts only what was acknowledged durable." };
        var gate = new Command("gate", "Single-threaded gate throughput on pre-parsed requests; prints {decisions_per_second, p50_ns, p99_ns, journaled}. In memory it times the verdict (Judge); journaled, the full decision, its journal entry and the durable commit.")
        {
            EvalCommand.Policy, requests, seconds, journal, GovernanceCommands.Governance, GovernanceCommands.Maturity,
        };
        gate.SetAction(parse =>
        {
            var path = parse.GetValue(requests)!;
            if (parse.GetValue(GovernanceCommands.Governance) is { } governancePath)
            {
                if (parse.GetValue(journal) is not null)
                {
                    throw new FormatException("bench gate --governance measures in memory; leave out --journal.");
                }

                return Governed(parse, path, governancePath, TimeSpan.FromSeconds(parse.GetValue(seconds)), output, error);
            }

            var contexts = GateInputs.ReadLines(path, CapitalContextJson.ReadRequest);
            if (contexts.Length == 0)
            {
                throw new FormatException($"{path}: no requests.");
            }

            if (GateInputs.Gate(CliOptions.Engine(parse), parse.GetValue(EvalCommand.Policy)!, error) is not { } compiled)
            {
                return ExitCodes.Error;
            }

            var budget = TimeSpan.FromSeconds(parse.GetValue(seconds));
            var result = parse.GetValue(journal) is { } journalPath
                ? GateBench.Journaled(compiled, contexts, budget, JournalCommand.Existing(journalPath))
                : GateBench.InMemory(compiled, contexts, budget);
            output.WriteLine(result.Json());
            return ExitCodes.Ok;
        });
        var patches = CliOptions.Input("PATCHES.jsonl", "Seed patches, cycled to --count (default samples/patches/patches.jsonl).", optional: true, optionalDefault: "samples/patches/patches.jsonl");
        var count = new Option<int>("--count") { Description = "How many patches (default 100000).", DefaultValueFactory = _ => 100_000 };
        var policy = new Option<string>("--policy") { Description = $"The PatchPolicy file (default {PatchCommands.DefaultPolicy}).", DefaultValueFactory = _ => PatchCommands.DefaultPolicy };
        var patchBench = new Command("patches", "N config patches judged alone, then judged, journaled (one event each) and proposed in manual_only into a fresh journal in a temporary folder; prints {patches, judge_seconds, judge_per_second, total_seconds, total_per_second}.") { patches, count, policy };
        patchBench.SetAction(parse =>
        {
            var seed = GateInputs.ReadLines(parse.GetValue(patches)!, Core.Patches.ConfigPatch.Read);
            if (seed.Length == 0 || parse.GetValue(count) < 1)
            {
                throw new FormatException("bench patches needs at least one seed patch and a --count of 1 or more.");
            }

            var loaded = CliOptions.Engine(parse).Load(parse.GetValue(policy)!);
            if (loaded.Value is not { } bundle)
            {
                RulesCommand.Report(loaded.Diagnostics, error);
                return ExitCodes.Error;
            }

            if (bundle.Kind is not Core.Patches.PatchPolicyKind)
            {
                throw new FormatException($"{parse.GetValue(policy)} is a {bundle.Kind.Name} file; give a PatchPolicy file.");
            }

            var folder = Directory.CreateTempSubdirectory("rulesgate-bench-patches-").FullName;
            try
            {
                using var store = SqliteJournal.Create(Path.Combine(folder, "journal.db"));
                output.WriteLine(PatchBench.Run(new Core.Patches.PatchJudge(bundle), seed, parse.GetValue(count), store, folder).Json());
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(folder, recursive: true);
            }

            return ExitCodes.Ok;
        });
        return new Command("bench", "Quick measurements; the BenchmarkDotNet suites are in bench/.") { gate, patchBench };
    }

    /// <summary>Both gates, and the capital gate alone on the same orders in the same run: <c>{"capital": …, "governed": …}</c>.</summary>
    private static int Governed(ParseResult parse, string path, string governancePath, TimeSpan budget, TextWriter output, TextWriter error)
    {
        var governed = GateInputs.ReadLines(path, GovernanceRequest.Read);
        if (governed.Length == 0)
        {
            throw new FormatException($"{path}: no requests.");
        }

        var engine = CliOptions.Engine(parse);
        if (GateInputs.Gate(engine, parse.GetValue(EvalCommand.Policy)!, error) is not { } capital
            || GovernanceCommands.Gate(engine, governancePath, parse, error) is not { } governance)
        {
            return ExitCodes.Error;
        }

        var alone = GateBench.InMemory(capital, [.. governed.Select(request => request.Capital)], budget);
        var both = GateBench.Governed(governance, capital, governed, budget);
        output.WriteLine(GateBenchResult.Compare(alone, both));
        return ExitCodes.Ok;
    }
}
