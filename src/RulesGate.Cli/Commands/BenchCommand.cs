using System.CommandLine;
using System.Diagnostics;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;
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
                ? Journaled(compiled, contexts, budget, journalPath)
                : InMemory(compiled, contexts, budget);
            output.WriteLine(result);
            return ExitCodes.Ok;
        });
        return new Command("bench", "Quick measurements; the BenchmarkDotNet suites are in bench/.") { gate };
    }

    private static string InMemory(CapitalGate gate, CapitalContext[] contexts, TimeSpan budget)
    {
        var fired = new bool[gate.RuleCount];
        Warm(gate, contexts, fired);
        long decisions = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < budget)
        {
            foreach (var context in contexts)
            {
                gate.Judge(context, fired, out _, out _);
            }

            decisions += contexts.Length;
        }

        var rate = decisions / clock.Elapsed.TotalSeconds;
        // The clock ticks too coarsely to time one decision: each sample is a pass over every request, per decision.
        var latencies = new List<double>();
        var sampling = Stopwatch.StartNew();
        while (sampling.Elapsed < budget / 3 || latencies.Count < 100)
        {
            var start = Stopwatch.GetTimestamp();
            foreach (var context in contexts)
            {
                gate.Judge(context, fired, out _, out _);
            }

            latencies.Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds / contexts.Length);
        }

        return Json(rate, latencies, journaled: false, commits: null);
    }

    private static string Journaled(CapitalGate gate, CapitalContext[] contexts, TimeSpan budget, string path)
    {
        var fired = new bool[gate.RuleCount];
        Warm(gate, contexts, fired);
        var writer = new JournalWriter(SqliteJournal.Open(path));
        var bundle = GateJournal.Bundle(gate);
        var latencies = new List<double>();
        var pending = new List<Task<JournalEvent>>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < budget)
        {
            foreach (var context in contexts)
            {
                var start = Stopwatch.GetTimestamp();
                var decision = gate.Decide(context);
                pending.Add(writer.Append(GateJournal.Decision(gate, context, decision, "bench"), bundle));
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds);
            }
        }

        // Only what is durable counts: wait for every acknowledgement before stopping the clock.
        Task.WaitAll([.. pending]);
        var rate = pending.Count / clock.Elapsed.TotalSeconds;
        var commits = writer.Commits;
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return Json(rate, latencies, journaled: true, commits);
    }

    private static void Warm(CapitalGate gate, CapitalContext[] contexts, bool[] fired)
    {
        for (var i = 0; i < 20_000; i++)
        {
            gate.Judge(contexts[i % contexts.Length], fired, out _, out _);
        }
    }

    private static string Json(double rate, List<double> latencies, bool journaled, long? commits)
    {
        latencies.Sort();
        return JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("decisions_per_second", Math.Round(rate));
            writer.WriteNumber("p50_ns", Math.Round(latencies[latencies.Count / 2]));
            writer.WriteNumber("p99_ns", Math.Round(latencies[(int)(latencies.Count * 0.99)]));
            writer.WriteBoolean("journaled", journaled);
            if (commits is { } count)
            {
                writer.WriteNumber("commits", count);
            }

            writer.WriteEndObject();
        }, pretty: false);
    }
}
