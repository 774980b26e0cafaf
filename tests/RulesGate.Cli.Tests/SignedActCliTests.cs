using Microsoft.Data.Sqlite;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary>
/// On the command line a name is not an identity: a vote, a kill switch reset and a migration are signed with the
/// person's own key or refused, a signals file's votes carry their signatures, and the journal keeps what anyone
/// holding the public keys can check again.
/// </summary>
public sealed class SignedActCliTests : IDisposable
{
    /// <summary>An approval of a proposal that does not exist: the vote is recorded, then settling says there is nothing to apply.</summary>
    private const string Instance = "config-patch-approval:proposal-1";

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-signed-").FullName;

    public SignedActCliTests()
    {
        SqliteJournal.Create(Journal).Dispose();
        Assert.Equal(0, Run("workflow", "start", "--workflow", "config-patch-approval", "--subject", "proposal-1", "--actor", "olga").Exit);
    }

    private string Journal => Path.Combine(folder, "journal.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private (int Exit, string Out, string Err) Run(params string[] args) => CliTests.Run([.. args, "--journal", Journal]);

    private static string[] Approve(string actor) => ["workflow", "approve", "--instance", Instance, "--actor", actor, "--role", "risk", "--reason", "bounds checked"];

    private string State() => System.Text.Json.JsonDocument.Parse(Run("workflow", "show", "--instance", Instance, "--json").Out).RootElement.GetProperty("state").GetString()!;

    [Fact]
    public void Vote_WithoutAKey_IsAnErrorThatSaysHowToSign()
    {
        var (exit, output, error) = Run([.. Approve("rhea"), "--roles", Signers.Roles]);

        Assert.Equal((2, ""), (exit, output));
        Assert.Equal("rulesgate: A vote must be signed by whoever gives it: a name typed proves nobody. Give --sign KEY.pem, your private key (or set RULESGATE_SIGNING_KEY); 'rulesgate key new --person NAME' makes one.\n", error);
        Assert.Equal("review", State());
    }

    [Fact]
    public void Vote_UnderAnotherName_OrBySomeoneWithoutAKey_IsRefused()
    {
        // One person typing two names: mallory's own key, then raj's, as rhea.
        var stranger = Run([.. Approve("rhea"), "--roles", Signers.Roles, "--sign", Signers.Stranger]);
        var borrowedName = Run([.. Approve("rhea"), .. Signers.As("raj")]);
        var shipped = Run([.. Approve("rhea"), "--sign", Signers.Key("rhea")]);            // the shipped roles list no keys

        Assert.Equal((1, $"Refused: the key signed with is not rhea's: it matches no public key {Signers.Roles} lists for rhea. Sign with your own key (--sign).\n"), (stranger.Exit, stranger.Out));
        Assert.Equal(1, borrowedName.Exit);
        Assert.Equal((1, "Refused: rhea has no public key in workflows/roles.yaml, so nothing signed can be theirs: make a key pair with 'rulesgate key new --person rhea' and add the line it prints under keys:.\n"), (shipped.Exit, shipped.Out));
        Assert.Equal("review", State());
        Assert.StartsWith($"{Instance}: approved by rhea (signed); now in approved.\n", Run([.. Approve("rhea"), .. Signers.As("rhea")]).Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Signatures_AreKeptAndCheckedAgainLongAfter_AgainstTheRolesOfTheDay()
    {
        Run([.. Approve("rhea"), .. Signers.As("rhea")]);

        var (exit, output, _) = Run("journal", "signatures", "--roles", Signers.Roles);
        var (laterExit, later, _) = Run("journal", "signatures");          // roles that list no key for rhea

        Assert.Equal(0, exit);
        Assert.Matches(@"workflow\.approved\s+rhea\s+signed with key [0-9a-f]{16}: verified\n", output);
        Assert.EndsWith($"1 act checked against {Signers.Roles}: 1 signed and verified, 0 authenticated by serve, 0 unproven, 0 failed.\n", output, StringComparison.Ordinal);
        Assert.Equal(1, laterExit);
        Assert.Matches(@"FAILED: it was signed with key [0-9a-f]{16}, which workflows/roles.yaml does not list for rhea\n", later);
    }

    [Fact]
    public void KillSwitchReset_IsSignedOrRefused()
    {
        var unsigned = Run("killswitch", "reset", "--actor", "risk-officer", "--reason", "reviewed");
        var forged = Run(["killswitch", "reset", "--actor", "risk-officer", "--reason", "reviewed", "--roles", Signers.Roles, "--sign", Signers.Key("rhea")]);

        Assert.Equal(2, unsigned.Exit);
        Assert.StartsWith("rulesgate: A kill switch reset must be signed", unsigned.Err, StringComparison.Ordinal);
        Assert.Equal(1, forged.Exit);
        Assert.StartsWith("Refused: the key signed with is not risk-officer's", forged.Out, StringComparison.Ordinal);
        Assert.StartsWith("0 acts checked", Run("journal", "signatures", "--roles", Signers.Roles).Out, StringComparison.Ordinal);
        Assert.Equal(0, Run(["killswitch", "reset", "--actor", "risk-officer", "--reason", "reviewed", .. Signers.As("risk-officer")]).Exit);
        Assert.EndsWith("1 signed and verified, 0 authenticated by serve, 0 unproven, 0 failed.\n", Run("journal", "signatures", "--roles", Signers.Roles).Out, StringComparison.Ordinal);
    }

    [Fact]
    public void SignalsFile_AVoteSignedBySomeoneElse_IsRefusedAtItsLine()
    {
        var votes = Path.Combine(folder, "votes.jsonl");
        var signed = Path.Combine(folder, "signed.jsonl");
        File.WriteAllText(votes, $$"""
            {"signal":"approve","instance":"{{Instance}}","actor":"raj","role":"risk","reason":"ok","key":"v-1"}

            """);
        Assert.Equal(0, Run("key", "sign", votes, "--key", Signers.Key("raj"), "--roles", Signers.Roles, "--out", signed).Exit);
        var forged = Path.Combine(folder, "forged.jsonl");
        File.WriteAllText(forged, File.ReadAllText(signed).Replace("\"actor\":\"raj\"", "\"actor\":\"rhea\"", StringComparison.Ordinal));

        var (exit, output, _) = Run("workflow", "signals", forged, "--roles", Signers.Roles);
        var nobodys = Run("key", "sign", votes, "--key", Signers.Stranger, "--roles", Signers.Roles);

        Assert.Equal(1, exit);
        Assert.StartsWith($"{forged}:1: refused: the signature is not rhea's for this vote", output, StringComparison.Ordinal);
        Assert.Equal("review", State());
        Assert.Equal((2, $"rulesgate: {Signers.Stranger}: the key is nobody's in {Signers.Roles}; add its public key under keys: first ('rulesgate key new' prints the line).\n"), (nobodys.Exit, nobodys.Err));
        Assert.Equal(0, Run("workflow", "signals", signed, "--roles", Signers.Roles).Exit);
        Assert.Equal("approved", State());
    }

    [Fact]
    public void KeyNew_WritesAPrivateKeyOnlyItsOwnerReads_AndAddsItsPublicKeyToTheRoles()
    {
        var roles = Path.Combine(folder, "roles.yaml");
        File.Copy(Path.Combine(CliTests.Root, "workflows", "roles.yaml"), roles);
        var key = Path.Combine(folder, "keys", "rhea.pem");

        var (exit, output, _) = CliTests.Run("key", "new", "--person", " Rhea ", "--out", key, "--add-to", roles);
        var again = CliTests.Run("key", "new", "--person", "rhea", "--out", Path.Combine(folder, "other.pem"), "--add-to", roles);
        var overwrite = CliTests.Run("key", "new", "--person", "raj", "--out", key);

        Assert.Equal(0, exit);
        Assert.EndsWith($"Listed it for rhea under keys: in {roles}.\n", output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        Assert.Single(RulesGate.Core.Workflows.WorkflowRoles.Load(roles).KeysOf("rhea"));
        Assert.Equal(2, again.Exit);
        Assert.Contains("lists a key for rhea already", again.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "other.pem")));
        Assert.Equal(2, overwrite.Exit);
        Assert.Contains("never overwrites a key", overwrite.Err, StringComparison.Ordinal);
        Assert.StartsWith($"{Instance}: approved by rhea (signed)", Run([.. Approve("rhea"), "--roles", roles, "--sign", key]).Out, StringComparison.Ordinal);
    }
}
