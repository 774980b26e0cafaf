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
