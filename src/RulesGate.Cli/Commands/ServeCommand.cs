using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using RulesGate.Core.Gate;
using RulesGate.Core.Workflows;
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
        var grpcPort = new Option<int?>("--grpc-port") { Description = "Also serve the gRPC intake (protos/rulesgate.proto: one stream per order router, each decision answered in order once durable) on this port, HTTP/2 only; default: none." };
        var portfolio = new Option<string>("--portfolio") { Description = "The portfolio POST /intent starts from (its positions evolve as orders fill).", Required = true };
        var market = new Option<string>("--market") { Description = "The market POST /intent judges against, unless a request sends its own market_snapshot.", Required = true };
        var governance = new Option<string?>("--governance") { Description = $"The GovernancePolicy whose settings trade outcomes, execution tokens and governance reads use (default {GovernanceCommands.DefaultPolicy} when it exists)." };
        var gates = new Option<string?>("--gates") { Description = $"The PromotionGate file the ledger's blockers are assessed with (default {Core.Promotion.PromotionGates.DefaultPath}, else the built-in copy)." };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "Serve HTTPS with this PEM certificate (with --tls-key, its PEM private key)." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "The PEM private key of --tls-cert." };
        var clientCa = new Option<string?>("--client-ca") { Description = "Mutual TLS: a PEM file of the authorities whose certificates clients must present (bearer tokens are still required). Needs --tls-cert." };
        var artifacts = new Option<string>("--artifacts") { Description = "Where workflow effects write (rendered summaries, the promotion log); default artifacts.", DefaultValueFactory = _ => "artifacts" };
        var inFlight = new Option<int>("--in-flight") { Description = "The most requests worked on at once (default 1024).", DefaultValueFactory = _ => 1024 };
        var shadow = new Option<string?>("--shadow") { Description = "A candidate capital rule file that judges every order beside the live one, off the order path: each disagreement is journaled (shadow.disagreed) and counted in /metrics; POST /v1/shadow changes it, DELETE /v1/shadow stops it." };
        var unapproved = new Option<bool>("--reload-unapproved") { Description = "For development: a saved rule file goes live at once, as before, instead of waiting for its rule-change workflow's approval; said at start." };
        var requestLog = new Option<string?>("--request-log") { Description = "Write one JSON line per request answered (time, method, route, status, principal, latency_ms, trace_id) to this file, appended; - writes them to standard output." };
        var queue = new Option<int>("--queue") { Description = "The most requests waiting for their turn (default 4096); beyond it, requests are refused with a 503 and Retry-After.", DefaultValueFactory = _ => 4096 };
        var command = new Command("serve", "Serve RulesGate over HTTP: POST /v1/decisions (a full request; the decision and its journal sequence number), POST /intent and GET /health exactly as policygate-serve; diary, evidence, outcomes, workflow instances and their votes, the ledger, tokens and the journal under /v1. Every request needs a bearer token from --principals. Ctrl+C or SIGTERM stops it after the requests in flight.")
        {
            EvalCommand.Policy, portfolio, market, EvalCommand.Execution, EvalCommand.Journal, principals, host, port, grpcPort, WorkflowCommand.Definitions, WorkflowCommand.Roles, governance, GovernanceCommands.Maturity, gates,
            tlsCert, tlsKey, clientCa, inFlight, queue, artifacts, shadow, unapproved, requestLog,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var allowed = Principals.Read(Existing(parse.GetValue(principals)!));
            var address = IPAddress.TryParse(parse.GetValue(host), out var parsed) ? parsed : throw new FormatException($"--host: '{parse.GetValue(host)}' is not an IP address; write 127.0.0.1 (this machine) or 0.0.0.0 (every interface).");
            if (parse.GetValue(port) is < 1 or > 65535)
            {
                throw new FormatException($"--port: {parse.GetValue(port)} is not a port; write one from 1 to 65535.");
            }

            if (parse.GetValue(grpcPort) is { } streams && (streams is < 1 or > 65535 || streams == parse.GetValue(port)))
            {
                throw new FormatException($"--grpc-port: {streams} is not a port of its own; write one from 1 to 65535 other than --port (the gRPC intake speaks HTTP/2 alone).");
            }

            if (parse.GetValue(inFlight) is < 1 or > 100_000 || parse.GetValue(queue) is < 0 or > 1_000_000)
            {
                throw new FormatException("--in-flight: write 1 to 100000; --queue: write 0 to 1000000.");
            }

            var (certificate, authorities) = Tls(parse.GetValue(tlsCert), parse.GetValue(tlsKey), parse.GetValue(clientCa));
            var state = GateInputs.Read(parse.GetValue(portfolio)!, CapitalContextJson.ReadPortfolio);
            var snapshot = GateInputs.Read(parse.GetValue(market)!, CapitalContextJson.ReadMarket);
            var execution = parse.GetValue(EvalCommand.Execution) is { } path ? GateInputs.Read(path, CapitalContextJson.ReadExecution) : ExecutionState.Idle;
            var engine = CliOptions.Engine(parse);
            if (GateInputs.Gate(engine, parse.GetValue(EvalCommand.Policy)!, error) is not { } gate)
            {
                return ExitCodes.Error;
            }

            RulesGate.Core.Rules.RuleBundle? candidate = null;
            if (parse.GetValue(shadow) is { } shadowPath && (candidate = GateInputs.Policy(engine, shadowPath, error)) is null)
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

            var journalPath = parse.GetValue(EvalCommand.Journal);
            var journal = journalPath is not null ? JournalCommand.Existing(journalPath) : null;
            var runId = $"serve-{gate.Bundle.File.Hash[..8]}-{journal?.LastSeq() ?? 0}";
            var intake = new CapitalStream(gate, state, snapshot, execution, runId);   // the host journals its decisions
            var served = new GateHost(gate, journal, intake);
            var workflows = parse.GetValue(WorkflowCommand.Definitions)!;
            var service = new GovernanceService(served, new GovernanceServiceSettings(engine, workflows, WorkflowCommand.RolesOf(parse), gatesBundle, governed, Artifacts: parse.GetValue(artifacts)!, Webhook: WorkflowWebhook.FromEnvironment(),
                Reader: journalPath is null ? null : () => JournalCommand.ReadOnly(journalPath)));     // the path now: options are read only while the command runs, and this opens later
            var gatesPath = parse.GetValue(gates) ?? (File.Exists(Core.Promotion.PromotionGates.DefaultPath) ? Core.Promotion.PromotionGates.DefaultPath : null);
            var maturityPath = governed?.Maturity is null ? null : parse.GetValue(GovernanceCommands.Maturity) ?? GovernanceCommands.DefaultMaturity;
            var reload = new HotReload(served, service, engine, new ReloadSources(parse.GetValue(EvalCommand.Policy)!, gatesPath, governancePath, maturityPath, workflows), governed: !parse.GetValue(unapproved));
            reload.Reloaded += report =>
            {
                foreach (var identity in report.Loaded)
                {
                    error.WriteLine($"rulesgate serve: reloaded {identity}.");
                }

                foreach (var identity in report.Proposed)
                {
                    error.WriteLine($"rulesgate serve: {identity} proposed, not live: its rule-change workflow waits for approval (GET /v1/instances?waiting=approval).");
                }

                foreach (var (file, problem) in report.Failed)
                {
                    error.WriteLine($"rulesgate serve: {file} changed but does not load; its live version stays: {problem.Split('\n')[0]}");
                }
            };
            if (candidate is not null)
            {
                await served.Shadow.Start(candidate, "serve --shadow").ConfigureAwait(false);
            }

            await using var requests = parse.GetValue(requestLog) is { } logPath ? new RequestLog(LogWriter(logPath, output), served.Metrics.RequestLogDropped, ownsOutput: logPath != "-") : null;
            await using var app = RulesGateServer.Build(new ServerSettings(served, allowed, address, parse.GetValue(port), parse.GetValue(inFlight), parse.GetValue(queue), service, reload, Tls: certificate, ClientAuthorities: authorities, WatchFiles: TimeSpan.FromMilliseconds(300), GrpcPort: parse.GetValue(grpcPort), RequestLog: requests, Tracing: Otlp(), Errors: TextWriter.Synchronized(error)));
            await app.StartAsync(cancellation).ConfigureAwait(false);
            if (parse.GetValue(unapproved))
            {
                error.WriteLine("rulesgate serve: --reload-unapproved: a saved rule file goes live at once, without approval (for development).");
            }
            else if (journal is null)
            {
                error.WriteLine("rulesgate serve: no journal to record approvals in: a saved rule file goes live at once, unapproved; give --journal to govern rule changes.");
            }

            if (Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } traces)
            {
                error.WriteLine($"rulesgate serve: tracing each request and decision to {traces} (OTLP).");
            }

            if (!IPAddress.IsLoopback(address) && certificate is null)
            {
                error.WriteLine($"rulesgate serve: listening on {address}, beyond this machine: bearer tokens travel in clear text unless a TLS proxy is in front.");
            }

            output.WriteLine($"rulesgate serve: listening on {RulesGateServer.Address(app)}{(RulesGateServer.GrpcAddress(app) is { } grpcAt ? $" (gRPC intake on {grpcAt})" : "")} with {allowed.Count} {(allowed.Count == 1 ? "principal" : "principals")}, rule file {gate.Bundle.Identity}{(candidate is null ? "" : $" (in shadow: {candidate.Identity})")}{(journal is null ? ", no journal" : $", journal {journal.Location}")}; Ctrl+C stops.");
            output.Flush();
            await app.WaitForShutdownAsync(cancellation).ConfigureAwait(false);
            await served.DisposeAsync().ConfigureAwait(false);   // what is queued is written, then the journal closes
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Traces exported by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (and <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>
    /// <c>grpc</c>, the default, or <c>http/protobuf</c>); none otherwise.
    /// </summary>
    /// <exception cref="FormatException">The endpoint is not an absolute URI, or the protocol is neither.</exception>
    private static Action<OpenTelemetry.Trace.TracerProviderBuilder>? Otlp()
    {
        if (Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is not { Length: > 0 } endpoint)
        {
            return null;
        }

        var uri = Uri.TryCreate(endpoint, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"
            ? parsed
            : throw new FormatException($"OTEL_EXPORTER_OTLP_ENDPOINT: '{endpoint}' is not an http or https URI; write one such as http://127.0.0.1:4317.");
        var protocol = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL") switch
        {
            null or "" or "grpc" => OpenTelemetry.Exporter.OtlpExportProtocol.Grpc,
            "http/protobuf" => OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf,
            var other => throw new FormatException($"OTEL_EXPORTER_OTLP_PROTOCOL: '{other}' is not a protocol RulesGate exports with; write grpc or http/protobuf."),
        };
        return tracer => OpenTelemetry.Trace.OtlpTraceExporterHelperExtensions.AddOtlpExporter(tracer, options => (options.Endpoint, options.Protocol) = (uri, protocol));
    }

    /// <summary>Where request log lines go: standard output for -, else the file, appended (created when absent), others may read it meanwhile.</summary>
    private static TextWriter LogWriter(string path, TextWriter output) =>
        path == "-" ? output : new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new System.Text.UTF8Encoding(false));

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
        var file = CliOptions.Input("PRINCIPALS.json", "The principals file serve --principals reads.");
        var check = new Command("check", "Read a principals file as serve does, strictly: one line per principal with its roles, or the first problem with the entry it is in (exit 2).") { file };
        check.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            RulesCommand.RequireExists(path);
            var principals = Principals.Read(path).All;
            foreach (var principal in principals)
            {
                output.WriteLine($"{principal.Name}: {string.Join(", ", principal.Roles.Order(StringComparer.Ordinal))}");
            }

            output.WriteLine($"{principals.Count} {(principals.Count == 1 ? "principal" : "principals")}.");
            return ExitCodes.Ok;
        });
        return new Command("principal", "Principals of rulesgate serve: who may call it, with which roles.") { create, check };
    }

    /// <summary>The server's certificate with its key, and the client authorities, from PEM files; none without --tls-cert.</summary>
    private static (X509Certificate2? Certificate, X509Certificate2Collection? Authorities) Tls(string? cert, string? key, string? clientCa)
    {
        if (cert is null)
        {
            return key is not null || clientCa is not null
                ? throw new FormatException("--tls-key and --client-ca need --tls-cert: give the server's certificate too.")
                : (null, null);
        }

        if (key is null)
        {
            throw new FormatException("--tls-cert needs --tls-key: the certificate's PEM private key.");
        }

        X509Certificate2 certificate;
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(Existing(cert), Existing(key));
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);   // a key the TLS stack can use
        }
        catch (CryptographicException error)
        {
            throw new FormatException($"{cert}, {key}: not a PEM certificate with its private key ({error.Message.TrimEnd('.')}).");
        }

        if (clientCa is null)
        {
            return (certificate, null);
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(Existing(clientCa));
        }
        catch (CryptographicException error)
        {
            throw new FormatException($"{clientCa}: not a PEM file of certificates ({error.Message.TrimEnd('.')}).");
        }

        return authorities.Count > 0 ? (certificate, authorities) : throw new FormatException($"{clientCa}: holds no certificate; give the PEM certificates of the authorities that sign client certificates.");
    }

    private static string Existing(string path)
    {
        RulesCommand.RequireExists(path);
        return path;
    }
}
