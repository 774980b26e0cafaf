using Microsoft.Data.Sqlite;

namespace RulesGate.Core.Tests.Support;

/// <summary>Changes a journal behind RulesGate's back, as an attacker or a careless hand would.</summary>
internal static class Sql
{
    /// <summary>Makes a SQLite file that holds what <paramref name="sql"/> creates, and nothing of a journal.</summary>
    public static void Create(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Runs <paramref name="sql"/> on the SQLite file and asserts that it changed at least one row.</summary>
    public static void Tamper(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.True(command.ExecuteNonQuery() > 0, sql);
    }
}
