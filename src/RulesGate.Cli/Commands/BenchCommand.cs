using System.CommandLine;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate bench gate</c>: decisions per second and latency of the gate on pre-parsed requests.</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var requests = new Option<string>("--requests") { Description = "Requests, one { intent, portfolio, market, execution } object per line.", Required = true };
        var seconds = new Option<double>("--seconds") { Description = "How long to measure (default 3).", DefaultValueFactory = _ => 3 };
        var journal = new Option<string?>("--journal") { Description = "Also journal every decision here, with group commit; counts only what was acknowledged durable." };
        var gate = new Command("gate", "Single-threaded gate throughput on pre-parsed requests; prints {decisions_per_second, p50_ns, p99_ns, journaled}. In memory it times the verdict (Judge); journaled, the full decision, its journal entry and the durable commit.")
        {
            EvalCommand.Policy, requests, seconds, journal,
        };
        gate.SetAction(parse =>
        {
            var path = parse.GetValue(requests)!;
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
                ? GateBench.Journaled(compiled, contexts, budget, SqliteJournal.Open(journalPath))
                : GateBench.InMemory(compiled, contexts, budget);
            output.WriteLine(result.Json());
            return ExitCodes.Ok;
        });
        return new Command("bench", "Quick measurements; the BenchmarkDotNet suites are in bench/.") { gate };
    }
}
