using System.Diagnostics;
using RulesGate.Core.Journal;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>examples/OrderRouter, the order path as a library (OrderDesk), run as its README says.</summary>
public sealed class LibraryExampleTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-router-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void OrderRouter_DecidesEveryOrderInProcess_EachDurableInTheJournalBeforeItIsAnswered()
    {
        var journal = Path.Combine(folder, "router.db");

        var (exit, output, error) = Router("samples/capital/requests.jsonl", journal);

        Assert.True(exit == 0, error);
        var answers = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(File.ReadLines(Path.Combine(CliTests.Root, "samples/capital/requests.jsonl")).Count(line => line.Trim().Length > 0) + 1, answers.Length);
        Assert.Contains("i-003    MODIFY  send 63.15789473       journaled as event 4", answers);
        Assert.Contains("i-005    DENY    do not send            journaled as event 6", answers);
        Assert.Equal("The kill switch is off.", answers[^1]);

        using var store = SqliteJournal.Open(journal, readOnly: true);
        Assert.True(JournalVerifier.Verify(store).Intact);
        Assert.Equal(answers.Length - 1, store.Read(type: EventTypes.GateDecision).Count());
    }

    [Fact]
    public void OrderRouter_AgainOnTheSameInputs_AnswersTheSame_AfterWhatTheJournalHolds()
    {
        var journal = Path.Combine(folder, "router.db");
        var first = Router("samples/capital/requests.jsonl", journal).Output;

        var second = Router("samples/capital/requests.jsonl", journal).Output;

        string Verdicts(string text) => string.Join('\n', text.Split('\n').Select(line => line.Split(" journaled as event ")[0]));
        Assert.Equal(Verdicts(first), Verdicts(second));
        Assert.NotEqual(first, second);
    }

    private static (int Exit, string Output, string Error) Router(params string[] args)
    {
        // The example as built beside this test assembly's configuration (Debug or Release).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = CliTests.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(CliTests.Root, "examples", "OrderRouter", "bin", configuration, "net10.0", "OrderRouter.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }
}
