using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Workflows;

/// <summary>An instance is judged by the gates it started with: they are pinned in the journal with its definition.</summary>
public sealed class WorkflowPinningTests : IDisposable
{
    private static readonly WorkflowLoader Loader = new(Compiled.Engine);

    private readonly TempJournal journal = new();

    public WorkflowPinningTests()
    {
        Directory.CreateDirectory(Path.Combine(journal.Folder, "workflows"));
        Directory.CreateDirectory(Path.Combine(journal.Folder, "rules", "promotion"));
        File.Copy(Repo.PathOf("workflows", "alpha-trade-promotion.yaml"), WorkflowPath);
        File.Copy(Repo.PathOf("rules", "promotion", "alpha-trade.yaml"), GatesPath);
    }

    public void Dispose() => journal.Dispose();

    private string WorkflowPath => Path.Combine(journal.Folder, "workflows", "alpha-trade-promotion.yaml");

    private string GatesPath => Path.Combine(journal.Folder, "rules", "promotion", "alpha-trade.yaml");

    private WorkflowRuntime Runtime() => new(journal.Store, Loader, WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml")), artifacts: Path.Combine(journal.Folder, "artifacts"));

    private WorkflowDefinition Load()
    {
        var loaded = Loader.Load(WorkflowPath);
        Assert.True(loaded.Succeeded, string.Join("\n", loaded.Diagnostics));
        return loaded.Value!;
    }

    /// <summary>The gates file with its paper gate asking for more decisions than any diary here has.</summary>
    private void RaiseThePaperBar() =>
        File.WriteAllText(GatesPath, File.ReadAllText(GatesPath).Replace("    min_decisions: 20\n", "    min_decisions: 100000\n", StringComparison.Ordinal).Replace("  version: 1\n", "  version: 2\n", StringComparison.Ordinal));

    [Fact]
    public void Identity_CoversTheGatesFile()
    {
        var before = Load();
        RaiseThePaperBar();
        var after = Load();

        Assert.Equal(before.Bytes, after.Bytes);
        Assert.NotEqual(before.Hash, after.Hash);
        Assert.NotEqual(before.Identity, after.Identity);
    }

    [Fact]
    public void Instance_IsJudgedByThePinnedGates_WhateverTheFileOnDiskSaysLater()
    {
        var definition = Load();
        var started = Runtime().Start(definition, "alpha-momentum", "olga");
        Assert.Equal("experiment", started.State);

        RaiseThePaperBar();
        DecisionDiary.Ingest(journal.Store, [.. File.ReadLines(Repo.PathOf("samples", "promotion", "diary.jsonl")).Select(line => DiaryEntry.Read(JsonDocument.Parse(line).RootElement))]);
        using var diary = JsonDocument.Parse("""{"added":1,"alerts":0}""");
        var moved = Assert.Single(Runtime().Evidence("alpha-momentum", "diary", diary.RootElement, "d-1").Moved);

        Assert.Equal("paper", moved.State);
        Assert.Equal($"gate paper passed under {definition.Gates!.Identity}", moved.History[^1].Detail);
        Assert.Equal(1, definition.Gates.File.Metadata.Version);
    }

    [Fact]
    public void PinnedDefinition_AlteredInTheJournal_IsRefused()
    {
        var instance = Runtime().Start(Load(), "alpha-momentum", "olga");
        Sql.Tamper(journal.Path, $"UPDATE blobs SET bytes = CAST(replace(CAST(bytes AS TEXT), 'min_decisions: 20', 'min_decisions: 2') AS BLOB) WHERE hash = '{instance.Hash}'");

        var error = Assert.Throws<JournalException>(() => Runtime().DefinitionOf(instance));

        Assert.Contains("is not the one it pinned", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rulesgate-workflow-bundle/1\n")]
    [InlineData("rulesgate-workflow-bundle/1\n5\nab")]
    [InlineData("rulesgate-workflow-bundle/1\nx\nab")]
    [InlineData("rulesgate-workflow-bundle/1\n2\nab2\ncd!")]
    public void Unpack_APackCutShortOrWithExtraBytes_IsRefused(string text) =>
        Assert.Throws<FormatException>(() => WorkflowDefinition.Unpack(System.Text.Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Pack_RoundTripsBothFiles()
    {
        byte[] workflow = [1, 2, 10, 3], gates = [10, 10, 0];

        var (w, g) = WorkflowDefinition.Unpack(WorkflowDefinition.Pack(workflow, gates));

        Assert.Equal(workflow, w);
        Assert.Equal(gates, g);
        Assert.Equal((workflow, (byte[]?)null), WorkflowDefinition.Unpack(WorkflowDefinition.Pack(workflow, null)));
    }
}
