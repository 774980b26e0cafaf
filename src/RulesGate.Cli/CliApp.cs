using System.CommandLine;
using RulesGate.Cli.Commands;

namespace RulesGate.Cli;

/// <summary>The <c>rulesgate</c> command: parses arguments, calls Core, prints, and maps errors to exit codes.</summary>
internal static class CliApp
{
    private static Option<bool> Verbose => PerRun.Get(static () => new Option<bool>("--verbose") { Description = "On an internal error, print its details (the stack trace) too.", Recursive = true });

    /// <param name="extra">A further command, for tests of the boundary itself.</param>
    /// <param name="input">Opens standard input, read when an input is named <c>-</c>; default the process's own.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Command? extra = null, Func<Stream>? input = null)
    {
        using var standardInput = RulesGate.Core.StandardInput.Use(input ?? Console.OpenStandardInput);
        using var run = PerRun.Begin();
        var root = new RootCommand("RulesGate: the governance layer that decides whether automated strategies may trade, how large, and when they move up or down the capital ladder.")
        {
            Options = { CliOptions.Cache, Verbose },
        };
        if (extra is not null)
        {
            root.Subcommands.Add(extra);
        }

        root.Subcommands.Add(RulesCommand.Create(output, error));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(RunCommand.Create(output, error));
        root.Subcommands.Add(JournalCommand.Replay(output));
        root.Subcommands.Add(JournalCommand.Journal(output));
        root.Subcommands.Add(JournalCommand.KillSwitch(output));
        root.Subcommands.Add(JournalCommand.Correlate(output));
        root.Subcommands.Add(PromotionCommands.Diary(output, error));
        root.Subcommands.Add(PromotionCommands.Assess(output, error));
        root.Subcommands.Add(PromotionCommands.Promote(output, error));
        root.Subcommands.Add(PromotionCommands.Ledger(output));
        root.Subcommands.Add(PromotionCommands.Changelog(output));
        root.Subcommands.Add(AuditCommand.Create(output));
        root.Subcommands.Add(PromotionCommands.Strategy(output, error));
        root.Subcommands.Add(WorkflowCommand.Create(output, error));
        root.Subcommands.Add(WorkflowCommand.Evidence(output, error));
        root.Subcommands.Add(EffectsCommand.Create(output, error));
        root.Subcommands.Add(GovernanceCommands.Create(output, error));
        root.Subcommands.Add(GovernanceCommands.Outcomes(output, error));
        root.Subcommands.Add(GovernanceCommands.Token(output, error));
        root.Subcommands.Add(GovernanceCommands.Canary(output, error));
        root.Subcommands.Add(PatchCommands.Create(output, error));
        root.Subcommands.Add(ServeCommand.Create(output, error));
        root.Subcommands.Add(ServeCommand.Principal(output));
        root.Subcommands.Add(KeyCommand.Create(output, error));
        root.Subcommands.Add(BenchCommand.Create(output, error));
        root.Subcommands.Add(DemoCommand.Create(output, error));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // A usage error is an error like any other: one line and exit 2, never the help text and 1 (which means DENY).
            var first = parse.Errors.OrderBy(problem => problem.Message.StartsWith("Unrecognized", StringComparison.Ordinal) ? 0 : 1).First();
            // One line, whatever the parser's message spans (a list of allowed values comes a line each).
            var message = string.Join(' ', first.Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            error.WriteLine($"rulesgate: {message} Run 'rulesgate {CommandPath(parse.CommandResult)}--help' for the options.");
            return ExitCodes.Error;
        }

        // AlphaTrade's variables for its ledger and diary files name what RulesGate keeps in its journal: a command
        // that reads or changes the ledger or the diary refuses them rather than silently ignoring them.
        if (LedgerCommands.Contains(CommandPath(parse.CommandResult).Split(' ')[0]) && RulesGate.Core.Settings.Refused() is { } refused)
        {
            error.WriteLine($"rulesgate: {refused}");
            return ExitCodes.Error;
        }

        try
        {
            // Ctrl+C and SIGTERM are the commands' own to handle (serve finishes what is in flight and writes what it
            // acknowledged), never cut short by the parser's timeout.
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or FormatException or System.Text.Json.JsonException or System.Data.Common.DbException
            or RulesGate.Core.RefusalException or RulesGate.Core.Journal.JournalException or RulesGate.Core.Rules.RuleEvaluationException)
        {
            // The one exception boundary of the CLI: one line, exit 2.
            error.WriteLine($"rulesgate: {failure.Message}");
            return ExitCodes.Error;
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // A bug, not bad input: one line and its own exit code; the stack trace only when asked for.
            error.WriteLine($"rulesgate: internal error ({failure.GetType().Name}): {failure.Message} This is a bug in RulesGate; please report it with the command that caused it{(parse.GetValue(Verbose) ? "." : " (run it again with --verbose for the details).")}");
            if (parse.GetValue(Verbose))
            {
                error.WriteLine(failure.ToString());
            }

            return ExitCodes.Bug;
        }
    }

    private static readonly HashSet<string> LedgerCommands = new(["diary", "assess", "promote", "ledger", "changelog", "strategy", "workflow", "evidence", "serve", "demo"], StringComparer.Ordinal);

    /// <summary>The subcommands named on the line, each followed by a space: <c>workflow approve </c>.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var path = "";
        for (var current = result; current.Parent is System.CommandLine.Parsing.CommandResult parent; current = parent)
        {
            path = current.Command.Name + " " + path;
        }

        return path;
    }
}
