using Microsoft.Data.Sqlite;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Tests.Support;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Core.Tests.Gate;

public sealed class CapitalReplayTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-replay-").FullName;

    private string DbPath => Path.Combine(folder, "journal.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void Replay_RecordedStream_ReproducesEveryDecision()
    {
        using var journal = SqliteJournal.Create(DbPath);
        CapitalStreamTests.RunSample(CapitalStreamTests.SampleStream(journal));

        var report = CapitalReplay.Run(journal, Compiled.Engine, "run-test");

        Assert.Equal(20, report.Replayed);
        Assert.True(report.Matches, string.Join("\n", report.Mismatches));
        Assert.Single(journal.Read(type: GateJournal.MalformedType));
        Assert.True(JournalVerifier.Verify(journal).Intact);
    }

    [Fact]
    public void Replay_AlteredRecordedDecision_IsAMismatch()
    {
        using (var journal = SqliteJournal.Create(DbPath))
        {
            CapitalStreamTests.RunSample(CapitalStreamTests.SampleStream(journal));
        }

        Sql.Tamper(DbPath, "UPDATE events SET payload = replace(payload, '\"decision\":{\"decision\":\"MODIFY\"', '\"decision\":{\"decision\":\"ALLOW\"') WHERE seq = 3");     // event 2 records the rule file's blob

        using var reopened = SqliteJournal.Create(DbPath);
        var report = CapitalReplay.Run(reopened, Compiled.Engine);

        var mismatch = Assert.Single(report.Mismatches);
        Assert.Equal("i-002", mismatch.IntentId);
        Assert.Equal(3, JournalVerifier.Verify(reopened).BrokenAt);
    }

    [Fact]
    public void Replay_UsesTheRuleFileBytesKeptInTheJournal()
    {
        using var journal = SqliteJournal.Create(DbPath);
        var gate = Standard.Gate;
        var context = Some.Context(Some.Intent(qty: 40));
        GateJournal.Record(journal, gate, context, gate.Decide(context), runId: null);

        Assert.Equal(gate.Bundle.File.Bytes, journal.Blob(gate.Bundle.File.Hash));
        Assert.True(CapitalReplay.Run(journal, Compiled.Engine).Matches);
    }
}
