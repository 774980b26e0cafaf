using System.CommandLine;
using RulesGate.Bench;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Orders;
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
        return new Command("bench", "Quick measurements; the BenchmarkDotNet suites are in bench/.") { gate, patchBench, Serve(output, error), Desk(output, error) };
    }

    /// <summary><c>bench serve</c>: a running server's latency, open-loop at a fixed rate, then optionally after a burst.</summary>
    private static Command Serve(TextWriter output, TextWriter error)
    {
        var url = new Option<string>("--url") { Description = "The server, such as http://127.0.0.1:8080; its token comes from $RULESGATE_TOKEN (a trader's).", Required = true };
        var request = new Option<string>("--request") { Description = "The request each order sends (default samples/request-oversized-buy.json).", DefaultValueFactory = _ => "samples/request-oversized-buy.json" };
        var batch = new Option<int>("--batch") { Description = "Send POST /v1/decisions:batch with this many copies of the request; 0 (default): POST /v1/decisions.", DefaultValueFactory = _ => 0 };
        var loop = new OpenLoop("Requests", new Option<int>("--connections") { Description = "Connections the client may open (default 64); a request waiting for one counts from its scheduled time.", DefaultValueFactory = _ => 64 }, "drive the server closed-loop over --connections");
        var grpc = new Option<bool>("--grpc") { Description = "Send each request on one gRPC stream to the intake (serve --grpc-port; --url is its address) instead of POST /v1/decisions." };
        var command = new Command("serve", "A running server's latency measured open-loop: requests scheduled at a fixed rate, each timed from its scheduled send into an HdrHistogram (no coordinated omission); prints p50/p90/p99/p99.9/max per phase.")
        {
            url, request, batch, grpc,
        };
        loop.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var token = Environment.GetEnvironmentVariable("RULESGATE_TOKEN") is { Length: > 0 } given ? given.Trim() : throw new FormatException("bench serve: set RULESGATE_TOKEN to a trader's token (never on the command line, where ps shows it).");
            var requestPath = parse.GetValue(request)!;
            RulesCommand.RequireExists(requestPath);
            var one = File.ReadAllText(requestPath).Trim();
            var size = parse.GetValue(batch);
            loop.Check(parse, "bench serve", size);

            var text = parse.GetValue(url)!;
            var server = Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttps || (parsed.Scheme == Uri.UriSchemeHttp && parsed.IsLoopback))
                ? parsed
                : throw new FormatException($"--url: '{text}' is not an https URL, or http to this machine; write, for example, http://127.0.0.1:8080.");
            if (parse.GetValue(grpc))
            {
                if (size != 0)
                {
                    throw new FormatException("bench serve --grpc sends single requests on one stream; leave out --batch.");
                }

                await using var stream = new GrpcIntake(server, token, System.Text.Encoding.UTF8.GetBytes(one));
                var measured = await loop.Run(new ServeBench(stream.Send), "grpc stream", "callers", parse, output).ConfigureAwait(false);
                if (stream.Failure is { } why)
                {
                    error.WriteLine($"rulesgate bench serve: the gRPC stream ended: {why}");
                }

                return measured;
            }

            var body = size == 0 ? System.Text.Encoding.UTF8.GetBytes(one) : ServeBench.Batch(one, size);
            using var http = ServeBench.Client(parse.GetValue(loop.Callers));
            var bench = ServeBench.Http(http, new Uri(server, size == 0 ? "v1/decisions" : "v1/decisions:batch"), token, body);
            return await loop.Run(bench, size == 0 ? "single" : $"batch of {size}", "connections", parse, output).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// <c>bench desk</c>: the order path as a library, in process (<see cref="OrderDesk"/>, what a C# order router
    /// calls), measured open-loop as <c>bench serve</c> measures the service: from each order's scheduled time to its
    /// decision, durable in the journal.
    /// </summary>
    private static Command Desk(TextWriter output, TextWriter error)
    {
        var request = new Option<string>("--request") { Description = "The request each order is (default samples/request-oversized-buy.json).", DefaultValueFactory = _ => "samples/request-oversized-buy.json" };
        var journal = new Option<string?>("--journal") { Description = "The journal decisions go to (it must exist); default: a new one in a temporary folder, removed afterwards." };
        var batch = new Option<int>("--batch") { Description = "Decide this many copies of the request together (OrderDesk.DecideAll); 0 (default): one at a time (OrderDesk.Decide).", DefaultValueFactory = _ => 0 };
        var loop = new OpenLoop("Orders (or batches)", new Option<int>("--callers") { Description = "Callers deciding at once in the burst (default 64).", DefaultValueFactory = _ => 64 }, "decide closed-loop from --callers callers");
        var command = new Command("desk", "The order path in process, as a C# order router calls it (OrderDesk), measured open-loop: orders scheduled at a fixed rate, each timed from its scheduled time to its decision, durable in the journal (group commit), into an HdrHistogram; prints p50/p90/p99/p99.9/max per phase.")
        {
            EvalCommand.Policy, request, journal, batch,
        };
        loop.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var size = parse.GetValue(batch);
            loop.Check(parse, "bench desk", size);

            var context = GateInputs.Read(parse.GetValue(request)!, CapitalContextJson.ReadRequest);
            if (GateInputs.Gate(CliOptions.Engine(parse), parse.GetValue(EvalCommand.Policy)!, error) is not { } gate)
            {
                return ExitCodes.Error;
            }

            var folder = parse.GetValue(journal) is null ? Directory.CreateTempSubdirectory("rulesgate-bench-desk-").FullName : null;
            try
            {
                var store = folder is null ? JournalCommand.Existing(parse.GetValue(journal)!) : SqliteJournal.Create(Path.Combine(folder, "journal.db"));
                await using var desk = new OrderDesk(gate, store);
                var contexts = Enumerable.Repeat(context, Math.Max(size, 1)).ToList();
                var bench = new ServeBench(async () =>
                {
                    try
                    {
                        _ = size == 0 ? await desk.Decide(context).ConfigureAwait(false) : (await desk.DecideAll(contexts).ConfigureAwait(false))[^1];
                        return true;
                    }
                    catch (JournalUnavailableException)
                    {
                        return false;
                    }
                });
                return await loop.Run(bench, size == 0 ? "desk" : $"desk, batch of {size}", "callers", parse, output).ConfigureAwait(false);
            }
            finally
            {
                if (folder is not null)
                {
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    Directory.Delete(folder, recursive: true);
                }
            }
        });
        return command;
    }

    /// <summary>
    /// The options of an open-loop bench (<c>bench serve</c>, <c>bench desk</c>) and how it runs: the fixed rate, then
    /// (with a burst) the burst over <paramref name="Callers"/> and the fixed rate again second by second; printed as
    /// a table or JSON lines.
    /// </summary>
    /// <param name="Unit">What the rate counts: "Requests", "Orders (or batches)".</param>
    /// <param name="Closed">What the burst does, for its description.</param>
    private sealed record OpenLoop(string Unit, Option<int> Callers, string Closed)
    {
        public Option<double> Rate { get; } = new("--rate") { Description = $"{Unit} a second, scheduled at fixed intervals (default 500).", DefaultValueFactory = _ => 500 };

        public Option<double> Seconds { get; } = new("--seconds") { Description = "How long the measured window lasts (default 10).", DefaultValueFactory = _ => 10 };

        public Option<double> Warmup { get; } = new("--warmup") { Description = "Seconds at the same rate before measuring, not recorded (default 2).", DefaultValueFactory = _ => 2 };

        public Option<double> Burst { get; } = new("--burst") { Description = $"Then {Closed} for this many seconds, and measure the fixed rate again second by second (default 0: no burst).", DefaultValueFactory = _ => 0 };

        public Option<bool> Json { get; } = new("--json") { Description = "One JSON object a phase instead of the table." };

        public void AddTo(Command command)
        {
            foreach (Option option in (Option[])[Rate, Seconds, Warmup, Callers, Burst, Json])
            {
                command.Options.Add(option);
            }
        }

        /// <exception cref="FormatException">A figure out of range: one line naming them all.</exception>
        public void Check(ParseResult parse, string name, int batch)
        {
            if (batch < 0 || parse.GetValue(Rate) is not > 0 || parse.GetValue(Seconds) is not > 0 || parse.GetValue(Warmup) < 0 || parse.GetValue(Callers) < 1 || parse.GetValue(Burst) < 0)
            {
                throw new FormatException($"{name}: --rate, --seconds and {Callers.Name} must be above 0, and --batch, --warmup and --burst 0 or more.");
            }
        }

        /// <summary>Runs the phases and prints them. Exit 1 when any request failed.</summary>
        public async Task<int> Run(ServeBench bench, string label, string called, ParseResult parse, TextWriter output)
        {
            var rate = parse.GetValue(Rate);
            var phases = new List<ServeBenchPhase>();
            phases.AddRange((await bench.FixedRate($"{label} {rate}/s", rate, TimeSpan.FromSeconds(parse.GetValue(Warmup)), TimeSpan.FromSeconds(parse.GetValue(Seconds))).ConfigureAwait(false)).Take(1));
            if (parse.GetValue(Burst) > 0)
            {
                phases.Add(await bench.Burst(parse.GetValue(Callers), TimeSpan.FromSeconds(parse.GetValue(Burst)), called).ConfigureAwait(false));
                phases.AddRange(await bench.FixedRate($"{label} after burst", rate, TimeSpan.Zero, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1)).ConfigureAwait(false));
            }

            if (parse.GetValue(Json))
            {
                phases.ForEach(phase => output.WriteLine(phase.Json()));
            }
            else
            {
                output.WriteLine(ServeBenchPhase.Header);
                phases.ForEach(phase => output.WriteLine(phase.Row()));
            }

            return phases.Any(phase => phase.Failed > 0) ? ExitCodes.Failed : ExitCodes.Ok;
        }
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
