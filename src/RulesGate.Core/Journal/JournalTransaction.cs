using Microsoft.Data.Sqlite;

namespace RulesGate.Core.Journal;

/// <summary>What a projection may do inside an append's transaction: read and write the <c>state</c> table.</summary>
public sealed class JournalTransaction
{
    private readonly SqliteTransaction transaction;

    internal JournalTransaction(SqliteTransaction transaction) => this.transaction = transaction;

    public string? Get(string key)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT value FROM state WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }

    public void Set(string key, string value, long seq)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO state (key, value, seq) VALUES ($key, $value, $seq) ON CONFLICT(key) DO UPDATE SET value = excluded.value, seq = excluded.seq";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.Parameters.AddWithValue("$seq", seq);
        command.ExecuteNonQuery();
    }
}
