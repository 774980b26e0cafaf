using System.Runtime.CompilerServices;

namespace RulesGate.Cli.Tests;

/// <summary>
/// The command's per-user folders (the compiled cache and its key) point into one private folder per test run:
/// every test shares the bundles compiled once, and nothing is written to the real home folder.
/// </summary>
internal static class UserFolders
{
    [ModuleInitializer]
    internal static void Isolate()
    {
        var root = Directory.CreateTempSubdirectory("rulesgate-cli-home-").FullName;
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(root, "cache"));
        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", Path.Combine(root, "config"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(root, recursive: true);
    }
}
