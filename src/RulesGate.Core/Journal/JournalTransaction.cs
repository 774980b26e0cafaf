using Microsoft.Data.Sqlite;

namespace RulesGate.Core.Journal;

/// <summary>What a projection may do inside an append's transaction: read and write the <c>state</c> table (and, inside Core, its own tables).</summary>
public sealed class JournalTransaction
{
    private readonly SqliteTransaction transaction;
    private readonly SortedDictionary<string, (string Value, long Seq)> sets = new(StringComparer.Ordinal);

    internal JournalTransaction(SqliteTransaction transaction) => this.transaction = transaction;

    /// <summary>The projections this transaction set, last value per key, by key.</summary>
    internal IReadOnlyDictionary<string, (string Value, long Seq)> Sets => sets;

    /// <summary>A projection's value and the sequence number of the event that last set it; null when unset.</summary>
    public (string Value, long Seq)? Read(string key)
    {
        using var command = Command("SELECT value, seq FROM state WHERE key = $key");
        command.Parameters.AddWithValue("$key", key);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetInt64(1)) : null;
    }

    public void Set(string key, string value, long seq)
    {
        using var command = Command("INSERT INTO state (key, value, seq) VALUES ($key, $value, $seq) ON CONFLICT(key) DO UPDATE SET value = excluded.value, seq = excluded.seq");
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.Parameters.AddWithValue("$seq", seq);
        command.ExecuteNonQuery();
        sets[key] = (value, seq);
    }

    /// <summary>Sets the store's own bookkeeping, which is not a projection of events.</summary>
    internal void SetUnrecorded(string key, string value, long seq)
    {
        Set(key, value, seq);
        sets.Remove(key);
    }

    /// <summary>A command inside the transaction, for projections kept in tables of their own.</summary>
    internal SqliteCommand Command(string sql)
    {
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
