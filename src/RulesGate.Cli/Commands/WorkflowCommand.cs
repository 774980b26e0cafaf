using System.CommandLine;
using RulesGate.Core.Workflows;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate workflow check|diagram</c>.</summary>
internal static class WorkflowCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var files = new Argument<string[]>("FILE") { Description = "Workflow files or folders (default workflows/).", Arity = ArgumentArity.ZeroOrMore };
        var check = new Command("check", "Load workflow definitions strictly and compile their conditions; print every problem as file:line:col with what to write instead.") { files };
        check.SetAction(parse =>
        {
            var paths = Files(parse.GetValue(files));
            var loader = new WorkflowLoader(CliOptions.Engine(parse));
            var problems = 0;
            foreach (var path in paths)
            {
                var loaded = loader.Load(path);
                if (loaded.Value is { } definition)
                {
                    output.WriteLine($"  {definition.Identity,-40} {definition.States.Count,2} states  subject {definition.Subject,-8}  {path}");
                }
                else
                {
                    problems += RulesCommand.Report(loaded.Diagnostics, error);
                }
            }

            output.WriteLine($"{paths.Count} {(paths.Count == 1 ? "workflow" : "workflows")} checked, {(problems == 0 ? "no" : problems.ToString(System.Globalization.CultureInfo.InvariantCulture))} problems.");
            return problems == 0 ? ExitCodes.Ok : ExitCodes.Error;
        });

        var file = new Argument<string>("FILE") { Description = "A workflow file." };
        var format = new Option<string>("--format") { Description = "mermaid (default) or dot.", DefaultValueFactory = _ => "mermaid" };
        format.AcceptOnlyFromAmong("mermaid", "dot");
        var diagram = new Command("diagram", "Draw a workflow's states and ways out (gates, conditions, approvals, timers, demotions) as Mermaid or Graphviz dot.") { file, format };
        diagram.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            RulesCommand.RequireExists(path);
            var loaded = new WorkflowLoader(CliOptions.Engine(parse)).Load(path);
            if (loaded.Value is not { } definition)
            {
                RulesCommand.Report(loaded.Diagnostics, error);
                return ExitCodes.Error;
            }

            output.Write(parse.GetValue(format) == "dot" ? WorkflowDiagram.Dot(definition) : WorkflowDiagram.Mermaid(definition));
            return ExitCodes.Ok;
        });
        return new Command("workflow", "Durable workflows: stage pipelines and approval flows.") { check, diagram };
    }

    /// <summary>The files named, or every workflow file under the folders named (roles.yaml is not a workflow).</summary>
    private static List<string> Files(string[]? arguments)
    {
        var files = new List<string>();
        foreach (var argument in arguments is { Length: > 0 } ? arguments : ["workflows"])
        {
            RulesCommand.RequireExists(argument);
            files.AddRange(Directory.Exists(argument)
                ? Directory.EnumerateFiles(argument, "*.yaml", SearchOption.AllDirectories).Where(path => Path.GetFileName(path) != "roles.yaml").Order(StringComparer.Ordinal)
                : [argument]);
        }

        return files;
    }
}
