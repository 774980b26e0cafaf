using System.CommandLine;
using RulesGate.Core.Rules;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate demo</c>: what RulesGate does today, on the shipped rules and samples.</summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("demo", "Load and check rules/, run the rule tests, and show what was loaded with ids, versions and hashes.");
        command.SetAction(parse =>
        {
            var engine = CliOptions.Engine(parse);
            output.WriteLine("RulesGate demo: rules/ compiled with Roslyn, sandboxed, tested.");
            output.WriteLine();
            var failures = 0;
            foreach (var path in RuleFiles.Under("rules"))
            {
                var result = engine.Load(path);
                if (result.Value is { } bundle)
                {
                    var how = bundle.FromCache ? "from cache" : "compiled";
                    output.WriteLine($"  {bundle.Identity,-40} {bundle.File.Kind,-14} {bundle.File.Rules.Count,3} rules  {bundle.File.Mode.ToString().ToLowerInvariant(),-8} {how,-10}  {path}");
                }
                else
                {
                    failures += RulesCommand.Report(result.Diagnostics, error);
                }
            }

            output.WriteLine();
            var outcomes = RulesCommand.RunTests(engine, Path.Combine("rules", "tests"));
            var failed = outcomes.Count(o => !o.Passed);
            foreach (var outcome in outcomes.Where(o => !o.Passed))
            {
                output.WriteLine($"  FAIL  {outcome.Location}: {outcome.Case}: {outcome.Failure}");
            }

            output.WriteLine($"Rule tests: {outcomes.Count - failed} passed, {failed} failed");
            return failures > 0 ? ExitCodes.Error : failed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }
}
