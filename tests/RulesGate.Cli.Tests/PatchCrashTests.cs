using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>
/// <c>patches propose</c> killed by the kernel at each step of each file it writes (fault injection:
/// <c>strace -e inject=SYSCALL:signal=KILL:when=N</c>, Debian's strace): the write of the temporary file, its fsync,
/// the rename over the file, the fsync of the folder, for the three proposal files and then the live overrides.
/// Whichever step it died at, the journal already holds the proposal and the bytes each file must hold, and the next
/// command (<c>effects run</c>) leaves the files and the journal agreeing: every file written whole, nothing pending,
/// no temporary file left, the journal verified, and the proposal rolls back.
/// </summary>
public sealed class PatchCrashTests : IDisposable
{
    /// <summary>Where each step of each file falls among the calls of its kind, found once by tracing a run that is not killed.</summary>
    private static readonly Lazy<Dictionary<(string Call, int Step), int>> Ordinals = new(TraceOrdinals);

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-patch-crash-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The strace RULESGATE_TEST_STRACE names (as .ci/run sets it), else the one scripts/strace installs when absent.</summary>
    private static string Tracer()
    {
        if (Environment.GetEnvironmentVariable("RULESGATE_TEST_STRACE") is { Length: > 0 } given)
        {
            return given;
        }

        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(CliTests.Root, "scripts", "strace"));
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"scripts/strace: {error.Result}");
        return output;
    }

    /// <summary>A fresh journal and overrides file in <paramref name="at"/>: (journal, overrides, proposals folder).</summary>
    private static (string Journal, string Overrides, string Proposals) Setup(string at)
    {
        var journal = Path.Combine(at, "journal.db");
        var overrides = Path.Combine(at, "live", "auto.toml");
        SqliteJournal.Create(journal).Dispose();
        Directory.CreateDirectory(Path.GetDirectoryName(overrides)!);
        File.Copy(Path.Combine(CliTests.Root, "samples", "patches", "auto.toml"), overrides);
        return (journal, overrides, Path.Combine(at, "out"));
    }

    /// <summary><c>patches propose</c> in bounded_auto under strace with <paramref name="tracing"/>: its exit code and standard error.</summary>
    private static (int Exit, string Error) Propose((string Journal, string Overrides, string Proposals) at, params string[] tracing)
    {
        var start = new ProcessStartInfo(Tracer()) { WorkingDirectory = CliTests.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments =
        [
            "-f", "-qq", .. tracing,
            "dotnet", typeof(CliApp).Assembly.Location, "patches", "propose", "samples/patches/patches.jsonl", "--mode", "bounded_auto",
            "--journal", at.Journal, "--out", at.Proposals, "--overrides", at.Overrides, "--cache", "none",
        ];
        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error.Result);
    }

    /// <summary>
    /// Traces one whole run (<c>strace -y</c> names the file behind each descriptor) and numbers, per kind of call, the
    /// calls of the thread that writes the files; the steps on the files (not the journal's own) are kept with their number.
    /// </summary>
    private static Dictionary<(string Call, int Step), int> TraceOrdinals()
    {
        var at = Directory.CreateTempSubdirectory("rulesgate-patch-trace-").FullName;
        try
        {
            var trace = Path.Combine(at, "trace");
            var setup = Setup(at);
            var (exit, error) = Propose(setup, "-y", "-o", trace, "-e", "trace=pwrite64,fsync,rename");
            Assert.True(exit == 0, error);
            var calls = File.ReadLines(trace)
                .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"^(\d+)\s+(pwrite64|fsync|rename)\((.*)"))
                .Where(match => match.Success)
                .Select(match => (Thread: match.Groups[1].Value, Call: match.Groups[2].Value, Arguments: match.Groups[3].Value))
                .ToList();
            bool OnAFile((string Thread, string Call, string Arguments) call) =>
                call.Arguments.Contains(setup.Proposals, StringComparison.Ordinal) || call.Arguments.Contains(Path.GetDirectoryName(setup.Overrides)!, StringComparison.Ordinal);
            var writer = calls.First(OnAFile).Thread;
            var ordinals = new Dictionary<(string, int), int>();
            foreach (var group in calls.Where(call => call.Thread == writer).GroupBy(call => call.Call))
            {
                var step = 0;
                foreach (var (call, ordinal) in group.Select((call, index) => (call, index + 1)).Where(pair => OnAFile(pair.call)))
                {
                    ordinals[(call.Call, ++step)] = ordinal;
                }
            }

            return ordinals;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(at, recursive: true);
        }
    }

    [Theory]
    [InlineData("pwrite64", 1, 1)]      // proposal_meta.json: nothing of it on disk but a temporary file
    [InlineData("fsync", 1, 1)]         // its temporary file, written and not yet flushed
    [InlineData("rename", 1, 1)]        // flushed, not yet in place
    [InlineData("fsync", 2, 1)]         // in place, its folder not flushed, its effect not closed
    [InlineData("pwrite64", 2, 2)]      // config_patches.json
    [InlineData("fsync", 3, 2)]
    [InlineData("rename", 2, 2)]
    [InlineData("fsync", 4, 2)]
    [InlineData("pwrite64", 3, 3)]      // OPERATOR_CHECKLIST.md
    [InlineData("fsync", 5, 3)]
    [InlineData("rename", 3, 3)]
    [InlineData("fsync", 6, 3)]
    [InlineData("pwrite64", 4, 4)]      // the live overrides: the journal says applied, the file still holds the old values
    [InlineData("fsync", 7, 4)]
    [InlineData("rename", 4, 4)]
    [InlineData("fsync", 8, 4)]         // the new values in place; the journal does not know it yet
    public void Propose_KilledAtAStepOfAFile_TheNextCommandLeavesTheFilesAndTheJournalAgreeing(string call, int step, int file)
    {
        var setup = Setup(folder);
        var (journal, overrides, proposals) = setup;
        var values = RulesGate.Core.Patches.LiveOverrides.Applied(overrides);
        Assert.True(Ordinals.Value.TryGetValue((call, step), out var ordinal), $"the traced run made no {call} number {step} on a file");

        var (exit, error) = Propose(setup, "-o", "/dev/null", "-e", $"trace={call}", "-e", $"inject={call}:signal=KILL:when={ordinal}");

        // Dead at that step: the journal holds the proposal as applied, and the file and those after it wait in the outbox.
        Assert.True(exit == 128 + 9, $"not killed at {call} {step} (exit {exit}): {error}");
        var (pending, listed, _) = CliTests.Run("effects", "list", "--journal", journal);
        Assert.Equal(0, pending);
        Assert.Contains($"{5 - file} pending", listed, StringComparison.Ordinal);

        var (ran, _, ranError) = CliTests.Run("effects", "run", "--journal", journal);

        Assert.True(ran == 0, ranError);
        var proposal = Assert.Single(Directory.GetDirectories(proposals));
        Assert.Equal(["OPERATOR_CHECKLIST.md", "config_patches.json", "proposal_meta.json"], Directory.GetFiles(proposal).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(proposal, ".*.tmp"));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(overrides)!, ".*.tmp"));
        using (var shown = JsonDocument.Parse(CliTests.Run("patches", "show", "--journal", journal).Out))
        {
            var record = shown.RootElement[0];
            Assert.Equal("applied", record.GetProperty("status").GetString());
            Assert.Equal(0, record.GetProperty("files_not_written").GetArrayLength());
            foreach (var applied in record.GetProperty("applied").EnumerateArray())
            {
                Assert.Contains($"\"{applied.GetProperty("target").GetString()}\" = {applied.GetProperty("new_value").GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture)}", File.ReadAllText(overrides), StringComparison.Ordinal);
            }
        }

        Assert.Equal(0, CliTests.Run("journal", "verify", "--journal", journal).Exit);
        var (rolled, _, rollError) = CliTests.Run("patches", "rollback", "--proposal", Path.GetFileName(proposal), "--actor", "ops", "--reason", "after the crash", "--journal", journal);
        Assert.True(rolled == 0, rollError);
        Assert.Equal(values, RulesGate.Core.Patches.LiveOverrides.Applied(overrides));
    }
}
