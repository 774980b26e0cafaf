using System.CommandLine;
using System.Text.Json;
using RulesGate.Core.Reports;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate rules check|test|hash|explain</c>.</summary>
internal static class RulesCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var rules = new Command("rules", "Check, test, hash and explain rule files.");
        rules.Subcommands.Add(Check(output, error));
        rules.Subcommands.Add(Test(output, error));
        rules.Subcommands.Add(Hash(output, error));
        rules.Subcommands.Add(Explain(output, error));
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
        var json = CliOptions.Json("{passed, failed, cases: [{file, line, case, passed, failure}]}");
        var command = new Command("test", "Run rule tests: each case's context through its rule file. Ends with 'N passed, N failed.'; exit 1 when any fails, 2 when none was found.") { path, json };
        command.SetAction(parse =>
        {
            var target = parse.GetValue(path)!;
            RequireExists(target);
            var outcomes = RunTests(CliOptions.Engine(parse), target);
            if (outcomes.Count == 0)
            {
                // A run that tests nothing must not pass: a CI job would go green on nothing.
                throw new FileNotFoundException($"{target}: no rule test found (looked for *.yaml files in a tests/ folder or of kind RuleTests{(File.Exists(target) ? "; this file has no cases" : " below it")}). Name a rule-test file or a folder that holds some.");
            }

            if (parse.GetValue(json))
            {
                output.WriteLine(ReportJson.Tests(outcomes));
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
        var file = new Argument<string>("RULEFILE") { Description = "A rule file." };
        var input = CliOptions.Input("CONTEXT.json", "The JSON context the rules see: for a CapitalPolicy, { intent, portfolio, market, execution }.");
        var command = new Command("explain", "For every rule: whether it fires on the context, and the value of every operand of its condition.") { file, input };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var contextPath = parse.GetValue(input)!;
            RequireExists(path);
            RequireExists(contextPath);
            var compiled = CliOptions.Engine(parse).Load(path);
            if (compiled.Value is not { } bundle)
            {
                Report(compiled.Diagnostics, error);
                return ExitCodes.Error;
            }

            using var json = StrictJson.ParseFile(contextPath);
            var context = bundle.Kind.ReadContext(json.RootElement, bundle.File);
            output.WriteLine($"{bundle.Identity} on {contextPath}");
            foreach (var rule in RuleExplainer.Explain(bundle, context))
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

    internal static List<RuleTestOutcome> RunTests(RuleEngine engine, string target)
    {
        var runner = new RuleTestRunner(engine);
        return [.. RuleFiles.Tests(target).SelectMany(runner.Run)];
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
