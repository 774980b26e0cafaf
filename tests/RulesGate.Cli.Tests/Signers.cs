using System.Security.Cryptography;
using RulesGate.Core.Signing;

namespace RulesGate.Cli.Tests;

/// <summary>
/// The people of <c>workflows/roles.yaml</c>, each with a key of their own made once per test run, and a roles file
/// that lists their public keys: what a vote, a kill switch reset or a migration on the command line signs with.
/// </summary>
internal static class Signers
{
    private static readonly string Folder = Directory.CreateTempSubdirectory("rulesgate-signers-").FullName;

    /// <summary>The shipped roles with a <c>keys:</c> entry for every person here.</summary>
    public static readonly string Roles = Write();

    /// <summary>The people with keys: the shipped roles' holders, and two who hold no role.</summary>
    public static IReadOnlyList<string> People => ["rhea", "raj", "carla", "chen", "rosa", "colm", "ines", "olga", "risk-officer", "learning-loop"];

    /// <summary>The private key file of <paramref name="person"/>.</summary>
    public static string Key(string person) => Path.Combine(Folder, $"{person}.pem");

    /// <summary>The options that sign as <paramref name="person"/> with their own key, against <see cref="Roles"/>.</summary>
    public static string[] As(string person) => ["--roles", Roles, "--sign", Key(person)];

    /// <summary>A key nobody's roles list, for forgeries.</summary>
    public static string Stranger { get; } = WriteKey(Path.Combine(Folder, "stranger.pem"));

    private static string Write()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(Folder, recursive: true);
        var keys = People.Select(person => $"  {person}: {PersonKeys.Line(Load(WriteKey(Key(person))))}");
        var path = Path.Combine(Folder, "roles.yaml");
        File.WriteAllText(path, File.ReadAllText(Path.Combine(CliTests.Root, "workflows", "roles.yaml")) + "keys:\n" + string.Join("\n", keys) + "\n");
        return path;
    }

    private static string WriteKey(string path)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        return path;
    }

    private static ECDsa Load(string path)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return key;
    }
}
