using Spectre.Console;

namespace RulesGate.Cli;

/// <summary>
/// Progress of long work, drawn on standard error when that is a terminal a person watches, and nothing otherwise:
/// a pipe, a file, a test's writer or CI's log gets no control codes, and standard output is never touched.
/// </summary>
internal static class TerminalProgress
{
    /// <summary>Runs <paramref name="work"/>, which reports how many of <paramref name="total"/> it has done.</summary>
    public static void Run(TextWriter error, string what, int total, Action<Action<int>> work)
    {
        if (!Shown(error) || total < 1000)
        {
            work(_ => { });
            return;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes });
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(what, maxValue: total);
                work(done => task.Value = done);
            });
    }

    private static bool Shown(TextWriter error) =>
        ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb")
        && Environment.GetEnvironmentVariable("CI") is null;
}
