using System.Diagnostics;

namespace RulesGate.Cli.Tests;

/// <summary>RulesGate commands run as processes of their own, as separate nodes run them: started together, awaited together.</summary>
internal static class Nodes
{
    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = CliTests.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(CliApp).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    /// <summary>Waits for each process; their exit codes and output, in the order given.</summary>
    public static async Task<(int Exit, string Out, string Err)[]> Finish(params Process[] processes) =>
        await Task.WhenAll(processes.Select(async process =>
        {
            using (process)
            {
                var output = process.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync();
                return (process.ExitCode, await output, await error);
            }
        }));
}
