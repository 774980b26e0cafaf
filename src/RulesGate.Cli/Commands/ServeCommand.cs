using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Hosting;
using RulesGate.Core.Gate;
using RulesGate.Server;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate serve</c> and <c>rulesgate principal new</c>.</summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var principals = new Option<string>("--principals") { Description = "The principals file: who may call, with which roles, by the SHA-256 of their bearer tokens. Make entries with 'rulesgate principal new'.", Required = true };
        var host = new Option<string>("--host") { Description = "The address to listen on (default 127.0.0.1, this machine only). Anything else sends tokens in clear text unless a TLS proxy is in front.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "The port (default 8100, as policygate-serve).", DefaultValueFactory = _ => 8100 };
        var portfolio = new Option<string>("--portfolio") { Description = "The portfolio POST /intent starts from (its positions evolve as orders fill).", Required = true };
        var market = new Option<string>("--market") { Description = "The market POST /intent judges against, unless a request sends its own market_snapshot.", Required = true };
        var governance = new Option<string?>("--governance") { Description = $"The GovernancePolicy whose settings trade outcomes, execution tokens and governance reads use (default {GovernanceCommands.DefaultPolicy} when it exists)." };
        var gates = new Option<string?>("--gates") { Description = $"The PromotionGate file the ledger's blockers are assessed with (default {Core.Promotion.PromotionGates.DefaultPath}, else the built-in copy)." };
        var command = new Command("serve", "Serve RulesGate over HTTP: POST /v1/decisions (a full request; the decision and its journal sequence number), POST /intent and GET /health exactly as policygate-serve; diary, evidence, outcomes, workflow instances and their votes, the ledger, tokens and the journal under /v1. Every request needs a bearer token from --principals. Ctrl+C or SIGTERM stops it after the requests in flight.")
        {
            EvalCommand.Policy, portfolio, market, EvalCommand.Execution, EvalCommand.Journal, principals, host, port, WorkflowCommand.Definitions, WorkflowCommand.Roles, governance, GovernanceCommands.Maturity, gates,
        };
        command.SetAction(parse =>
        {
            var allowed = Principals.Read(Existing(parse.GetValue(principals)!));
            var address = IPAddress.TryParse(parse.GetValue(host), out var parsed) ? parsed : throw new FormatException($"--host: '{parse.GetValue(host)}' is not an IP address; write 127.0.0.1 (this machine) or 0.0.0.0 (every interface).");
            if (parse.GetValue(port) is < 1 or > 65535)
            {
                throw new FormatException($"--port: {parse.GetValue(port)} is not a port; write one from 1 to 65535.");
            }

            var state = GateInputs.Read(parse.GetValue(portfolio)!, CapitalContextJson.ReadPortfolio);
            var snapshot = GateInputs.Read(parse.GetValue(market)!, CapitalContextJson.ReadMarket);
            var execution = parse.GetValue(EvalCommand.Execution) is { } path ? GateInputs.Read(path, CapitalContextJson.ReadExecution) : ExecutionState.Idle;
            var engine = CliOptions.Engine(parse);
            if (GateInputs.Gate(engine, parse.GetValue(EvalCommand.Policy)!, error) is not { } gate)
            {
                return ExitCodes.Error;
            }

            var governancePath = parse.GetValue(governance) ?? (File.Exists(GovernanceCommands.DefaultPolicy) ? GovernanceCommands.DefaultPolicy : null);
            var governed = governancePath is null ? null : GovernanceCommands.Gate(engine, governancePath, parse, error);
            var promotionGates = Core.Promotion.PromotionGates.Load(engine, parse.GetValue(gates));
            if ((governancePath is not null && governed is null) || promotionGates.Value is not { } gatesBundle)
            {
                RulesCommand.Report(promotionGates.Diagnostics, error);
                return ExitCodes.Error;
            }

            var journal = parse.GetValue(EvalCommand.Journal) is { } journalPath ? JournalCommand.Existing(journalPath) : null;
            var runId = $"serve-{gate.Bundle.File.Hash[..8]}-{journal?.LastSeq() ?? 0}";
            var intake = new CapitalStream(gate, state, snapshot, execution, runId);   // the host journals its decisions
            var served = new GateHost(gate, journal, intake);
            var workflows = parse.GetValue(WorkflowCommand.Definitions)!;
            var desk = new Desk(served, new DeskSettings(engine, workflows, WorkflowCommand.RolesOf(parse), gatesBundle, governed));
            var gatesPath = parse.GetValue(gates) ?? (File.Exists(Core.Promotion.PromotionGates.DefaultPath) ? Core.Promotion.PromotionGates.DefaultPath : null);
            var maturityPath = governed?.Maturity is null ? null : parse.GetValue(GovernanceCommands.Maturity) ?? GovernanceCommands.DefaultMaturity;
            using var reload = new HotReload(served, desk, engine, new ReloadSources(parse.GetValue(EvalCommand.Policy)!, gatesPath, governancePath, maturityPath, workflows));
            reload.Reloaded += report =>
            {
                foreach (var identity in report.Loaded)
                {
                    error.WriteLine($"rulesgate serve: reloaded {identity}.");
                }

                foreach (var (file, problem) in report.Failed)
                {
                    error.WriteLine($"rulesgate serve: {file} changed but does not load; its live version stays: {problem.Split('\n')[0]}");
                }
            };
            reload.Watch(TimeSpan.FromMilliseconds(300));
            using var app = RulesGateServer.Build(new ServerSettings(served, allowed, address, parse.GetValue(port), Desk: desk, Reload: reload));
            app.StartAsync().GetAwaiter().GetResult();
            if (!IPAddress.IsLoopback(address))
            {
                error.WriteLine($"rulesgate serve: listening on {address}, beyond this machine: bearer tokens travel in clear text unless a TLS proxy is in front.");
            }

            output.WriteLine($"rulesgate serve: listening on {RulesGateServer.Address(app)} with {allowed.Count} {(allowed.Count == 1 ? "principal" : "principals")}, rule file {gate.Bundle.Identity}{(journal is null ? ", no journal" : $", journal {journal.Location}")}; Ctrl+C stops.");
            output.Flush();
            app.WaitForShutdownAsync().GetAwaiter().GetResult();
            served.DisposeAsync().AsTask().GetAwaiter().GetResult();   // what is queued is written, then the journal closes
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Principal(TextWriter output)
    {
        var name = new Option<string>("--name") { Description = "Who the token is for: a person or a system, as the journal will name it.", Required = true };
        var roles = new Option<string[]>("--role") { Description = $"A role it has (repeat for more): {Principals.TraderRole} judges orders; {Principals.AutomationRole} feeds diary, evidence and outcomes and starts workflows; {Principals.ApproverRole} approves and rejects (in the approval roles workflows/roles.yaml gives the name); {Principals.RiskRole} resets the kill switch and issues tokens; {Principals.AdminRole} may do anything. Any principal may read.", Required = true, AllowMultipleArgumentsPerToken = false };
        var create = new Command("new", "Makes a bearer token: prints the token once (give it to the principal) and the entry to add to the principals file, which keeps only its SHA-256.") { name, roles };
        create.SetAction(parse =>
        {
            var who = Core.Identities.Name(parse.GetValue(name), "--name");
            var given = parse.GetValue(roles)!.Select(role => Core.Identities.Name(role, "--role")).Distinct(StringComparer.Ordinal).ToArray();
            if (given.FirstOrDefault(role => !Principals.Known.Contains(role)) is { } unknown)
            {
                throw new FormatException($"--role: '{unknown}' is no role; write one of {string.Join(", ", Principals.Known)}.");
            }

            var token = Principals.NewToken();
            output.WriteLine($"token: {token}");
            output.WriteLine(Core.Serialization.JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, who);
                Core.Serialization.JsonText.Strings(writer, "roles"u8, given);
                writer.WriteString("token_sha256"u8, Principals.HashOf(token));
                writer.WriteEndObject();
            }, pretty: false));
            return ExitCodes.Ok;
        });
        return new Command("principal", "Principals of rulesgate serve: who may call it, with which roles.") { create };
    }

    private static string Existing(string path)
    {
        RulesCommand.RequireExists(path);
        return path;
    }
}
