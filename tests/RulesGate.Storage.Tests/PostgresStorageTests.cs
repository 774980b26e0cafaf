using RulesGate.Core.Journal;
using RulesGate.Storage.Postgres;
using RulesGate.Tests.Shared;

namespace RulesGate.Storage.Tests;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}

/// <summary>The contract on PostgreSQL: a database of its own on a real server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStorageTests(PostgresServer server) : JournalStorageContract
{
    private readonly string database = server.NewDatabase();

    protected override IJournalStorage CreateEmpty() => PostgresJournal.Connect(database, create: true, readOnly: false);

    protected override IJournalStorage Reopen() => PostgresJournal.Connect(database, create: false, readOnly: true);
}

/// <summary>What only a shared server adds: several writers on one chain, and databases that are not journals.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresJournalTests(PostgresServer server)
{
    [Fact]
    public async Task TwoStoresAppendingAtOnce_MakeOneChainThatVerifies_NothingLostOrDoubled()
    {
        var database = server.NewDatabase();
        PostgresJournal.Create(database).Dispose();

        // Two "nodes", each its own store and connections, appending segments and rows as fast as they can.
        async Task<List<long>> Node(string name) => await Task.Run(() =>
        {
            using var store = PostgresJournal.Open(database);
            var seqs = new List<long>();
            for (var i = 0; i < 40; i++)
            {
                var batch = Enumerable.Range(0, 25).Select(n => new JournalEntry($"run:{name}", "gate.decision", $$"""{"node":"{{name}}","n":{{i * 25 + n}}}""")).ToList();
                seqs.AddRange(store.Append(batch, segment: i % 2 == 0).Select(e => e.Seq));
            }

            return seqs;
        });

        var results = await Task.WhenAll(Node("a"), Node("b"));

        using var reader = PostgresJournal.Open(database, readOnly: true);
        var events = reader.Read().ToList();
        Assert.Equal(2000, events.Count);
        Assert.Equal(Enumerable.Range(1, 2000).Select(n => (long)n), events.Select(e => e.Seq));
        Assert.Empty(results[0].Intersect(results[1]));
        Assert.Equal(1000, events.Count(e => e.Stream == "run:a"));
        Assert.True(JournalVerifier.Verify(reader).Intact, JournalVerifier.Verify(reader).Problem);
    }

    [Fact]
    public void ExpectedVersion_HoldsAcrossNodes()
    {
        var database = server.NewDatabase();
        using var one = PostgresJournal.Create(database);
        using var two = PostgresJournal.Open(database);
        one.Append([new JournalEntry("ledger:alpha", "ledger.promoted", "{}")], expected: ("ledger:alpha", 0));

        var conflict = Assert.Throws<JournalConflictException>(() => two.Append([new JournalEntry("ledger:alpha", "ledger.promoted", "{}")], expected: ("ledger:alpha", 0)));

        Assert.Equal(1, conflict.Actual);
        Assert.Equal(1, two.LastSeq());
    }

    [Fact]
    public void ReadOnly_RefusesEveryWrite()
    {
        var database = server.NewDatabase();
        PostgresJournal.Create(database).Dispose();
        using var store = PostgresJournal.Open(database, readOnly: true);

        var refused = Assert.ThrowsAny<Exception>(() => store.Append([new JournalEntry("s", "t", "{}")]));

        Assert.Contains("read-only", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.LastSeq());
    }

    [Fact]
    public void Format3Journal_OpenedForWriting_IndexesItsSegmentsInPlace_AndReadOnlyNamesHowToUpgrade()
    {
        var database = server.NewDatabase();
        using (var store = PostgresJournal.Create(database))
        {
            store.Append([new JournalEntry("gate", "gate.decision", "{}"), new JournalEntry("gate", "gate.decision", "{}")], segment: true);
            store.Append([new JournalEntry("ledger", "ledger.updated", "{}")]);
            store.Append([new JournalEntry("killswitch", "killswitch.tripped", "{}")], segment: true);
        }

        using (var connection = new Npgsql.NpgsqlConnection(database))
        {
            // What a RulesGate of format 3 left: the same tables, without the segment index.
            connection.Open();
            using var command = new Npgsql.NpgsqlCommand("DROP TABLE segment_keys; UPDATE rulesgate_format SET format = 3", connection);
            command.ExecuteNonQuery();
        }

        var refused = Assert.Throws<JournalException>(() => PostgresJournal.Open(database, readOnly: true));
        Assert.Contains("journal of format 3", refused.Message, StringComparison.Ordinal);

        using (var opened = PostgresJournal.Open(database))
        {
            Assert.Equal(3, opened.UpgradedFrom);
        }

        using var upgraded = PostgresJournal.Open(database, readOnly: true);
        Assert.Null(upgraded.UpgradedFrom);
        Assert.Equal([4L], upgraded.Read("killswitch").Select(e => e.Seq));
        Assert.Equal([1L, 2], upgraded.Read("gate").Select(e => e.Seq));
        Assert.True(JournalVerifier.Verify(upgraded).Intact, JournalVerifier.Verify(upgraded).Problem);
    }

    [Fact]
    public void DatabaseOfAnotherProgram_IsNamedAndLeftAlone()
    {
        var database = server.NewDatabase();
        using (var connection = new Npgsql.NpgsqlConnection(database))
        {
            connection.Open();
            using var command = new Npgsql.NpgsqlCommand("CREATE TABLE orders (id INT)", connection);
            command.ExecuteNonQuery();
        }

        var refused = Assert.Throws<JournalException>(() => PostgresJournal.Create(database));
        var missing = Assert.Throws<JournalException>(() => PostgresJournal.Open(server.NewDatabase()));

        Assert.Contains("is not a RulesGate journal: its database holds 1 other table", refused.Message, StringComparison.Ordinal);
        Assert.StartsWith("There is no journal in postgres://", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnreachableServer_SaysSoWithoutThePassword()
    {
        var refused = Assert.Throws<JournalException>(() => PostgresJournal.Open("postgres://olga:s3cret@127.0.0.1:1/desk"));

        Assert.StartsWith("The journal postgres://olga@127.0.0.1:1/desk cannot be reached:", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://olga:p%40ss@db.example:6543/desk?sslmode=require", "db.example", 6543, "olga", "p@ss", "desk")]
    [InlineData("postgresql://db.example/desk", "db.example", 5432, null, null, "desk")]
    [InlineData("Host=db.example;Port=7000;Username=olga;Database=desk", "db.example", 7000, "olga", null, "desk")]
    public void Names_UrlsAndConnectionStrings(string journal, string host, int port, string? user, string? password, string database)
    {
        var builder = PostgresJournal.Builder(journal);

        Assert.True(PostgresJournal.Names(journal));
        Assert.Equal((host, port, user, password, database), (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database));
    }

    [Theory]
    [InlineData("postgres://olga:pw@db/desk?application_name=x", "only sslmode")]
    [InlineData("Host=db;Bogus=1", "is not a PostgreSQL connection string")]
    public void Builder_RefusesWhatItDoesNotUnderstand(string journal, string expected)
    {
        var refused = Assert.Throws<JournalException>(() => PostgresJournal.Builder(journal));

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", refused.Message.Replace("--journal", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("artifacts/rulesgate.db")]
    [InlineData("host.db")]
    public void Names_FilesAreNotPostgres(string journal) => Assert.False(PostgresJournal.Names(journal));
}
