using System.Text.Json;
using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>The workflow runtime's commands end to end: start, wake on diary and evidence, approve, tick, list, show.</summary>
public sealed class WorkflowCliTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-cli-").FullName;

    private string Journal => Path.Combine(folder, "journal.db");

    public WorkflowCliTests() => SqliteJournal.Create(Journal).Dispose();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private (int Exit, string Output, string Error) Run(params string[] args) => CliTests.Run([.. args, "--journal", Journal]);

    [Fact]
    public void AlphaTrade_StartWakeApproveAndShow()
    {
        const string instance = "alpha-trade-promotion:alpha-momentum";
        Assert.Equal((0, $"{instance}: "), Prefix(Run("workflow", "start", "--workflow", "alpha-trade-promotion", "--subject", "alpha-momentum", "--actor", "olga"), instance.Length + 2));

        var ingest = Run("diary", "ingest", "samples/promotion/diary.jsonl");
        var again = Run("diary", "ingest", "samples/promotion/diary.jsonl");
        Assert.Matches($@"{instance}: experiment → paper \(evidence: gate paper passed under alpha-trade-promotion@1#[0-9a-f]{{12}}\)", ingest.Output);
        Assert.Equal("0 diary entries added, 211 already recorded.\n", again.Output);

        var file = Path.Combine(folder, "diary.json");
        File.WriteAllText(file, """{"added":4,"alerts":0}""");
        Assert.Contains("paper → pilot_review", Run("evidence", "submit", "--subject", "alpha-momentum", "--kind", "diary", file).Output, StringComparison.Ordinal);
        Assert.StartsWith(instance, Run("workflow", "list", "--waiting", "approval").Output, StringComparison.Ordinal);
        using (var listed = JsonDocument.Parse(Run("workflow", "list", "--waiting", "approval", "--json").Output))
        {
            var only = Assert.Single(listed.RootElement.GetProperty("instances").EnumerateArray());
            Assert.Equal(instance, only.GetProperty("id").GetString());
            Assert.Contains("approval", only.GetProperty("waits_for").EnumerateArray().Select(wait => wait.GetString()));
        }


        var requester = Run(["workflow", "approve", "--instance", instance, "--actor", "olga", "--role", "risk", "--reason", "x", .. Signers.As("olga")]);
        var stranger = Run(["workflow", "approve", "--instance", instance, "--actor", "carla", "--role", "risk", "--reason", "x", .. Signers.As("carla")]);
        var approved = Run(["workflow", "approve", "--instance", instance, "--actor", "rhea", "--role", "risk", "--reason", "clean", "--key", "k-1", .. Signers.As("rhea")]);
        var repeated = Run(["workflow", "approve", "--instance", instance, "--actor", "rhea", "--role", "risk", "--reason", "clean", "--key", "k-1", .. Signers.As("rhea")]);

        Assert.Equal((1, $"Refused: olga does not hold the role risk in {Signers.Roles}.\n"), (requester.Exit, requester.Output));
        Assert.Equal(1, stranger.Exit);
        Assert.Equal((0, $"{instance}: approved by rhea (signed); now in pilot.\n"), (approved.Exit, approved.Output));
        Assert.Equal((0, "Signal 'k-1' was already handled; nothing was done.\n"), (repeated.Exit, repeated.Output));

        using var json = JsonDocument.Parse(Run("workflow", "show", "--instance", instance, "--json").Output);
        Assert.Equal("pilot", json.RootElement.GetProperty("state").GetString());
        Assert.Equal(["evidence", "approval", "timer"], json.RootElement.GetProperty("waits_for").EnumerateArray().Select(wait => wait.GetString()));
        Assert.Equal(["start", "evidence", "evidence", "approval"], json.RootElement.GetProperty("history").EnumerateArray().Select(step => step.GetProperty("cause").GetString()));
        // Years later, by a machine's clock the test sets: --now may not run ahead of the machine's clock.
        Assert.Equal(2, Run("workflow", "tick", "--now", "2099-01-01T00:00:00Z").Exit);
        using (RulesGate.Core.Journal.RunClock.UseMachine(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero))))
        {
            Assert.Equal("1 timer fired.\n", Run("workflow", "tick", "--now", "2099-01-01T00:00:00Z").Output.Split('\n', 2)[1]);
        }

        Assert.Equal(0, Run("journal", "verify").Exit);

        // Who approved and why stay once the quorum spent the votes; an escalation is shown though it moved nothing.
        var shown = Run("workflow", "show", "--instance", instance).Output;
        Assert.Contains("approval   by rhea: rhea (risk): clean", shown, StringComparison.Ordinal);
        Assert.Contains("escalated in pilot to risk-lead, compliance-lead, waiting since", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("waits for \n", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_Again_SaysItIsStartedAlready_AndAKeyNamesASecondInstance()
    {
        var first = Run("workflow", "start", "--workflow", "config-patch-approval", "--subject", "proposal-1", "--actor", "olga");
        var again = Run("workflow", "start", "--workflow", "config-patch-approval", "--subject", "proposal-1", "--actor", "raj");
        var keyed = Run("workflow", "start", "--workflow", "config-patch-approval", "--subject", "proposal-1", "--actor", "olga", "--key", "second-look");

        Assert.StartsWith("config-patch-approval:proposal-1: config-patch-approval@1#", first.Output, StringComparison.Ordinal);
        Assert.Equal((0, "config-patch-approval:proposal-1: already started by olga (config-patch-approval@1), in review; nothing was done.\n"), (again.Exit, again.Output));
        Assert.StartsWith("config-patch-approval:proposal-1:second-look: config-patch-approval@1#", keyed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_AFinishedInstance_SaysSo()
    {
        const string instance = "config-patch-approval:proposal-1";
        Run("workflow", "start", "--workflow", "config-patch-approval", "--subject", "proposal-1", "--actor", "olga");
        Run(["workflow", "approve", "--instance", instance, "--actor", "raj", "--role", "risk", "--reason", "bounds checked", .. Signers.As("raj")]);

        var shown = Run("workflow", "show", "--instance", instance).Output;

        Assert.Contains("state approved since ", shown, StringComparison.Ordinal);
        Assert.Contains("; finished", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("waits for", shown, StringComparison.Ordinal);
    }

    private static (int, string) Prefix((int Exit, string Output, string Error) result, int length) => (result.Exit, result.Output[..Math.Min(length, result.Output.Length)]);
}
