using System.Diagnostics;
using Npgsql;

namespace RulesGate.Tests.Shared;

/// <summary>
/// A PostgreSQL server for the tests: the one RULESGATE_TEST_POSTGRES names (a connection string, as .ci/run sets
/// it), else one this fixture starts with the project's own scripts/postgres-test-server and stops afterwards.
/// Each test asks for a database of its own.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string? folder;

    public PostgresServer()
    {
        if (Environment.GetEnvironmentVariable("RULESGATE_TEST_POSTGRES") is { Length: > 0 } given)
        {
            Server = given;
            return;
        }

        folder = Path.Combine(Path.GetTempPath(), "rulesgate-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var (exit, output, error) = Script("start", folder);
        if (exit != 0)
        {
            throw new InvalidOperationException($"scripts/postgres-test-server could not start a server (exit {exit}): {error}");
        }

        Server = output.Trim();
    }

    /// <summary>The server's connection string, to its maintenance database.</summary>
    public string Server { get; }

    /// <summary>A new, empty database on the server; its connection string.</summary>
    public string NewDatabase()
    {
        var name = "rg_" + Guid.NewGuid().ToString("N");
        using (var connection = new NpgsqlConnection(Server))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(Server) { Database = name, Pooling = false }.ConnectionString;
    }

    public void Dispose()
    {
        if (folder is not null)
        {
            Script("stop", folder);
        }
    }

    private static (int Exit, string Output, string Error) Script(string action, string folder)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "RulesGate.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("RulesGate.sln not found above the test folder.");
        }

        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(root, "scripts", "postgres-test-server"));
        start.ArgumentList.Add(action);
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
