using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RulesGate.Core;
using RulesGate.Core.Application;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate workflow check|diagram</c>.</summary>
internal static class WorkflowCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var files = new Argument<string[]>("FILE") { Description = "Workflow files or folders (default workflows/).", Arity = ArgumentArity.ZeroOrMore };
        var checkJson = CliOptions.Json("{files, problems: [{file, line, column, code, key_path, message, hint}]}");
        var check = new Command("check", "Load workflow definitions strictly and compile their conditions; check that every template they render exists, every role they ask for is declared and every quorum can be met; print every problem as file:line:col with what to write instead.") { files, Roles, checkJson };
        check.SetAction(parse =>
        {
            var arguments = parse.GetValue(files) is { Length: > 0 } given ? given : ["workflows"];
            var paths = Files(arguments);
            var loader = Loader(parse);
            var json = parse.GetValue(checkJson);
            var problems = new List<RuleDiagnostic>();
            var loadedById = new Dictionary<string, WorkflowDefinition>(StringComparer.Ordinal);
            var workflowFiles = paths.Where(path => Path.GetFileName(path) != StandingDeclaration.FileName).ToList();
            var loadedCount = workflowFiles.Count;
            foreach (var path in workflowFiles)
            {
                var loaded = loader.Load(path);
                problems.AddRange(loaded.Diagnostics);
                if (loaded.Value is { } definition)
                {
                    loadedById.TryAdd(definition.Id, definition);
                    if (!json)
                    {
                        output.WriteLine($"  {definition.Identity,-40} {definition.States.Count,2} states  subject {definition.Subject,-8}  {path}");
                    }
                }
            }

            // A folder's standing file (or one named) is checked against the workflows checked with it.
            var standings = arguments.Select(argument => Directory.Exists(argument) ? Path.Combine(argument, StandingDeclaration.FileName) : argument)
                .Where(path => Path.GetFileName(path) == StandingDeclaration.FileName && File.Exists(path)).Distinct().ToList();
            foreach (var path in standings)
            {
                var declared = StandingDeclaration.Load(path, loadedById);
                problems.AddRange(declared.Diagnostics);
                if (declared.Value is { } standing && !json)
                {
                    output.WriteLine($"  {"standing",-40} {string.Join("; ", standing.Subjects.Select(pair => $"{pair.Key}: {string.Join(", ", pair.Value.Ladders)}"))}  {path}");
                }
            }

            return RulesCommand.Checked(loadedCount, "workflow", problems, json, output, error);
        });

        var file = new Argument<string>("FILE") { Description = "A workflow file." };
        var format = new Option<string>("--format") { Description = "mermaid (default) or dot.", DefaultValueFactory = _ => "mermaid" };
        format.AcceptOnlyFromAmong("mermaid", "dot");
        var diagram = new Command("diagram", "Draw a workflow's states and ways out (gates, conditions, approvals, timers, demotions) as Mermaid or Graphviz dot.") { file, format };
        diagram.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            RulesCommand.RequireExists(path);
            var loaded = Loader(parse).Load(path);
            if (loaded.Value is not { } definition)
            {
                RulesCommand.Report(loaded.Diagnostics, error);
                return ExitCodes.Error;
            }

            output.Write(parse.GetValue(format) == "dot" ? WorkflowDiagram.Dot(definition) : WorkflowDiagram.Mermaid(definition));
            return ExitCodes.Ok;
        });
        return new Command("workflow", "Durable workflows: stage pipelines and approval flows.")
        {
            check, diagram, Start(output, error), List(output, error), Show(output, error), Vote(output, error, approve: true), Vote(output, error, approve: false), Tick(output, error), Migrate(output, error), Signals(output, error),
        };
    }

    /// <summary><c>rulesgate evidence submit</c>: records evidence about a subject and wakes its instances.</summary>
    public static Command Evidence(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var subject = new Option<string>("--subject") { Description = "The policy or strategy the evidence is about.", Required = true };
        var kind = new Option<string>("--kind") { Description = "What it is: discovery, scoreboard, trades, paper, incident, diary, …", Required = true };
        var file = CliOptions.Input("EVIDENCE.json", "The evidence: one JSON object.");
        var key = KeyOption();
        var submit = new Command("submit", "Record evidence about a subject and wake every instance of it: demotions first, then the ways out of the state each waits in. A workflow of the workflows folder that starts on this kind of evidence (starts_on:) gets an instance for a subject that has none, first. Baseline and performance evidence of a strategy feed governance's drift; its alerts are journaled and printed.") { journal, subject, kind, file, key, GovernanceCommands.Policy, Definitions, Roles };
        submit.SetAction(async (parse, cancellation) =>
        {
            var path = parse.GetValue(file)!;
            RulesCommand.RequireExists(path);
            using var document = StrictJson.ParseFile(path);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{path}: evidence is one JSON object.");
            }

            // Baseline and live figures of a strategy feed drift, judged by the governance policy's thresholds (read first, so a bad file changes nothing).
            var evidenceKind = Identities.Name(parse.GetValue(kind), "--kind");
            GovernanceSettings? drift = null;
            if (evidenceKind is GovernanceJournal.BaselineKind or GovernanceJournal.PerformanceKind
                && (parse.GetResult(GovernanceCommands.Policy) is not null || File.Exists(GovernanceCommands.DefaultPolicy))
                && (drift = GovernanceCommands.Settings(parse, error)) is null)
            {
                return ExitCodes.Error;
            }

            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            await using var workflows = new WorkflowSession(parse, store, error, cancellation);
            var outcome = workflows.Runtime.Evidence(parse.GetValue(subject)!, evidenceKind, document.RootElement, parse.GetValue(key));
            if (outcome.AlreadyHandled)
            {
                output.WriteLine(outcome.Acknowledgement);
                return ExitCodes.Ok;
            }

            Started(output, outcome.Started);
            Moved(output, outcome.Moved);
            Held(output, outcome.Held);
            output.WriteLine($"Evidence recorded; {(outcome.Started.Count > 0 ? $"{outcome.Started.Count} started, " : "")}{outcome.Moved.Count} {(outcome.Moved.Count == 1 ? "instance" : "instances")} moved.");
            foreach (var alert in drift is null ? [] : new GovernanceJournal(store, drift).RecordDrift(parse.GetValue(subject)!))
            {
                output.WriteLine($"drift alert: {alert.Metric} {alert.DeviationPct.ToString(CultureInfo.InvariantCulture)} % off its baseline: {GovernanceActions.Name(alert.Action)}");
            }

            return ExitCodes.Ok;
        });
        return new Command("evidence", "Evidence that wakes workflow instances.") { submit };
    }

    private static Command Start(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var workflow = new Option<string>("--workflow") { Description = "The workflow's id (metadata.id in workflows/).", Required = true };
        var subject = new Option<string>("--subject") { Description = "The policy or strategy it is about.", Required = true };
        var actor = new Option<string>("--actor") { Description = "Who starts it: the requester, who may not approve it.", Required = true };
        var key = new Option<string?>("--key") { Description = "Names this instance among several of the workflow about the same subject: its id becomes WORKFLOW:SUBJECT:KEY. Without it there is one instance per subject. Either way, starting it again returns it as it is." };
        var command = new Command("start", "Start an instance, pinned to the definition's current version; starting one that exists says so and changes nothing.") { journal, workflow, subject, actor, key, Definitions };
        command.SetAction(async (parse, cancellation) =>
        {
            var definition = Definition(parse, parse.GetValue(workflow)!, error);
            if (definition is null)
            {
                return ExitCodes.Error;
            }

            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            await using var workflows = new WorkflowSession(parse, store, error, cancellation);
            var instance = workflows.Runtime.Start(definition, parse.GetValue(subject)!, parse.GetValue(actor)!, parse.GetValue(key), out var started);
            output.WriteLine(started
                ? $"{instance.Id}: {definition.Identity}, in {instance.State}."
                : $"{instance.Id}: already started by {instance.Requester} ({instance.Workflow}@{instance.Version}), in {instance.State}; nothing was done.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var waiting = new Option<string?>("--waiting") { Description = "Only instances waiting for approval, evidence or a timer." };
        waiting.AcceptOnlyFromAmong("approval", "evidence", "timer");
        var json = new Option<bool>("--json") { Description = "{\"instances\": [...]}, each instance as 'workflow show --json' prints it (as GET /v1/instances answers)." };
        var command = new Command("list", "Every instance: its workflow, subject, state and what it waits for.") { journal, waiting, json };
        command.SetAction(parse =>
        {
            using var store = JournalCommand.ReadOnly(parse.GetValue(journal)!);
            var runtime = Runtime(parse, store);
            var listed = runtime.List().Select(instance => (Instance: instance, WaitsFor: runtime.Bookmarks(instance)))
                .Where(pair => parse.GetValue(waiting) is not { } wanted || pair.WaitsFor.Contains(wanted)).ToList();
            if (parse.GetValue(json))
            {
                output.WriteLine(WorkflowInstance.ListJson(listed));
                return ExitCodes.Ok;
            }

            var shown = 0;
            foreach (var (instance, waits) in listed)
            {
                shown++;
                output.WriteLine($"{instance.Id,-48} {instance.Workflow}@{instance.Version,-3} {instance.State,-16} waits for {(waits.Count == 0 ? "nothing" : string.Join(", ", waits))}{(instance.Due is { } due ? $" (timer {JsonText.Timestamp(due)})" : "")}");
            }

            if (shown == 0)
            {
                output.WriteLine("No instances.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var instanceId = new Option<string>("--instance") { Description = "The instance.", Required = true };
        var json = new Option<bool>("--json") { Description = "The instance's projection as JSON." };
        var command = new Command("show", "One instance: state, what it waits for, votes, and its full history with who and when.") { journal, instanceId, json };
        command.SetAction(parse =>
        {
            using var store = JournalCommand.ReadOnly(parse.GetValue(journal)!);
            var runtime = Runtime(parse, store);
            var instance = runtime.Find(parse.GetValue(instanceId)!) ?? throw new FormatException($"There is no instance {parse.GetValue(instanceId)}.");
            if (parse.GetValue(json))
            {
                output.WriteLine(instance.Json(runtime.Bookmarks(instance)));
                return ExitCodes.Ok;
            }

            output.WriteLine($"{instance.Id}: {instance.Workflow}@{instance.Version} (#{instance.Hash[..12]}) about {instance.Subject}, requested by {instance.Requester}");
            var waits = runtime.Bookmarks(instance);
            var final = runtime.DefinitionOf(instance).State(instance.State).Final;
            output.WriteLine($"  state {instance.State} since {instance.EnteredAt}; {(final ? "finished" : waits.Count == 0 ? "waits for nothing" : $"waits for {string.Join(", ", waits)}")}{(instance.Due is { } due ? $"; timer due {JsonText.Timestamp(due)}" : "")}");
            if (!final && runtime.NextStep(instance) is { } next)
            {
                // A maturity ladder says why it is not further up, by its gates file's own words, on the latest trades.
                output.WriteLine(next.Change == "promotion" ? $"  next: {next.To} on trades evidence that still passes every promote rule" : $"  not further up: {string.Join(" ", next.Reasons)}");
            }

            if (instance.Workflow == RuleChanges.Workflow && RuleChanges.Find(store, instance.Subject) is { } change)
            {
                // What the approvers approve: the change, what it would do, and its checklist.
                output.WriteLine($"  change {change.Identity} of {change.File} (live then: {change.Live}): {change.Status}{(change.SettledBy is { } settled ? $", {settled}" : "")}; goes live {(change.LiveAt is { } at ? $"no earlier than {at}" : "once approved")}");
                output.WriteLine($"  {change.Assessed ?? "not assessed"}{(change.Checklist is { } checklist ? $"; checklist {checklist}" : "")}");
            }

            foreach (var vote in instance.Votes)
            {
                output.WriteLine($"  approved by {vote.Actor} ({vote.Role}) at {vote.At}: {vote.Reason}");
            }

            foreach (var step in instance.History)
            {
                output.WriteLine($"  {step.At}  {(step.From.Length == 0 ? "-" : step.From),-16} → {step.To,-16} {step.Cause,-10} by {step.Actor}{(step.Detail.Length > 0 ? $": {step.Detail}" : "")}");
            }

            // What its transitions asked of the world and is not done: failing, or a dead letter.
            foreach (var (effect, dead) in runtime.Effects.Failing(instance.Id))
            {
                output.WriteLine($"  {EffectsCommand.Line(effect, dead)}");
            }

            // Escalations move nothing, so the history does not hold them: the journal does.
            foreach (var recorded in store.Read(instance.Key, EventTypes.WorkflowEscalated))
            {
                var escalated = EventPayload.Read<WorkflowEscalated>(recorded);
                output.WriteLine($"  {recorded.Time}  escalated in {escalated.State} to {string.Join(", ", escalated.To)}, waiting since {escalated.WaitingSince}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Vote(TextWriter output, TextWriter error, bool approve)
    {
        var journal = JournalCommand.JournalOption();
        var instanceId = new Option<string>("--instance") { Description = "The instance.", Required = true };
        var actor = new Option<string>("--actor") { Description = "Who votes; must hold --role in workflows/roles.yaml, and sign with their key (--sign).", Required = true };
        var role = new Option<string>("--role") { Description = "The role voted in.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why, recorded with the vote.", Required = true };
        var key = KeyOption();
        var sign = CliOptions.Sign();
        var command = new Command(approve ? "approve" : "reject", (approve
            ? "Approve the step an instance waits on; with the quorum reached it moves on. Refused (exit 1) for an actor without the role, the requester, a second vote, or a signature that is not the actor's."
            : "Reject the step an instance waits on: it moves to the approval's reject state. Refused (exit 1) for a signature that is not the actor's.")
            + " The vote is signed with --sign and the journal keeps the signature.") { journal, instanceId, actor, role, reason, key, sign, Roles };
        command.SetAction(async (parse, cancellation) =>
        {
            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            await using var workflows = new WorkflowSession(parse, store, error, cancellation);
            try
            {
                var voter = CliOptions.Signer(parse, sign, parse.GetValue(actor)!, "A vote");
                var outcome = workflows.Runtime.Vote(parse.GetValue(instanceId)!, voter, parse.GetValue(role)!, approve, parse.GetValue(reason)!, parse.GetValue(key));
                output.WriteLine(outcome.AlreadyHandled
                    ? outcome.Acknowledgement
                    : $"{outcome.Instance.Id}: {(approve ? "approved" : "rejected")} by {voter.Name} (signed); now in {outcome.Instance.State}.");
                Started(output, outcome.Started, "is started by this state, as the standing file says");
                if (!outcome.AlreadyHandled && outcome.Instance.Workflow == PatchProposer.ApprovalWorkflow && new PatchProposals(store).Find(outcome.Instance.Subject) is { Status: not "proposed" } settled)
                {
                    // Its proposal was settled with the vote, as on every path: say how.
                    output.WriteLine(PatchCommands.Settled(settled));
                    return settled.Status == "refused" ? ExitCodes.Failed : ExitCodes.Ok;
                }

                if (!outcome.AlreadyHandled && outcome.Instance.Workflow == RuleChanges.Workflow && RuleChanges.Find(store, outcome.Instance.Subject) is { Status: not "proposed" } change)
                {
                    output.WriteLine($"{change.Identity}: {change.Status} ({change.SettledBy}); {(change.Status == "approved" ? $"a server running {change.Identity[..change.Identity.LastIndexOf('@')]} on this journal puts it live {(change.LiveAt is { } at ? $"at {at}" : "now")}" : "the live file stays")}.");
                }

                return ExitCodes.Ok;
            }
            catch (RefusalException refused)
            {
                output.WriteLine($"Refused: {refused.Message}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    private static Command Tick(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var now = new Option<string?>("--now") { Description = $"Fire what is due at this UTC time (default: the clock); every event of the run carries it. It may not be earlier than the journal's last event nor later than the machine's clock ({RunClock.Skew.TotalMinutes:0} minutes of skew allowed)." };
        var command = new Command("tick", "Fire every due timer: approval timeouts escalate (and move when on_timeout says), after: timers move.") { journal, now };
        command.SetAction(async (parse, cancellation) =>
        {
            DateTimeOffset? requested = parse.GetValue(now) is { } text ? CliOptions.Utc(text, "--now") : null;
            var clock = new RunClock(RunClock.Machine);
            using var store = JournalCommand.Existing(parse.GetValue(journal)!, clock);
            var at = clock.Settle(requested, store.LastTime(), "--now");
            await using var workflows = new WorkflowSession(parse, store, error, cancellation, clock);
            var fired = workflows.Runtime.Tick(at);
            foreach (var instance in fired)
            {
                output.WriteLine($"{instance.Id}: {instance.History[^1].Cause switch { "timeout" or "timer" => $"moved to {instance.State}", _ => $"escalated in {instance.State}" }}");
            }

            output.WriteLine($"{fired.Count} {(fired.Count == 1 ? "timer" : "timers")} fired.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Migrate(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var instanceId = new Option<string>("--instance") { Description = "The instance.", Required = true };
        var version = new Option<int>("--to-version") { Description = "The definition version to move to (metadata.version of a file in workflows/).", Required = true };
        var actor = new Option<string>("--actor") { Description = "Who migrates it; signs with their key (--sign).", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why, recorded with the migration.", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check and show the result; write nothing." };
        var sign = CliOptions.Sign();
        var command = new Command("migrate", "Move an instance to another version of its workflow, in the same state; refused when that version lacks the state, or when the signature (--sign) is not the actor's. Journaled with who, why and the signature.")
        {
            journal, instanceId, version, actor, reason, dryRun, sign, Definitions, Roles,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            await using var workflows = new WorkflowSession(parse, store, error, cancellation);
            var runtime = workflows.Runtime;
            var instance = runtime.Find(parse.GetValue(instanceId)!) ?? throw new FormatException($"There is no instance {parse.GetValue(instanceId)}.");
            var loader = Loader(parse);
            var target = Files([parse.GetValue(Definitions)!]).Select(path => loader.Load(path).Value)
                .FirstOrDefault(definition => definition is not null && definition.Id == instance.Workflow && definition.Version == parse.GetValue(version))
                ?? throw new FormatException($"No {instance.Workflow} at version {parse.GetValue(version)} in {parse.GetValue(Definitions)}/.");
            try
            {
                var migrated = runtime.Migrate(instance.Id, target, CliOptions.Signer(parse, sign, parse.GetValue(actor)!, "A migration"), parse.GetValue(reason)!, parse.GetValue(dryRun));
                output.WriteLine($"{migrated.Id}: {(parse.GetValue(dryRun) ? "would move" : "moved")} from {instance.Workflow}@{instance.Version} to {target.Identity}, in {migrated.State}.");
                return ExitCodes.Ok;
            }
            catch (RefusalException refused)
            {
                output.WriteLine($"Refused: {refused.Message}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    /// <summary>
    /// <c>workflow signals FILE.jsonl</c>: a batch of signals, one JSON object a line (<c>signal</c>: start, evidence,
    /// approve, reject or tick, with the fields of the command of that name). Each line prints once it is durable;
    /// with keys on every line, running the file again after a crash finishes it without doing anything twice.
    /// </summary>
    private static Command Signals(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var file = CliOptions.Input("SIGNALS.jsonl", "Signals, one JSON object a line.");
        var command = new Command("signals", "Run a file of signals (start, evidence, approve, reject, tick), printing each once it is durable; safe to run again after a crash. Every line is read first: a malformed line anywhere is named and nothing is run.") { journal, file, Definitions, Roles };
        command.SetAction(async (parse, cancellation) =>
        {
            var path = parse.GetValue(file)!;
            RulesCommand.RequireExists(path);
            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            await using var workflows = new WorkflowSession(parse, store, error, cancellation);
            var dispatcher = new SignalDispatcher(workflows.Runtime, Catalogue(parse));

            // Every line is read before any is run: a malformed line anywhere changes nothing.
            var documents = new List<JsonDocument>();
            try
            {
                var signals = new List<(int Number, WorkflowSignal Signal)>();
                foreach (var (number, line) in StrictJson.ReadLines(path).Where(line => line.Text.Trim().Length > 0))
                {
                    var document = StrictJson.Parse(line, path, number);
                    documents.Add(document);
                    signals.Add((number, SignalDispatcher.Parse(document.RootElement, $"{path}:{number}")));
                }

                foreach (var (number, signal) in signals)
                {
                    bool done;
                    try
                    {
                        done = dispatcher.Dispatch(signal);
                    }
                    catch (RefusalException refused)
                    {
                        output.WriteLine($"{path}:{number}: refused: {refused.Message} The lines after it were not run.");
                        return ExitCodes.Failed;
                    }

                    output.WriteLine(done ? $"{path}:{number}: done." : $"{path}:{number}: already done by an earlier run (its key was handled); nothing changed.");
                    output.Flush();
                }
            }
            finally
            {
                documents.ForEach(document => document.Dispose());
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    internal static Option<string> Definitions => PerRun.Get(static () => new Option<string>("--workflows") { Description = "The folder of workflow definitions (default workflows/).", DefaultValueFactory = _ => "workflows", Recursive = true });

    internal static Option<string> Roles => PerRun.Get(static () => new Option<string>("--roles") { Description = $"Who holds which role (default {WorkflowRoles.DefaultPath}).", DefaultValueFactory = _ => WorkflowRoles.DefaultPath });

    private static Option<string?> KeyOption() => new("--key") { Description = "The signal's idempotency key: a repeated key is acknowledged and does nothing." };

    /// <summary>Starts an instance of the workflow <paramref name="id"/> of the workflows folder about <paramref name="subject"/>.</summary>
    /// <exception cref="FormatException">The folder has no valid definition of that id.</exception>
    internal static WorkflowInstance StartOf(ParseResult parse, WorkflowSession workflows, string id, string subject, string actor, TextWriter error) =>
        Definition(parse, id, error) is { } definition
            ? workflows.Runtime.Start(definition, subject, actor)
            : throw new FormatException($"{parse.GetValue(Definitions)}: no valid workflow {id} to start; see the problems above.");

    /// <param name="error">Where a workflow file that does not load, and so starts nothing on evidence, is named; null: nowhere (commands that deliver no evidence).</param>
    internal static WorkflowRuntime Runtime(ParseResult parse, JournalStore store, TimeProvider? time = null, TextWriter? error = null)
    {
        var roles = RolesOf(parse);
        var engine = CliOptions.Engine(parse);
        var catalogue = new WorkflowCatalogue(new WorkflowLoader(engine, roles), parse.GetValue(Definitions) ?? "workflows");     // a command without --workflows uses the default folder
        return new WorkflowRuntime(store, new WorkflowLoader(engine, roles), roles, time ?? RunClock.Machine, webhook: WorkflowWebhook.FromEnvironment(),
            activity: RuleChanges.Settlements(store, engine),
            workflows: () => catalogue.All((path, problem) => error?.WriteLine($"rulesgate: {path} does not load, so no evidence starts it: {problem}")),
            standing: catalogue.Standing);
    }

    /// <summary>
    /// The roles file (--roles, else workflows/roles.yaml); without the default file there are no roles and no keys,
    /// so no approval and nothing signed can be checked in. A --roles that names no file is an error.
    /// </summary>
    internal static WorkflowRoles RolesOf(ParseResult parse)
    {
        var roles = parse.GetResult(Roles) is not null ? parse.GetValue(Roles)! : WorkflowRoles.DefaultPath;
        if (roles != WorkflowRoles.DefaultPath)
        {
            RulesCommand.RequireExists(roles);
        }

        return File.Exists(roles) ? WorkflowRoles.Load(roles) : WorkflowRoles.None;
    }

    private static WorkflowLoader Loader(ParseResult parse) => new(CliOptions.Engine(parse), RolesOf(parse));

    private static WorkflowCatalogue Catalogue(ParseResult parse) => new(Loader(parse), parse.GetValue(Definitions)!);

    /// <summary>The definition in the workflows folder whose id is <paramref name="id"/>, or null after printing why.</summary>
    private static WorkflowDefinition? Definition(ParseResult parse, string id, TextWriter error)
    {
        var loaded = Catalogue(parse).Find(id);
        if (loaded.Value is null)
        {
            RulesCommand.Report(loaded.Diagnostics, error);
        }

        return loaded.Value;
    }

    /// <summary>One line per instance that evidence started (its workflow declares <c>starts_on:</c> for that kind), or a state started (the standing file's <c>starts:</c>).</summary>
    /// <param name="why">Why it started: by default, its workflow starts on this evidence.</param>
    internal static void Started(TextWriter output, IReadOnlyList<WorkflowInstance> started, string why = "starts on this evidence")
    {
        foreach (var instance in started)
        {
            output.WriteLine($"{instance.Id}: started in {instance.History[0].To} ({instance.Workflow}@{instance.Version} {why})");
        }
    }

    /// <summary>One line per maturity ladder the evidence left where it is, with why.</summary>
    internal static void Held(TextWriter output, IReadOnlyList<HeldInstance> held)
    {
        foreach (var stays in held)
        {
            output.WriteLine($"{stays.Instance}: stays in {stays.State}: {string.Join(" ", stays.Blockers)}");
        }
    }

    internal static void Moved(TextWriter output, IReadOnlyList<WorkflowInstance> moved)
    {
        foreach (var instance in moved)
        {
            var step = instance.History[^1];
            output.WriteLine($"{instance.Id}: {step.From} → {step.To} ({step.Cause}{(step.Detail.Length > 0 ? $": {step.Detail}" : "")})");
        }
    }

    private static List<string> Files(string[]? arguments) => WorkflowCatalogue.Files(arguments is { Length: > 0 } ? arguments : ["workflows"]);
}
