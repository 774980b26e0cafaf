using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Tests;

/// <summary><c>audit pack</c>: a window's decisions and approvals with their proofs, verified offline in a folder holding the pack alone.</summary>
public sealed class AuditPackTests : IDisposable
{
    private static readonly string[] HashedFields = ["prev_hash", "seq", "stream", "type", "time"];
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-audit-").FullName;
    private readonly string alone = Directory.CreateTempSubdirectory("rulesgate-auditor-").FullName;

    private string Journal => Path.Combine(folder, "journal.db");

    /// <summary>The sample stream journaled (19 decisions), and a key to sign checkpoints with.</summary>
    public AuditPackTests()
    {
        SqliteJournal.Create(Journal).Dispose();
        Assert.Equal(0, CliTests.Run(
            "run", "--policy", "rules/capital/default.yaml", "samples/capital/intents.jsonl", "--portfolio", "samples/capital/portfolio.json",
            "--market", "samples/capital/market.json", "--execution", "samples/capital/execution.json", "--journal", Journal, "--out", Path.Combine(folder, "out")).Exit);
        Assert.Equal(0, CliTests.Run("journal", "keygen", "--out", Path.Combine(folder, "key.pem")).Exit);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
        Directory.Delete(alone, recursive: true);
    }

    private (int Exit, string Out, string Err) Pack(string from = "2020-01-01T00:00:00Z", string to = "2100-01-01T00:00:00Z") =>
        CliTests.Run("audit", "pack", "--journal", Journal, "--from", from, "--to", to, "--out", Path.Combine(folder, "pack.zip"), "--key", Path.Combine(folder, "key.pem"));

