using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>
/// <c>patches propose</c> killed by the kernel at each rename of the files it writes (fault injection:
/// <c>strace -e inject=rename:signal=KILL:when=N</c>, Debian's strace): the three proposal files, then the live
/// overrides. Whichever step it died at, the journal already holds the proposal and the bytes each file must hold, and
/// the next command (<c>effects run</c>) leaves the files and the journal agreeing: every file written whole, nothing
/// pending, the journal verified, and the proposal rolls back.
/// </summary>
public sealed class PatchCrashTests : IDisposable
{
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

    [Theory]
    [InlineData(1)]     // proposal_meta.json: nothing of the proposal's files is in place
    [InlineData(2)]     // config_patches.json
    [InlineData(3)]     // OPERATOR_CHECKLIST.md
    [InlineData(4)]     // the live overrides: the journal says applied, the file still holds the old values
    public async Task Propose_KilledAtARename_TheNextCommandLeavesTheFilesAndTheJournalAgreeing(int rename)
    {
        var journal = Path.Combine(folder, "journal.db");
        var overrides = Path.Combine(folder, "live", "auto.toml");
        var proposals = Path.Combine(folder, "out");
        SqliteJournal.Create(journal).Dispose();
        Directory.CreateDirectory(Path.GetDirectoryName(overrides)!);
        File.Copy(Path.Combine(CliTests.Root, "samples", "patches", "auto.toml"), overrides);
        var before = File.ReadAllText(overrides);
        var values = RulesGate.Core.Patches.LiveOverrides.Applied(overrides);

        var start = new ProcessStartInfo(Tracer()) { WorkingDirectory = CliTests.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename,renameat,renameat2", "-e", $"inject=rename,renameat,renameat2:signal=KILL:when={rename}",
            "dotnet", typeof(CliApp).Assembly.Location, "patches", "propose", "samples/patches/patches.jsonl", "--mode", "bounded_auto",
            "--journal", journal, "--out", proposals, "--overrides", overrides, "--cache", "none",
        })
        {
            start.ArgumentList.Add(arg);
        }

        using (var killed = Process.Start(start)!)
        {
            var error = killed.StandardError.ReadToEndAsync();
            await killed.StandardOutput.ReadToEndAsync();
            await killed.WaitForExitAsync();
            Assert.True(killed.ExitCode == 128 + 9, $"not killed at rename {rename} (exit {killed.ExitCode}): {await error}");
        }

        // Dead at the rename: the journal holds the proposal as applied, and the files it promises are not all there.
        Assert.Equal(before, File.ReadAllText(overrides));
        var (pending, listed, _) = CliTests.Run("effects", "list", "--journal", journal);
        Assert.Equal(0, pending);
        Assert.Contains($"{5 - rename} pending", listed, StringComparison.Ordinal);

        var (ran, _, ranError) = CliTests.Run("effects", "run", "--journal", journal);

        Assert.True(ran == 0, ranError);
        var proposal = Assert.Single(Directory.GetDirectories(proposals));
        Assert.Equal(["OPERATOR_CHECKLIST.md", "config_patches.json", "proposal_meta.json"], Directory.GetFiles(proposal).Select(Path.GetFileName).Order(StringComparer.Ordinal));
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
