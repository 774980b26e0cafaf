using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RulesGate.Core;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Reports;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate rules check|test|hash|explain|impact|diff|fmt|delta|propose|kinds</c>.</summary>
internal static class RulesCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var rules = new Command("rules", "Check, test, hash and explain rule files, and see what a change would have done to the journal's decisions.");
        rules.Subcommands.Add(Check(output, error));
        rules.Subcommands.Add(Test(output, error));
        rules.Subcommands.Add(Hash(output, error));
        rules.Subcommands.Add(Explain(output, error));
        rules.Subcommands.Add(Impact(output, error));
        rules.Subcommands.Add(Diff(output, error));
        rules.Subcommands.Add(Fmt(output, error));
        rules.Subcommands.Add(Delta(output, error));
        rules.Subcommands.Add(Propose(output, error));
        rules.Subcommands.Add(Kinds(output));
        return rules;
    }

    private static Command Check(TextWriter output, TextWriter error)
    {
        var paths = new Argument<string[]>("path") { Description = "Rule files or folders (default: rules); - reads one rule file from standard input, as an editor sends its buffer.", Arity = ArgumentArity.ZeroOrMore };
        var json = CliOptions.Json("{files, problems: [{file, line, column, code, key_path, message, hint}]}");
        var command = new Command("check", "Load and compile rule files (and rule tests); print every problem with file:line:col. Exit 0 clean, 2 otherwise.") { paths, json };
        command.SetAction(parse =>
        {
            var engine = CliOptions.Engine(parse);
            var targets = parse.GetValue(paths) is { Length: > 0 } given ? given : ["rules"];
            var checkedFiles = 0;
            var problems = new List<RuleDiagnostic>();
            foreach (var target in targets)
            {
                if (target == "-")
                {
                    checkedFiles++;
                    problems.AddRange(engine.Load(RulesGate.Core.StandardInput.Name).Diagnostics);
                    continue;
                }

                RequireExists(target);
                var runner = new RuleTestRunner(engine);
                var isFile = File.Exists(target);
                foreach (var file in isFile && RuleFiles.InTests(target) ? [] : RuleFiles.Under(target))
                {
                    checkedFiles++;
                    problems.AddRange(engine.Load(file).Diagnostics);
                }

                // Rule tests: those below a folder, or the file named when it sits in a tests/ folder.
                foreach (var file in isFile ? RuleFiles.InTests(target) ? [target] : [] : RuleFiles.Tests(target))
                {
                    checkedFiles++;
                    var tests = RuleTestLoader.Load(file);
                    problems.AddRange(tests.Value is { } loaded ? runner.Check(loaded) : tests.Diagnostics);
                }
            }

            return Checked(checkedFiles, "file", problems, parse.GetValue(json), output, error);
        });
        return command;
    }

    /// <summary>A check's report: every problem (on stderr, or in the JSON), then the summary; exit 0 clean, 2 otherwise.</summary>
    internal static int Checked(int count, string noun, IReadOnlyList<RuleDiagnostic> problems, bool json, TextWriter output, TextWriter error)
    {
        if (json)
        {
            output.WriteLine(ReportJson.Check(count, problems));
        }
        else
        {
            Report(problems, error);
            output.WriteLine(CliOptions.Checked(count, noun, problems.Count));
        }

        return problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Error;
    }

    private static Command Test(TextWriter output, TextWriter error)
    {
        var path = new Argument<string>("path") { Description = "A rule-test file, or a folder: its *.yaml files in tests/ folders or of kind RuleTests (default: rules/tests).", DefaultValueFactory = _ => Path.Combine("rules", "tests") };
        var json = CliOptions.Json("{passed, failed, cases: [{file, line, case, passed, failure}], coverage?: [{rules_file, identity, cases, rules: [{rule, fired, quiet}], overrides: [{kind, key, cases}]}]}");
        var coverage = new Option<bool>("--coverage") { Description = "Also report what the cases exercised of each rule file: each rule fired and quiet (both branches of its condition), and each symbol's and strategy's override." };
        var command = new Command("test", "Run rule tests: each case's context through its rule file. Ends with 'N passed, N failed.'; exit 1 when any fails, 2 when none was found.") { path, json, coverage };
        command.SetAction(parse =>
        {
            var target = parse.GetValue(path)!;
            RequireExists(target);
            var runner = new RuleTestRunner(CliOptions.Engine(parse));
            var outcomes = RunTests(runner, target);
            if (outcomes.Count == 0)
            {
                // A run that tests nothing must not pass: a CI job would go green on nothing.
                throw new FileNotFoundException($"{target}: no rule test found (looked for *.yaml files in a tests/ folder or of kind RuleTests{(File.Exists(target) ? "; this file has no cases" : " below it")}). Name a rule-test file or a folder that holds some.");
            }

            var covered = parse.GetValue(coverage) ? runner.Coverage() : null;
            if (parse.GetValue(json))
            {
                output.WriteLine(ReportJson.Tests(outcomes, covered));
                return outcomes.All(outcome => outcome.Passed) ? ExitCodes.Ok : ExitCodes.Failed;
            }

            foreach (var outcome in outcomes)
            {
                if (outcome.Passed)
                {
                    output.WriteLine($"  pass  {outcome.File}: {outcome.Case}");
                }
                else
                {
                    output.WriteLine($"  fail  {outcome.Location}: {outcome.Case}: {outcome.Failure}");
                }
            }

            foreach (var file in covered ?? [])
            {
                WriteCoverage(output, file);
            }

            var failed = outcomes.Count(o => !o.Passed);
            output.WriteLine($"{outcomes.Count - failed} passed, {failed} failed.");
            return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static Command Hash(TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("file") { Description = "A rule file." };
        var command = new Command("hash", "Print a rule file's identity (id@version#hash) and the full SHA-256 of its bytes.") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            RequireExists(path);
            var loaded = CliOptions.Engine(parse).Loader.Load(path);
            if (loaded.Value is not { } rules)
            {
                Report(loaded.Diagnostics, error);
                return ExitCodes.Error;
            }

            output.WriteLine(rules.Identity);
            output.WriteLine($"sha256:{rules.Hash}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Kinds(TextWriter output)
    {
        var kind = new Argument<string?>("KIND") { Description = "One kind (default: every kind an author writes).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("kinds", "What a rule file of each kind may use: the names its conditions see, the params it must declare, the effects a rule may carry (Markdown; docs/formats/rule-kinds.md is this).") { kind };
        command.SetAction(parse =>
        {
            var kinds = RulesGate.Core.BuiltInKinds.Registry;
            if (parse.GetValue(kind) is not { } name)
            {
                output.Write(RuleKindReference.Markdown(kinds));
                return ExitCodes.Ok;
            }

            var found = kinds.Find(name.Trim()) ?? throw RulesGate.Core.Identities.Unknown("kind", name, [.. kinds.Names]);
            output.Write(RuleKindReference.Section(found));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Explain(TextWriter output, TextWriter error)
    {
        var file = new Argument<string?>("RULEFILE") { Description = "A rule file; with --seq and without it, the rule file that made that decision (the journal's copy).", Arity = ArgumentArity.ZeroOrOne };
        var input = CliOptions.Input("CONTEXT.json", "The JSON context the rules see: for a CapitalPolicy, { intent, portfolio, market, execution }; not with --seq.", optional: true);
        var seq = new Option<long?>("--seq") { Description = "Instead of CONTEXT.json, the request of the capital decision journaled as this event (journal show lists them)." };
        var journal = JournalCommand.JournalOption();
        var command = new Command("explain", "For every rule: whether it fires on the context, and the value of every operand of its condition.") { file, input, seq, journal };
        command.SetAction(parse =>
        {
            var (path, contextPath, at) = (parse.GetValue(file), parse.GetValue(input), parse.GetValue(seq));
            IReadOnlyList<RuleExplanation> explained;
            string heading;
            if (at is { } number)
            {
                if (contextPath is not null)
                {
                    throw new FormatException($"rules explain: give CONTEXT.json or --seq, not both; '{contextPath}' and --seq {number} were given.");
                }

                using var store = JournalCommand.ReadOnly(parse.GetValue(journal)!);
                var e = store.Event(number) ?? throw new FormatException($"--seq {number}: the journal {store.Location} has no event {number} (it holds {store.LastSeq()}).");
                var engine = CliOptions.Engine(parse);
                if (path is null)
                {
                    var (recorded, rules) = CapitalReplay.Explain(store.Blob, engine, e);
                    (heading, explained) = ($"{recorded} (as recorded) on the request of event {number}", rules);
                }
                else
                {
                    if (GateInputs.Policy(engine, path, error) is not { } bundle)
                    {
                        return ExitCodes.Error;
                    }

                    (heading, explained) = ($"{bundle.Identity} on the request of event {number}", RuleExplainer.Explain(bundle, CapitalReplay.RequestOf(e)));
                }
            }
            else
            {
                if (path is null || contextPath is null)
                {
                    throw new FormatException("rules explain: give RULEFILE and CONTEXT.json, or --seq N for a journaled decision's request; see 'rulesgate rules explain --help'.");
                }

                RequireExists(path);
                RequireExists(contextPath);
                var compiled = CliOptions.Engine(parse).Load(path);
                if (compiled.Value is not { } bundle)
                {
                    Report(compiled.Diagnostics, error);
                    return ExitCodes.Error;
                }

                using var json = StrictJson.ParseFile(contextPath);
                (heading, explained) = ($"{bundle.Identity} on {contextPath}", RuleExplainer.Explain(bundle, bundle.Kind.ReadContext(json.RootElement, bundle.File)));
            }

            output.WriteLine(heading);
            foreach (var rule in explained)
            {
                var verdict = rule.Fired switch { true => "FIRED", false => "quiet", null => $"ERROR  {rule.Error} (fails closed)" };
                output.WriteLine($"{rule.RuleId}  {verdict}");
                foreach (var line in rule.Lines)
                {
                    output.WriteLine($"  {line}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Impact(TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("CANDIDATE") { Description = "The candidate capital rule file (a CapitalPolicy, or a PolicyGate policy): what the change would make of the rules." };
        var journal = JournalCommand.JournalOption();
        var since = new Option<string?>("--since") { Description = "Only decisions at or after this UTC time, such as 2026-11-30T00:00:00Z (default: the journal's first)." };
        var until = new Option<string?>("--until") { Description = "Only decisions before this UTC time (default: up to the last)." };
        var json = CliOptions.Json("{candidate, policy_id, since, until, judged, other_policies, malformed, changed, notional, transitions, rules, strategies, symbols: [{name, decisions, notional}], examples: [...]}");
        var command = new Command("impact", "Judge every journaled decision of the candidate's policy (its id, any version) in the window again under the candidate, on the request the journal holds, and report what would change: by verdict transition, rule, strategy and symbol, with the notional affected and the first examples. Exit 0 with the report; 2 when no decision of that policy is in the window.") { file, journal, since, until, json };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var (from, to) = (parse.GetValue(since) is { } s ? CliOptions.Utc(s, "--since") : (DateTimeOffset?)null, parse.GetValue(until) is { } u ? CliOptions.Utc(u, "--until") : (DateTimeOffset?)null);
            if (from is { } first && to is { } last && first >= last)
            {
                throw new FormatException($"--since {JsonText.Seconds(first)} is not before --until {JsonText.Seconds(last)}; the window would hold nothing.");
            }

            var engine = CliOptions.Engine(parse);
            if (GateInputs.Policy(engine, path, error) is not { } candidate)
            {
                return ExitCodes.Error;
            }

            var journalName = parse.GetValue(journal)!;
            using var store = JournalCommand.ReadOnly(journalName);
            var report = RuleImpact.Run(store, engine, candidate, from, to);
            if (report.Judged == 0)
            {
                // An impact over nothing must not read as "no impact".
                throw new FormatException($"rules impact: the journal {store.Location} has no decision of {report.PolicyId} {Window(report)} ({Skipped(report)}); nothing was judged. Name the journal with --journal, or widen --since/--until.");
            }

            if (parse.GetValue(json))
            {
                output.WriteLine(ReportJson.Impact(report));
                return ExitCodes.Ok;
            }

            WriteImpact(output, report, path, journalName);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Diff(TextWriter output, TextWriter error)
    {
        var old = new Argument<string>("OLD") { Description = "The capital rule file as it is." };
        var candidate = new Argument<string>("NEW") { Description = "The capital rule file as it would be." };
        var json = CliOptions.Json("{old, new, differ, inputs, boundaries, regions: [{base, input, from, to, points, old, new}]}");
        var command = new Command("diff", "Where two capital rule files decide differently, found by search: from base orders (plain, and per symbol and strategy either file overrides, bought and sold), each input the rules read is moved through every whole number either file names and over a wide grid, bisected to the exact point where either file turns; prints each region where they disagree. Exit 0 when none was found, 1 when they differ, 2 on an error.") { old, candidate, json };
        command.SetAction(parse =>
        {
            var engine = CliOptions.Engine(parse);
            var bundles = new List<RuleBundle>();
            foreach (var path in new[] { parse.GetValue(old)!, parse.GetValue(candidate)! })
            {
                if (GateInputs.Policy(engine, path, error) is not { } bundle)
                {
                    return ExitCodes.Error;
                }

                bundles.Add(bundle);
            }

            var report = RuleDiff.Compare(bundles[0], bundles[1]);
            if (parse.GetValue(json))
            {
                output.WriteLine(ReportJson.Diff(report));
                return report.Differ ? ExitCodes.Failed : ExitCodes.Ok;
            }

            var tried = string.Create(CultureInfo.InvariantCulture, $"{report.Inputs:N0} inputs tried, {report.Boundaries:N0} boundaries bisected");
            if (!report.Differ)
            {
                output.WriteLine($"{report.Old} and {report.New} decide alike everywhere tried ({tried}; one input at a time from base orders: evidence, not a proof).");
                return ExitCodes.Ok;
            }

            // The same region from several base orders is one line naming them all.
            var lines = report.Regions.GroupBy(region => (region.Input, region.From, region.To, region.Points, region.Old, region.New)).ToList();
            output.WriteLine($"{report.Old} and {report.New} disagree in {report.Regions.Count} {(report.Regions.Count == 1 ? "region" : "regions")} ({tried}):");
            foreach (var line in lines)
            {
                var region = line.First();
                var where = region.From == region.To ? $"= {RuleDiff.Format(region.From)}" : $"from {RuleDiff.Format(region.From)} to {RuleDiff.Format(region.To)} ({region.Points} values tried)";
                output.WriteLine($"  {region.Input} {where}: old {region.Old}; new {region.New}");
                output.WriteLine($"    from {string.Join("; ", line.Select(each => each.Base))}");
            }

            return ExitCodes.Failed;
        });
        return command;
    }

    private static Command Fmt(TextWriter output, TextWriter error)
    {
        var paths = new Argument<string[]>("path") { Description = "Rule files, rule tests or folders of them (default: rules); - formats standard input to standard output.", Arity = ArgumentArity.ZeroOrMore };
        var check = new Option<bool>("--check") { Description = "Change nothing: name each file not in canonical form, and exit 1 when there is one (for CI)." };
        var command = new Command("fmt", "Write rule files in their canonical form: top-level keys in one order (apiVersion, kind, metadata, mode, params, overrides, derive, rules, cases), each with the comments above it; no trailing spaces or doubled blank lines; LF endings. Every comment stays, and the result must hold the same YAML data or the file is left as it is. Exit 0; with --check, 1 when a file is not canonical; 2 when one cannot be formatted.") { paths, check };
        command.SetAction(parse =>
        {
            var given = parse.GetValue(paths) is { Length: > 0 } named ? named : ["rules"];
            if (given.Contains("-"))
            {
                if (given.Length > 1)
                {
                    throw new FormatException("rules fmt: - formats standard input alone; name files separately.");
                }

                output.Write(RuleFormatter.Format(System.Text.Encoding.UTF8.GetString(RuleFormatter.Read(RulesGate.Core.StandardInput.Name))));
                return ExitCodes.Ok;
            }

            var files = new List<string>();
            foreach (var path in given)
            {
                RequireExists(path);
                files.AddRange(File.Exists(path) ? [path] : RuleFiles.Under(path).Concat(RuleFiles.Tests(path)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            }

            var (changed, broken) = (0, 0);
            foreach (var file in files)
            {
                var bytes = RuleFormatter.Read(file);
                string formatted;
                try
                {
                    formatted = RuleFormatter.Format(System.Text.Encoding.UTF8.GetString(bytes));
                }
                catch (FormatException problem)
                {
                    error.WriteLine($"{file}: not formatted: {problem.Message}");
                    broken++;
                    continue;
                }

                var canonical = System.Text.Encoding.UTF8.GetBytes(formatted);
                if (canonical.AsSpan().SequenceEqual(bytes))
                {
                    continue;
                }

                changed++;
                if (parse.GetValue(check))
                {
                    output.WriteLine($"{file} is not in canonical form; 'rulesgate rules fmt {file}' writes it.");
                }
                else
                {
                    OutputFile.Replace(file, canonical);
                    output.WriteLine($"formatted {file}");
                }
            }

            output.WriteLine($"{files.Count} {(files.Count == 1 ? "file" : "files")}: {changed} {(parse.GetValue(check) ? "not canonical" : "formatted")}, {files.Count - changed - broken} already canonical{(broken > 0 ? $", {broken} not formatted" : "")}.");
            return broken > 0 ? ExitCodes.Error : parse.GetValue(check) && changed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delta(TextWriter output, TextWriter error)
    {
        var file = CliOptions.Input("DELTA.json", "The policy delta: {\"rules_file\": \"rules/capital/default.yaml\", \"set\": {\"exposure.max_position_pct\": 0.05}}, each key a parameter's path under params.");
        var outPath = new Option<string?>("--out") { Description = $"Where to write the candidate (default {CandidateFolder}/ID@VERSION.yaml)." };
        var command = new Command("delta", "Make the candidate rule file a policy delta describes: its parameters written in place and metadata.version one higher, every other byte kept; it must compile. What promote --policy-delta does with an approved delta. Exit 0 with the candidate written; 2 when the delta does not apply.") { file, outPath };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            RequireExists(path);
            using var json = StrictJson.ParseFile(path);
            var candidate = Candidate(CliOptions.Engine(parse), RuleDelta.Read(json.RootElement), error);
            if (candidate is null)
            {
                return ExitCodes.Error;
            }

            WriteCandidate(output, candidate.Value, parse.GetValue(outPath));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Propose(TextWriter output, TextWriter error)
    {
        var file = CliOptions.Input("CANDIDATE.yaml", "The candidate capital rule file: a newer version of the live one.");
        var journal = JournalCommand.JournalOption();
        var replaces = new Option<string>("--replaces") { Description = "The live rule file it would replace.", DefaultValueFactory = _ => "rules/capital/default.yaml" };
        var actor = new Option<string>("--actor") { Description = "Who proposes it: its requester, who may not approve it.", Required = true };
        var liveAt = new Option<string?>("--live-at") { Description = "When it may go live once approved (RFC 3339, such as 2026-12-07T14:30:00Z); by default as soon as it is approved." };
        var command = new Command("propose", "Propose a candidate capital rule file as a governed change: assessed first (its impact on the last 7 days' journaled decisions and its diff with the live file, in a checklist under artifacts/rule-changes/), then waiting in a rule-change instance for its quorum, which never counts the proposer; a server running the policy on this journal puts it live once approved. Exit 0 proposed (or proposed before), 2 when it does not load, is not newer, or a checklist write failed.")
        {
            file, journal, replaces, actor, liveAt, WorkflowCommand.Definitions, WorkflowCommand.Roles,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var engine = CliOptions.Engine(parse);
            var (path, livePath) = (parse.GetValue(file)!, parse.GetValue(replaces)!);
            RequireExists(path);
            RequireExists(livePath);
            var at = parse.GetValue(liveAt) is { } text ? CliOptions.Utc(text, "--live-at") : (DateTimeOffset?)null;
            if (GateInputs.Policy(engine, path, error) is not { } candidate || GateInputs.Policy(engine, livePath, error) is not { } live)
            {
                return ExitCodes.Error;
            }

            RuleChanges.RequireNewer(candidate, live);
            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            var written = await ProposeChange(output, error, parse, store, candidate, livePath, live, parse.GetValue(actor)!, at, cancellation).ConfigureAwait(false);
            return written == ExitCodes.Ok ? ExitCodes.Ok : ExitCodes.Error;
        });
        return command;
    }

    /// <summary>
    /// Proposes <paramref name="candidate"/> as a governed change of <paramref name="file"/> (<see cref="RuleChanges"/>):
    /// assessed on this journal, recorded with its checklist and its <c>rule-change</c> instance started, requested by
    /// <paramref name="actor"/>; then the checklist written. A proposal made before is named as it stands.
    /// </summary>
    /// <returns>0, or 1 when the checklist could not be written yet (the journal holds it; <c>effects run</c> tries again).</returns>
    internal static async Task<int> ProposeChange(TextWriter output, TextWriter error, ParseResult parse, JournalStore store, RuleBundle candidate, string file, RuleBundle? live, string actor, DateTimeOffset? liveAt, CancellationToken cancellation)
    {
        var path = Path.Combine(parse.GetValue(WorkflowCommand.Definitions) ?? "workflows", $"{RuleChanges.Workflow}.yaml");
        if (!File.Exists(path) || new WorkflowLoader(CliOptions.Engine(parse), WorkflowCommand.RolesOf(parse)).Load(path).Value is not { } definition)
        {
            output.WriteLine($"  not proposed: there is no loadable {path} to approve it.");
            return ExitCodes.Failed;
        }

        var requester = Identities.Name(actor, "actor");
        var assessment = RuleChangeAssessment.Of(store, CliOptions.Engine(parse), live, candidate, RunClock.Machine.GetUtcNow());
        var (record, fresh) = RuleChanges.Propose(store, new RuleChangeProposal(candidate, file, live?.Identity ?? "none", requester, liveAt, assessment));
        if (fresh)
        {
            WorkflowCommand.Runtime(parse, store).Start(definition, record.Subject, requester);
        }

        output.WriteLine(fresh
            ? $"  proposed as {RuleChanges.Workflow}:{record.Subject}, requested by {requester}: a server running {candidate.File.Metadata.Id} on this journal puts it live once its quorum approves{(record.LiveAt is { } at ? $", not before {at}" : "")}."
            : $"  proposed before as {RuleChanges.Workflow}:{record.Subject}, requested by {record.Requester}: {record.Status}.");
        output.WriteLine($"  {record.Assessed}; its checklist: {record.Checklist}");
        return await PatchCommands.Written(store, record.Subject, error, cancellation).ConfigureAwait(false);
    }

    /// <summary>Where candidates made from policy deltas are written unless told otherwise.</summary>
    internal const string CandidateFolder = "artifacts/rule-changes";

    /// <summary>The candidate rule file <paramref name="delta"/> describes, compiled; null (its diagnostics written) when it does not compile.</summary>
    /// <exception cref="FormatException">The delta does not apply to its rule file.</exception>
    internal static (RuleDelta Delta, RuleBundle Bundle, byte[] Bytes)? Candidate(RuleEngine engine, RuleDelta delta, TextWriter error)
    {
        RequireExists(delta.RulesFile);
        var text = System.Text.Encoding.UTF8.GetString(RuleFormatter.Read(delta.RulesFile));
        var bytes = System.Text.Encoding.UTF8.GetBytes(delta.Apply(text));
        var compiled = engine.Compile(engine.Loader.Parse(delta.RulesFile, bytes));
        if (compiled.Value is not { } bundle)
        {
            error.WriteLine($"rulesgate: the candidate the policy delta makes of {delta.RulesFile} does not compile:");
            Report(compiled.Diagnostics, error);
            return null;
        }

        return (delta, bundle, bytes);
    }

    /// <summary>Writes a candidate (to <paramref name="target"/>, else <see cref="CandidateFolder"/>) and says what it is and how to judge it.</summary>
    internal static void WriteCandidate(TextWriter output, (RuleDelta Delta, RuleBundle Bundle, byte[] Bytes) candidate, string? target)
    {
        var meta = candidate.Bundle.File.Metadata;
        var path = target ?? Path.Combine(CandidateFolder, string.Create(CultureInfo.InvariantCulture, $"{meta.Id}@{meta.Version}.yaml"));
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        OutputFile.Replace(path, candidate.Bytes);
        output.WriteLine($"wrote the candidate {candidate.Bundle.Identity} to {path}: {string.Join(", ", candidate.Delta.Set.Select(pair => $"{pair.Key} = {pair.Value.GetRawText()}"))}, from {candidate.Delta.RulesFile}.");
        output.WriteLine($"  see what it would do: rulesgate rules impact {path}; rulesgate rules diff {candidate.Delta.RulesFile} {path}");
    }

    private static string Skipped(ImpactReport report) => string.Create(CultureInfo.InvariantCulture,
        $"{report.OtherPolicies:N0} {(report.OtherPolicies == 1 ? "decision" : "decisions")} of other policies, {report.Malformed:N0} malformed {(report.Malformed == 1 ? "line" : "lines")}");

    private static string Window(ImpactReport report) => (report.Since, report.Until) switch
    {
        (null, null) => "in the whole journal",
        ({ } since, null) => $"since {JsonText.Seconds(since)}",
        (null, { } until) => $"before {JsonText.Seconds(until)}",
        ({ } since, { } until) => $"from {JsonText.Seconds(since)} to {JsonText.Seconds(until)}",
    };

    private static void WriteImpact(TextWriter output, ImpactReport report, string candidatePath, string journal)
    {
        var share = report.Changed * 100.0 / report.Judged;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{report.Candidate} on {report.Judged:N0} journaled decisions of {report.PolicyId} {Window(report)}: {report.Changed:N0} would change ({share:0.##}%), notional {report.Notional:N2}."));
        if (report.OtherPolicies + report.Malformed > 0)
        {
            output.WriteLine($"Not judged: {Skipped(report)}.");
        }

        foreach (var (title, counts) in new[] { ("By verdict", report.Transitions), ("By rule", report.Rules), ("By strategy", report.Strategies), ("By symbol", report.Symbols) })
        {
            if (counts.Count == 0)
            {
                continue;
            }

            output.WriteLine();
            output.WriteLine(title);
            var width = counts.Max(count => count.Name.Length);
            foreach (var count in counts)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {count.Name.PadRight(width)}  {count.Decisions,9:N0}  notional {count.Notional:N2}"));
            }
        }

        if (report.Examples.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("First examples, with how to see why");
        var journalArgument = journal == JournalCommand.JournalOption().GetDefaultValue()?.ToString() ? "" : $" --journal {journal}";
        foreach (var example in report.Examples)
        {
            output.WriteLine($"  {example.Change}: event {example.Seq} at {example.Time}, intent {example.IntentId} ({example.StrategyId}, {example.Symbol})");
            output.WriteLine($"    before  {example.Before}    rulesgate rules explain --seq {example.Seq}{journalArgument}");
            output.WriteLine($"    after   {example.After}    rulesgate rules explain {candidatePath} --seq {example.Seq}{journalArgument}");
        }
    }

    internal static List<RuleTestOutcome> RunTests(RuleEngine engine, string target) => RunTests(new RuleTestRunner(engine), target);

    private static List<RuleTestOutcome> RunTests(RuleTestRunner runner, string target) => [.. RuleFiles.Tests(target).SelectMany(runner.Run)];

    /// <summary>One rule file's coverage: the counts, then what was not exercised, by name.</summary>
    private static void WriteCoverage(TextWriter output, RuleCoverage file)
    {
        var overrides = file.Overrides.Count(o => o.Cases > 0);
        output.WriteLine($"coverage of {file.RulesPath} ({file.Identity}) by {file.Cases} {(file.Cases == 1 ? "case" : "cases")}: rules fired {file.Rules.Count(r => r.Fired > 0)}/{file.Rules.Count}, quiet {file.Rules.Count(r => r.Quiet > 0)}/{file.Rules.Count}, both ways {file.BothWays}/{file.Rules.Count}; overrides {overrides}/{file.Overrides.Count}");
        if (file.Rules.Where(r => r.Fired == 0).Select(r => r.Rule).ToList() is { Count: > 0 } neverFired)
        {
            output.WriteLine($"  never fired: {string.Join(", ", neverFired)}");
        }

        if (file.Rules.Where(r => r.Quiet == 0).Select(r => r.Rule).ToList() is { Count: > 0 } neverQuiet)
        {
            output.WriteLine($"  never quiet: {string.Join(", ", neverQuiet)}");
        }

        if (file.Overrides.Where(o => o.Cases == 0).Select(o => $"{o.Kind} {o.Key}").ToList() is { Count: > 0 } unexercised)
        {
            output.WriteLine($"  overrides no case reached: {string.Join(", ", unexercised)}");
        }
    }

    internal static int Report(IReadOnlyList<RuleDiagnostic> diagnostics, TextWriter error)
    {
        foreach (var diagnostic in RuleDiagnostic.InFileOrder(diagnostics))
        {
            error.Write(diagnostic.ToCaretString());
        }

        return diagnostics.Count;
    }

    internal static void RequireExists(string path)
    {
        if (path != RulesGate.Core.StandardInput.Name && !File.Exists(path) && !Directory.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file or folder.");
        }
    }
}
