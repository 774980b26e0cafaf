using System.CommandLine;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Orders;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate eval</c>: one order intent through the pre-trade gate.</summary>
internal static class EvalCommand
{
    public static Option<string> Policy => PerRun.Get(static () => new Option<string>("--policy") { Description = "A CapitalPolicy rule file or a PolicyGate policy YAML (version \"0.1\").", Required = true });
    public static Option<string?> Portfolio => PerRun.Get(static () => new Option<string?>("--portfolio") { Description = "Portfolio state JSON: equity, start_of_day_equity, peak_equity, positions." });
    public static Option<string?> Market => PerRun.Get(static () => new Option<string?>("--market") { Description = "Market snapshot JSON: timestamp, prices." });
    public static Option<string?> Execution => PerRun.Get(static () => new Option<string?>("--execution") { Description = "Execution state JSON: orders_last_60s_global, orders_last_60s_by_strategy, violations_last_window, kill_switch_active. Default: idle." });
    /// <summary><c>--format rulesgate|policygate</c>: how a capital decision is written.</summary>
    public static Option<string> Format => PerRun.Get(static () => new Option<string>("--format") { Description = "How a decision is written: rulesgate (default) or policygate (exactly as PolicyGate Capital writes it, for its consumers).", DefaultValueFactory = _ => "rulesgate" });

    public static Option<string?> Journal => PerRun.Get(static () => new Option<string?>("--journal") { Description = $"Journal every decision in this SQLite file (e.g. {SqliteJournal.DefaultPath}); its latched kill switch applies." });

    public static Command Create(TextWriter output, TextWriter error)
    {
        var intent = new Option<string?>("--intent") { Description = "Order intent JSON: intent_id, timestamp, strategy_id, account_id, instrument, side, order_type, qty, limit_price." };
        var request = CliOptions.Input("REQUEST.json", "One JSON object holding intent, portfolio, market and (optionally) execution; instead of the four options --intent, --portfolio, --market and --execution.", optional: true);
        var pretty = new Option<bool>("--pretty") { Description = "Indent the JSON." };
        var command = new Command("eval", "Judge one order intent: prints the decision as JSON (decision, violations, evidence, modified_intent, …). Exit 0 ALLOW/MODIFY, 1 DENY, 2 error.")
        {
            Policy, intent, Portfolio, Market, Execution, request, Journal, GovernanceCommands.Governance, GovernanceCommands.Maturity, Format, pretty,
        };
        command.SetAction(parse =>
        {
            var context = Context(parse, parse.GetValue(intent), parse.GetValue(request));
            if (GateInputs.Gate(CliOptions.Engine(parse), parse.GetValue(Policy)!, error) is not { } gate)
            {
                return ExitCodes.Error;
            }

            if (parse.GetValue(GovernanceCommands.Governance) is { } governancePath)
            {
                if (PolicyGateFormat(parse))
                {
                    throw new FormatException("--format policygate writes capital decisions; PolicyGate has no governance gate. Leave out --governance or --format.");
                }

                // The request file may hold a governance block too; the separate files never do.
                var governed = parse.GetValue(request) is { } requestPath ? GateInputs.Read(requestPath, GovernanceRequest.Read) : new GovernanceRequest(context, GovernanceInputs.None);
                if (GovernanceCommands.Gate(CliOptions.Engine(parse), governancePath, parse, error) is not { } governance)
                {
                    return ExitCodes.Error;
                }

                using var store = parse.GetValue(Journal) is { } at ? JournalCommand.Existing(at) : null;
                return GovernanceCommands.Print(output, new OrderPipeline(gate, governance).Decide(store, governed.Capital, governed.Inputs).Order.Governed!, governance, parse.GetValue(pretty));
            }

            using var journal = parse.GetValue(Journal) is { } path ? JournalCommand.Existing(path) : null;
            var order = new OrderPipeline(gate).Decide(journal, context, GovernanceInputs.None).Order;
            var decision = order.Capital!;
            context = order.Context;
            output.WriteLine(PolicyGateFormat(parse) ? PolicyGateJson.Decision(decision, context, gate, parse.GetValue(pretty)) : CapitalJson.Decision(decision, parse.GetValue(pretty)));
            return decision.Decision == CapitalVerdict.Deny ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Whether <c>--format policygate</c> was asked for.</summary>
    /// <exception cref="FormatException">--format is neither rulesgate nor policygate.</exception>
    public static bool PolicyGateFormat(ParseResult parse) => parse.GetValue(Format) switch
    {
        "rulesgate" => false,
        "policygate" => true,
        var other => throw new FormatException($"--format: '{other}' is not a format; write rulesgate or policygate."),
    };

    private static CapitalContext Context(ParseResult parse, string? intent, string? request)
    {
        var separate = new[] { intent, parse.GetValue(Portfolio), parse.GetValue(Market) };
        if (request is not null)
        {
            if (separate.Any(path => path is not null) || parse.GetValue(Execution) is not null)
            {
                throw new FormatException("Give either REQUEST.json or --intent, --portfolio and --market (and --execution), not both.");
            }

            return GateInputs.Read(request, json => CapitalContextJson.ReadRequest(json, governance: parse.GetValue(GovernanceCommands.Governance) is not null));
        }

        if (separate.Any(path => path is null))
        {
            throw new FormatException("Give REQUEST.json, one file with intent, portfolio, market (and execution), or the options --intent, --portfolio and --market (and --execution).");
        }

        return new CapitalContext(
            GateInputs.Read(intent!, CapitalContextJson.ReadIntent),
            GateInputs.Read(parse.GetValue(Portfolio)!, CapitalContextJson.ReadPortfolio),
            GateInputs.Read(parse.GetValue(Market)!, CapitalContextJson.ReadMarket),
            parse.GetValue(Execution) is { } execution ? GateInputs.Read(execution, CapitalContextJson.ReadExecution) : ExecutionState.Idle);
    }
}
