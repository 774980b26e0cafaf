using System.CommandLine;
using RulesGate.Cli.Commands;

namespace RulesGate.Cli;

/// <summary>The <c>rulesgate</c> command: parses arguments, calls Core, prints, and maps errors to exit codes.</summary>
internal static class CliApp
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("RulesGate: the governance layer that decides whether automated strategies may trade, how large, and when they move up or down the capital ladder.")
        {
            Options = { CliOptions.Cache },
        };
        root.Subcommands.Add(RulesCommand.Create(output, error));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(RunCommand.Create(output, error));
        root.Subcommands.Add(JournalCommand.Replay(output));
        root.Subcommands.Add(JournalCommand.Journal(output));
        root.Subcommands.Add(JournalCommand.KillSwitch(output));
        root.Subcommands.Add(PromotionCommands.Diary(output, error));
        root.Subcommands.Add(PromotionCommands.Assess(output, error));
        root.Subcommands.Add(PromotionCommands.Promote(output));
        root.Subcommands.Add(PromotionCommands.Ledger(output));
        root.Subcommands.Add(PromotionCommands.Changelog(output));
        root.Subcommands.Add(PromotionCommands.Strategy(output, error));
        root.Subcommands.Add(WorkflowCommand.Create(output, error));
        root.Subcommands.Add(WorkflowCommand.Evidence(output, error));
        root.Subcommands.Add(BenchCommand.Create(output, error));
        root.Subcommands.Add(DemoCommand.Create(output, error));

        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception failure) when (failure is IOException or FileNotFoundException or UnauthorizedAccessException or FormatException or InvalidOperationException or System.Text.Json.JsonException or System.Data.Common.DbException or RulesGate.Core.Rules.RuleEvaluationException)
        {
            // The one exception boundary of the CLI: one line, exit 2.
            error.WriteLine($"rulesgate: {failure.Message}");
            return ExitCodes.Error;
        }
    }
}
