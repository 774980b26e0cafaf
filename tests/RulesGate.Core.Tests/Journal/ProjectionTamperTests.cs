using Microsoft.Data.Sqlite;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Core.Tests.Journal;

/// <summary>Projections changed behind the journal's back: verify names them, and the kill switch fails closed.</summary>
public sealed class ProjectionTamperTests : IDisposable
{
    private readonly TempJournal journal = new();

    public ProjectionTamperTests()
    {
        var gate = Standard.Gate;
        var context = Some.Context(market: Some.Market(new() { ["MSFT"] = double.NaN }));
        GateJournal.Record(journal.Store, gate, context, gate.Decide(context) with { KillSwitchTriggered = true }, runId: null);
        PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", PromotionStage.Paper, "ops", ["risk"], EvidenceId: "dd-1"));
        DecisionDiary.Ingest(journal.Store, Diary.Run(3, PromotionStage.Paper));
    }

    public void Dispose() => journal.Dispose();

    private JournalVerification Verify()
    {
        using var reopened = SqliteJournal.Open(journal.Path, readOnly: true);
        return JournalAudit.Verify(reopened);
    }

    [Fact]
    public void Verify_UntouchedJournal_IsIntact() => Assert.True(Verify().Intact, Verify().Problem);

    [Theory]
    [InlineData("DELETE FROM projections WHERE projection = 'killswitch'", "projection 'killswitch'", "deleted")]
    [InlineData("UPDATE projections SET value = replace(value, '\"active\":true', '\"active\":false') WHERE projection = 'killswitch'", "projection 'killswitch'", "edited")]
    [InlineData("UPDATE projections SET seq = seq + 1 WHERE projection = 'killswitch'", "projection 'killswitch'", "edited")]
    [InlineData("UPDATE projections SET value = replace(value, 'paper', 'limited_live') WHERE projection = 'ledger'", "projection 'ledger", "edited")]
    [InlineData("DELETE FROM projections WHERE projection = 'ledger'", "projection 'ledger", "deleted")]
    [InlineData("INSERT INTO projections (projection, id, value, seq) VALUES ('ledger', 'beta', '{}', 1)", "projection 'ledger:beta'", "added")]
    [InlineData("UPDATE projections SET value = replace(value, '\"streak\":3', '\"streak\":30') WHERE projection = 'diary'", "projection 'diary:alpha'", "edited")]
    [InlineData("DELETE FROM projections WHERE projection = 'diary'", "projection 'diary:alpha'", "deleted")]
    [InlineData("UPDATE diary SET stage = 3 WHERE rowid = 2", "diary entry", "edited")]
    [InlineData("DELETE FROM diary WHERE rowid = 3", "diary entry", "deleted")]
    [InlineData("INSERT INTO diary SELECT 'forged', policy_id, recorded_at, stage, severity, forced, regime, seq + 100 FROM diary WHERE rowid = 1", "diary row 'forged'", "added")]
    public void Verify_ProjectionChangedBehindTheJournal_NamesTheFirstKeyThatDiffers(string sql, string named, string how)
    {
        Sql.Tamper(journal.Path, sql);

        var verification = Verify();

        Assert.False(verification.Intact);
        Assert.Contains(named, verification.Problem, StringComparison.Ordinal);
        Assert.Contains(how, verification.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DELETE FROM projections WHERE projection = 'killswitch'")]
    [InlineData("UPDATE projections SET value = '{\"active\":false,\"cause\":\"never tripped\"}' WHERE projection = 'killswitch'")]
    [InlineData("UPDATE projections SET value = 'not json' WHERE projection = 'killswitch'")]
    [InlineData("UPDATE projections SET value = '{\"active\":\"no\"}' WHERE projection = 'killswitch'")]
    [InlineData("UPDATE projections SET seq = 1 WHERE projection = 'killswitch'")]
    public void KillSwitch_RowClearedOrBroken_StaysLatchedUntilAnAttributedReset(string sql)
    {
        Sql.Tamper(journal.Path, sql);
        using var store = SqliteJournal.Open(journal.Path);

        var state = GateJournal.State(store);

        Assert.True(state.Active, state.Cause);
        Assert.Contains("disagrees with its events", state.Cause, StringComparison.Ordinal);
        Assert.False(GateJournal.Reset(store, Actor.Authenticated("risk-officer"), "row restored after review", WorkflowRoles.None).Active);
        Assert.False(GateJournal.State(store).Active);
    }

    [Theory]
    [InlineData("UPDATE projections SET value = 'not json' WHERE projection = 'ledger'")]
    [InlineData("UPDATE projections SET value = '{}' WHERE projection = 'ledger'")]
    [InlineData("UPDATE projections SET value = '{\"policy_id\":\"alpha\",\"declared_stage\":\"orbit\"}' WHERE projection = 'ledger'")]
    public void Ledger_MalformedRow_IsAnErrorNamingTheKeyNeverACrash(string sql)
    {
        Sql.Tamper(journal.Path, sql);
        using var store = SqliteJournal.Open(journal.Path);

        var error = Assert.Throws<JournalException>(() => PolicyLedger.Read(store, "alpha"));

        Assert.Contains("projection 'ledger:alpha' is malformed", error.Message, StringComparison.Ordinal);
        Assert.Throws<JournalException>(() => PolicyLedger.All(store));
    }

    [Fact]
    public void KillSwitch_RowAddedWithoutAnEvent_ReadsActive()
    {
        using var fresh = new TempJournal();
        Sql.Tamper(fresh.Path, "INSERT INTO projections (projection, id, value, seq) VALUES ('killswitch', '', '{\"active\":false,\"cause\":\"x\"}', 1)");

        Assert.True(GateJournal.State(fresh.Store).Active);
    }

    [Fact]
    public void Open_MissingJournal_IsRefusedNamingThePathAndHowToCreateIt()
    {
        var path = Path.Combine(Path.GetDirectoryName(journal.Path)!, "dmeo.db");

        var error = Assert.Throws<JournalException>(() => SqliteJournal.Open(path, readOnly: true));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("rulesgate journal init", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Open_SqliteFileThatIsNoJournal_IsRefusedNotCrashedOnLater(bool readOnly)
    {
        var other = Path.Combine(Path.GetDirectoryName(journal.Path)!, "other.db");
        Sql.Create(other, "CREATE TABLE x (y INTEGER); INSERT INTO x VALUES (1)");

        var error = Assert.Throws<JournalException>(() => SqliteJournal.Open(other, readOnly: readOnly).Dispose());
        var created = Assert.Throws<JournalException>(() => SqliteJournal.Create(other).Dispose());

        Assert.Contains("is not a RulesGate journal", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not a RulesGate journal", created.Message, StringComparison.Ordinal);
        using var connection = new SqliteConnection($"Data Source={other};Pooling=False");
        connection.Open();
        using var tables = connection.CreateCommand();
        tables.CommandText = "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'";
        Assert.Equal("x", tables.ExecuteScalar());
    }

    [Fact]
    public void OpenImmutable_ReadsAFileNothingMayWriteWithoutTouchingIt()
    {
        journal.Store.Dispose();
        SqliteConnection.ClearAllPools();
        var before = Directory.GetFiles(Path.GetDirectoryName(journal.Path)!).Order(StringComparer.Ordinal).ToList();
        var bytes = File.ReadAllBytes(journal.Path);

        using (var store = new JournalStore(SqliteJournal.OpenImmutable(journal.Path)))
        {
            Assert.True(JournalAudit.Verify(store).Intact);
            Assert.True(GateJournal.State(store).Active);
        }

        Assert.Equal(before, Directory.GetFiles(Path.GetDirectoryName(journal.Path)!).Order(StringComparer.Ordinal));
        Assert.Equal(bytes, File.ReadAllBytes(journal.Path));
    }

    [Fact]
    public void OpenImmutable_WithWritesStillInTheWal_IsRefusedRatherThanReadStale()
    {
        GateJournal.Reset(journal.Store, Actor.Authenticated("risk-officer"), "reviewed", WorkflowRoles.None);

        var error = Assert.Throws<JournalException>(() => new JournalStore(SqliteJournal.OpenImmutable(journal.Path)));

        Assert.Contains("-wal", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenReadOnly_ReadsWithoutWritingAndRefusesWrites()
    {
        journal.Store.Dispose();
        var before = File.ReadAllBytes(journal.Path);
        using var store = SqliteJournal.Open(journal.Path, readOnly: true);

        Assert.True(GateJournal.State(store).Active);
        Assert.ThrowsAny<System.Data.Common.DbException>(() => GateJournal.Reset(store, Actor.Authenticated("a"), "b", WorkflowRoles.None));
        Assert.Equal(before, File.ReadAllBytes(journal.Path));
    }
}