    [Fact]
    public void APack_VerifiesOffline_InAFolderHoldingItAlone()
    {
        var packed = Pack();
        Assert.True(packed.Exit == 0, packed.Out + packed.Err);
        Assert.StartsWith("Wrote ", packed.Out, StringComparison.Ordinal);
        Assert.Contains(": 19 decisions and 0 approvals with their inclusion proofs", packed.Out, StringComparison.Ordinal);

        // The auditor's folder: the pack, unzipped, and nothing else.
        File.Copy(Path.Combine(folder, "pack.zip"), Path.Combine(alone, "pack.zip"));
        ZipFile.ExtractToDirectory(Path.Combine(alone, "pack.zip"), alone);
        File.Delete(Path.Combine(alone, "pack.zip"));

        // Every file is the one its SHA256SUMS line names, and every file is named there.
        var sums = File.ReadAllLines(Path.Combine(alone, "SHA256SUMS")).Select(line => (Hash: line[..64], Name: line[66..])).ToList();
        Assert.All(sums, sum => Assert.Equal(sum.Hash, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(alone, sum.Name))))));
        Assert.Equal(
            Directory.GetFiles(alone, "*", SearchOption.AllDirectories).Select(file => Path.GetRelativePath(alone, file).Replace('\\', '/')).Where(name => name != "SHA256SUMS").Order(StringComparer.Ordinal),
            sums.Select(sum => sum.Name));

        var verified = CliTests.RunIn(alone, null, "journal", "verify-proof", "proofs.jsonl", "--public-key", "checkpoint.pub.pem");
        Assert.True(verified.Exit == 0, verified.Out + verified.Err);
        Assert.StartsWith("All 19 proofs hold: each event is in the journal the checkpoint of ", verified.Out, StringComparison.Ordinal);

        // Each decision listed is the event its proof proves; the rule file that decided them is there, under its hash.
        var proven = File.ReadLines(Path.Combine(alone, "proofs.jsonl")).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("event")).Select(e => (e.GetProperty("seq").GetInt64(), e.GetProperty("hash").GetString())).ToList();
        var decisions = File.ReadLines(Path.Combine(alone, "decisions.jsonl")).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(proven, decisions.Select(d => (d.GetProperty("seq").GetInt64(), d.GetProperty("hash").GetString())));
        var bundleHash = decisions[0].GetProperty("payload").GetProperty("bundle_hash").GetString()!;
        var rules = Assert.Single(Directory.GetFiles(Path.Combine(alone, "rules")));
        Assert.Equal(bundleHash, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(rules))));
        // The changelog of the window names the first decision under that rule file, as the changelog of the journal does.
        using var changelog = JsonDocument.Parse(File.ReadAllText(Path.Combine(alone, "changelog.json")));
        var first = Assert.Single(changelog.RootElement.GetProperty("changes").EnumerateArray(), change => change.GetProperty("what").GetString() == "rule bundle");
        Assert.Equal(("first decision", decisions[0].GetProperty("payload").GetProperty("bundle").GetString()), (first.GetProperty("change").GetString(), first.GetProperty("subject").GetString()));
        var readme = File.ReadAllText(Path.Combine(alone, "README.md"));
        Assert.Contains("rulesgate journal verify-proof proofs.jsonl --public-key checkpoint.pub.pem", readme, StringComparison.Ordinal);

        // The event hash is what the README says it is: recomputed here by that recipe alone, for every proven event.
        foreach (var line in File.ReadLines(Path.Combine(alone, "proofs.jsonl")))
        {
            var e = JsonDocument.Parse(line).RootElement.GetProperty("event");
            var head = System.Text.Encoding.UTF8.GetBytes(string.Join("", HashedFields.Select(field => (field == "seq" ? e.GetProperty(field).GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) : e.GetProperty(field).GetString()) + "\n")));
            var payload = e.TryGetProperty("payload_cbor", out var cbor) ? cbor.GetBytesFromBase64() : System.Text.Encoding.UTF8.GetBytes(e.GetProperty("payload").GetString()!);
            Assert.Equal(e.GetProperty("hash").GetString(), Convert.ToHexStringLower(SHA256.HashData([.. head, .. payload])));
        }

        // docs/audit-pack.md, which users have before any pack, says what the pack's own README says of the formats.
        var formats = readme[readme.IndexOf("## The formats", StringComparison.Ordinal)..];
        Assert.EndsWith(formats, File.ReadAllText(Path.Combine(CliTests.Root, "docs", "audit-pack.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void AnAlteredDecision_OrAnotherKey_DoesNotVerify_AndIsNamedByItsLine()
    {
        Assert.Equal(0, Pack().Exit);
        ZipFile.ExtractToDirectory(Path.Combine(folder, "pack.zip"), alone);
        var proofs = Path.Combine(alone, "proofs.jsonl");
        var lines = File.ReadAllLines(proofs);
        var original = lines[2];
        lines[2] = original.Replace("\\\"qty\\\":", "\\\"qty\\\":1", StringComparison.Ordinal);     // inside the payload's JSON text: a quantity 1 prefixed
        Assert.NotEqual(original, lines[2]);
        File.WriteAllLines(proofs, lines);
        Assert.Equal(0, CliTests.Run("journal", "keygen", "--out", Path.Combine(folder, "other.pem")).Exit);

        var altered = CliTests.RunIn(alone, null, "journal", "verify-proof", "proofs.jsonl", "--public-key", "checkpoint.pub.pem");
        var otherKey = CliTests.RunIn(alone, null, "journal", "verify-proof", "proofs.jsonl", "--public-key", Path.Combine(folder, "other.pub.pem"));

        Assert.Equal(1, altered.Exit);
        Assert.StartsWith("proofs.jsonl:3: the proof of event ", altered.Out, StringComparison.Ordinal);
        Assert.EndsWith("1 of 19 proofs do not hold.\n", altered.Out, StringComparison.Ordinal);
        Assert.Equal(1, otherKey.Exit);
        Assert.Contains("19 of 19 proofs do not hold.", otherKey.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void AWindowThatIsReversed_OrAPackThatExists_IsRefused_WithExit2()
    {
        var reversed = Pack(from: "2100-01-01T00:00:00Z", to: "2020-01-01T00:00:00Z");
        File.WriteAllText(Path.Combine(folder, "pack.zip"), "mine");
        var existing = Pack();

        Assert.Equal(2, reversed.Exit);
        Assert.Contains("is not before --to", reversed.Err, StringComparison.Ordinal);
        Assert.Equal(2, existing.Exit);
        Assert.Contains("it exists already", existing.Err, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(folder, "pack.zip")));
    }
}
