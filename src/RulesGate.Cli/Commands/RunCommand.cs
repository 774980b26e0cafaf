using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using RulesGate.Core.Application;
using RulesGate.Core.Brokers;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate run</c>: a stream of intents through the gate and a broker (simulated unless named).</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var intents = CliOptions.Input("INTENTS.jsonl", "Order intents, one JSON object a line.");
        var portfolio = new Option<string>("--portfolio") { Description = EvalCommand.Portfolio.Description, Required = true };
        var market = new Option<string>("--market") { Description = EvalCommand.Market.Description, Required = true };
        var outDir = new Option<string?>("--out") { Description = "Write decisions.jsonl and summary.json into this folder." };
        var execLog = new Option<string?>("--exec-log") { Description = "Write the execution log here: one JSON line per ORDER_SUBMITTED, ORDER_FILLED and ORDER_REJECTED, with run_id, intent_id and the policy hash (rulesgate correlate joins it with the decisions)." };
        var broker = new Option<string>("--broker")
        {
            Description = "Where orders that go are sent: sim (the simulated broker, default), alpaca (APCA_API_KEY_ID, APCA_API_SECRET_KEY, APCA_API_BASE_URL, default paper trading) or tradier (TRADIER_TOKEN, TRADIER_ACCOUNT_ID, TRADIER_ENV sandbox|live). Credentials come from the environment only.",
            DefaultValueFactory = _ => "sim",
        };
        broker.AcceptOnlyFromAmong([.. BrokerSettings.Names]);
        var command = new Command("run", "Run a stream of intents: state evolves through the broker's fills (simulated unless --broker names one), order counts slide over 60 s, the kill switch latches. With --governance, each order is judged by the governance gate too (strategies' state from --journal) and only what both gates let go is sent. Prints the summary JSON.")
        {
            EvalCommand.Policy, intents, portfolio, market, EvalCommand.Execution, EvalCommand.Journal, outDir, execLog, GovernanceCommands.Governance, GovernanceCommands.Maturity, EvalCommand.Format, broker,
        };
        command.SetAction(parse =>
        {
            var intentsPath = parse.GetValue(intents)!;
            RulesCommand.RequireExists(intentsPath);
            var state = GateInputs.Read(parse.GetValue(portfolio)!, CapitalContextJson.ReadPortfolio);
            var snapshot = GateInputs.Read(parse.GetValue(market)!, CapitalContextJson.ReadMarket);
            var execution = parse.GetValue(EvalCommand.Execution) is { } path ? GateInputs.Read(path, CapitalContextJson.ReadExecution) : ExecutionState.Idle;
            if (GateInputs.Gate(CliOptions.Engine(parse), parse.GetValue(EvalCommand.Policy)!, error) is not { } gate)
            {
                return ExitCodes.Error;
            }

            var policygate = EvalCommand.PolicyGateFormat(parse);
            GovernanceGate? governance = null;
            if (parse.GetValue(GovernanceCommands.Governance) is { } governancePath)
            {
                if (policygate)
                {
                    throw new FormatException("--format policygate writes capital decisions; PolicyGate has no governance gate. Leave out --governance or --format.");
                }

                if (parse.GetValue(EvalCommand.Journal) is null)
                {
                    throw new FormatException("run --governance reads each strategy's maturity, health, drift and tokens from the journal; give --journal too.");
                }

                if ((governance = GovernanceCommands.Gate(CliOptions.Engine(parse), governancePath, parse, error)) is null)
                {
                    return ExitCodes.Error;
                }
            }

            using var journal = parse.GetValue(EvalCommand.Journal) is { } journalPath ? JournalCommand.Existing(journalPath) : null;
            string[] lines = [.. StrictJson.ReadLines(intentsPath).Select(line => line.Text)];
            if (parse.GetValue(execLog) is { } logFolder && Path.GetDirectoryName(Path.GetFullPath(logFolder)) is { } parent)
            {
                Directory.CreateDirectory(parent);
            }

            using var log = parse.GetValue(execLog) is { } logPath ? new StreamWriter(logPath) { NewLine = "\n" } : null;
            var held = new List<string>();
            var executed = new List<string>();
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };     // each order waits HttpBroker.Timeout
            var sender = BrokerSettings.Of(parse.GetValue(broker)!, snapshot, Environment.GetEnvironmentVariable, http);
            var stream = new CapitalStream(gate, state, snapshot, execution, RunId(gate, lines, journal), journal, governance, log is null ? null : e => executed.Add(e.Json()), Batch, sender);
            var folder = parse.GetValue(outDir);
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
            }

            // Lines are written (and orders leave the process) only once their decisions are durable in the
            // journal, a segment at a time: what the files show is never more than what the journal holds.
            using (var decisions = folder is null ? TextWriter.Null : new StreamWriter(Path.Combine(folder, "decisions.jsonl")) { NewLine = "\n" })
            {
                void Release()
                {
                    held.ForEach(decisions.WriteLine);
                    executed.ForEach(line => log!.WriteLine(line));
                    if (journal is not null)
                    {
                        // Acknowledged together with their segment; without a journal there is nothing to wait for,
                        // and the writers flush as their buffers fill.
                        decisions.Flush();
                        log?.Flush();
                    }

                    held.Clear();
                    executed.Clear();
                }

                TerminalProgress.Run(error, "Judging intents", lines.Length, done =>
                {
                    for (var i = 0; i < lines.Length; i++)
                    {
                        if (lines[i].Trim().Length > 0)
                        {
                            var (capital, governed, context) = stream.Step(lines[i], i + 1);
                            held.Add(governed is not null ? GovernanceJson.Decision(governed, governance!.MaturityPolicy)
                                : policygate ? PolicyGateJson.Decision(capital, context, gate)
                                : CapitalJson.Decision(capital));
                            if (stream.Pending == 0)
                            {
                                Release();
                            }
                        }

                        if ((i & 255) == 255)
                        {
                            done(i + 1);
                        }
                    }

                    stream.Flush();
                    Release();
                });
            }

            var summary = stream.Summary().ToJson();
            if (folder is not null)
            {
                File.WriteAllText(Path.Combine(folder, "summary.json"), summary + "\n");
            }

            output.WriteLine(summary);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>How many decisions of a run one journal commit (one segment) takes.</summary>
    internal const int Batch = 4096;

    /// <summary>Derived from what the run reads, so the same run into the same journal gets the same id.</summary>
    private static string RunId(CapitalGate gate, string[] lines, JournalStore? journal)
    {
        var events = journal?.LastSeq() ?? 0;
        var text = $"{gate.Bundle.File.Hash}\n{events}\n{string.Join('\n', lines)}";
        return "run-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
