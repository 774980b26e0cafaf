using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Journal;

/// <summary>Anchoring: the Merkle tree, signed checkpoints against an attacker who can write the database, inclusion proofs, blobs in the chain.</summary>
public sealed class CheckpointTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private readonly TempJournal journal = new();
    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        key.Dispose();
        journal.Dispose();
    }

    private void Events(int count, int from = 1)
    {
        for (var i = from; i < from + count; i++)
        {
            journal.Store.Append([new JournalEntry("test", "test.event", $$"""{"n":{{i}}}""")]);
        }
    }

    private static byte[] Leaf(int i) => SHA256.HashData([(byte)i]);

    [Fact]
    public void MerkleTree_EveryLeafOfEverySizeProvesAgainstItsRoot_AndNothingElseDoes()
    {
        for (var size = 1; size <= 33; size++)
        {
            var leaves = Enumerable.Range(0, size).Select(Leaf).ToList();
            var root = MerkleTree.Root(leaves);
            for (var i = 0; i < size; i++)
            {
                var path = MerkleTree.Path(leaves, i);
                Assert.True(MerkleTree.Verify(leaves[i], i, size, path, root), $"leaf {i} of {size}");
                Assert.False(MerkleTree.Verify(Leaf(99), i, size, path, root));
                Assert.False(MerkleTree.Verify(leaves[i], i, size, [.. path, root], root));     // a hash too many
                if (path.Count > 0)
                {
                    Assert.False(MerkleTree.Verify(leaves[i], i, size, [.. path.Skip(1)], root));
                }
                if (size > 1)
                {
                    Assert.False(MerkleTree.Verify(leaves[i], (i + 1) % size, size, path, root));
                }
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(300)]
    public void MerkleTree_ManyPathsAtOnce_AreThePathsOneByOne(int size)
    {
        var leaves = Enumerable.Range(0, size).Select(Leaf).ToList();
        var indexes = Enumerable.Range(0, size).Reverse().Where(i => i % 7 != 3).ToList();     // any order, some left out

        var paths = MerkleTree.Paths(leaves, indexes);

        Assert.Equal(indexes.Count, paths.Count);
        Assert.All(indexes.Select((index, i) => (index, i)), item => Assert.Equal(MerkleTree.Path(leaves, item.index), paths[item.i]));
    }

    [Fact]
    public void MerkleTree_FollowsRfc6962()
    {
        // Two leaves: SHA-256(0x01 ‖ SHA-256(0x00 ‖ a) ‖ SHA-256(0x00 ‖ b)); none: the hash of nothing.
        byte[] a = Leaf(1), b = Leaf(2);
        var expected = SHA256.HashData([0x01, .. SHA256.HashData([0x00, .. a]), .. SHA256.HashData([0x00, .. b])]);
        Assert.Equal(expected, MerkleTree.Root([a, b]));
        Assert.Equal(SHA256.HashData([]), MerkleTree.Root([]));
    }

    [Fact]
    public void Checkpoint_HoldsWhileTheJournalOnlyGrows()
    {
        Events(10);
        var checkpoint = JournalCheckpoint.Sign(journal.Store, key, Now);
        Events(5, from: 11);

        Assert.Equal(10, checkpoint.Size);
        Assert.Null(checkpoint.Check(journal.Store, key));
        Assert.Equal(JournalCheckpoint.CheckpointType, journal.Store.Event(11)!.Type);      // journaled too, after what it covers
    }

    [Fact]
    public void Checkpoint_CatchesADeletedEventWithTheChainRebuilt_WhichVerifyAloneCannot()
    {
        Events(10);
        var checkpoint = JournalCheckpoint.Sign(journal.Store, key, Now);

        DeleteAndRechain(journal.Path, seq: 4);

        using var reopened = Storage.Sqlite.SqliteJournal.Open(journal.Path);
        Assert.True(JournalVerifier.Verify(reopened).Intact);          // the attack defeats the chain alone
        Assert.Contains("are not the ones the checkpoint", checkpoint.Check(reopened, key), StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_CatchesEventsRemovedFromTheEnd()
    {
        Events(10);
        var checkpoint = JournalCheckpoint.Sign(journal.Store, key, Now);
        Sql.Tamper(journal.Path, "DELETE FROM events WHERE seq >= 9; UPDATE head SET seq = 8, hash = (SELECT hash FROM events WHERE seq = 8);");

        using var reopened = Storage.Sqlite.SqliteJournal.Open(journal.Path);
        Assert.True(JournalVerifier.Verify(reopened).Intact);
        Assert.Contains("the journal holds 8 events, but the checkpoint", checkpoint.Check(reopened, key), StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_ForgedOrOfAnotherKey_IsRefused()
    {
        Events(3);
        var checkpoint = JournalCheckpoint.Sign(journal.Store, key, Now);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Contains("signature does not verify", checkpoint.Check(journal.Store, other), StringComparison.Ordinal);
        Assert.Contains("signature does not verify", (checkpoint with { Size = 2 }).Check(journal.Store, key), StringComparison.Ordinal);
        Assert.Contains("signature does not verify", (checkpoint with { Signature = "not base64!" }).Check(journal.Store, key), StringComparison.Ordinal);
    }

    [Fact]
    public void Proof_ChecksWithThePublicKeyAlone_AndFailsOnAnyEdit()
    {
        Events(9);
        var checkpoint = JournalCheckpoint.Sign(journal.Store, key, Now);
        using var verifier = ECDsa.Create();
        verifier.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);

        var proof = JournalProof.Read(System.Text.Json.JsonDocument.Parse(JournalProof.Of(journal.Store, 6, checkpoint).Json()).RootElement);

        Assert.Null(proof.Check(verifier));
        Assert.Contains("contents were changed", proof with { Event = proof.Event with { Payload = """{"n":66}""" } } is var edited ? edited.Check(verifier) : null, StringComparison.Ordinal);
        var moved = proof with { Event = journal.Store.Event(7)! };
        Assert.Contains("is not in the journal the checkpoint signed", moved.Check(verifier), StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => JournalProof.Of(journal.Store, 10, checkpoint));
    }

    [Fact]
    public void Proof_ManyUnderOneCheckpoint_VerifyItsSignatureOnce_AndAForgedOneIsNeverTakenForIt()
    {
        Events(9);
        var checkpoint = JournalCheckpoint.Sign(journal.Store, key, Now);
        var verified = new HashSet<JournalCheckpoint>();
        var proofs = JournalProof.Of(JournalProof.Signed(JournalCheckpoint.Leaves(journal.Store, checkpoint.Size), checkpoint), journal.Store.Read(new EventFilter(From: 2, To: 8)), checkpoint).ToList();

        Assert.Equal(7, proofs.Count);
        Assert.All(proofs, proof => Assert.Null(proof.Check(key, verified)));
        Assert.Equal([checkpoint], verified);

        // The same root and size under another signature is another checkpoint: it is verified, and fails.
        var forged = proofs[0] with { Checkpoint = checkpoint with { Signature = Convert.ToBase64String(new byte[64]) } };
        Assert.Contains("signature does not verify", forged.Check(key, verified), StringComparison.Ordinal);
        Assert.Single(verified);
    }

    [Fact]
    public void Proof_OfADecisionStoredAsCbor_CarriesItsBytes_AndTheJsonBesideThemMustSayTheSame()
    {
        var cbor = RulesGate.Core.Serialization.CborDocument.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("intent_id"u8, "i-1");
            writer.WriteEndObject();
        });
        journal.Store.Append([JournalEntry.OfCbor("run:r", "gate.decision", cbor)], segment: true);
        var checkpoint = JournalCheckpoint.Sign(journal.Store, key, Now);
        using var verifier = ECDsa.Create();
        verifier.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        var json = JournalProof.Of(journal.Store, 1, checkpoint).Json();

        var proof = JournalProof.Read(System.Text.Json.JsonDocument.Parse(json).RootElement);
        var shown = JournalProof.Read(System.Text.Json.JsonDocument.Parse(json.Replace("i-1", "i-9", StringComparison.Ordinal)).RootElement);

        Assert.Contains($"\"payload_cbor\": \"{Convert.ToBase64String(cbor)}\"", json, StringComparison.Ordinal);
        Assert.Null(proof.Check(verifier));
        Assert.Contains("payload as shown is not the CBOR its hash covers", shown.Check(verifier), StringComparison.Ordinal);
    }

    [Fact]
    public void Blobs_AreRecordedInTheChain_AndAnAlteredOneIsNamed()
    {
        var bytes = "rule file bytes"u8.ToArray();
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        journal.Store.Append([new JournalEntry("test", "test.event", "{}")], [new(hash, bytes)]);
        journal.Store.Append([new JournalEntry("test", "test.event", "{}")], [new(hash, bytes)]);     // kept once, recorded once

        Assert.Single(journal.Store.Read(type: JournalStore.BlobType));
        var misnamed = Convert.ToHexStringLower(SHA256.HashData("other bytes"u8.ToArray()));
        Assert.Throws<ArgumentException>(() => journal.Store.Append([new JournalEntry("test", "test.event", "{}")], [new(misnamed, "not those bytes"u8.ToArray())]));
        Assert.True(JournalVerifier.Verify(journal.Store).Intact);

        Sql.Tamper(journal.Path, "UPDATE blobs SET bytes = X'00'");
        using var reopened = Storage.Sqlite.SqliteJournal.Open(journal.Path);
        Assert.Contains($"blob {hash[..12]} recorded by event 2 was altered", JournalVerifier.Verify(reopened).Problem, StringComparison.Ordinal);
    }

    /// <summary>What an attacker with write access does: removes an event, renumbers the rest and recomputes every hash and the head.</summary>
    private static void DeleteAndRechain(string path, long seq)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        var rows = new List<(string Stream, string Type, string Time, string Payload)>();
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT stream, type, time, payload FROM events WHERE seq <> $seq ORDER BY seq";
            read.Parameters.AddWithValue("$seq", seq);
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            }
        }

        using var transaction = connection.BeginTransaction();
        using (var clear = connection.CreateCommand())
        {
            clear.CommandText = "DELETE FROM events";
            clear.ExecuteNonQuery();
        }

        var previous = JournalEvent.Genesis;
        for (var i = 0; i < rows.Count; i++)
        {
            var (stream, type, time, payload) = rows[i];
            var hash = JournalEvent.HashOf(previous, i + 1, stream, type, time, payload);
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO events (seq, stream, type, time, payload, prev_hash, hash) VALUES ($seq, $stream, $type, $time, $payload, $prev, $hash)";
            insert.Parameters.AddWithValue("$seq", i + 1);
            insert.Parameters.AddWithValue("$stream", stream);
            insert.Parameters.AddWithValue("$type", type);
            insert.Parameters.AddWithValue("$time", time);
            insert.Parameters.AddWithValue("$payload", payload);
            insert.Parameters.AddWithValue("$prev", previous);
            insert.Parameters.AddWithValue("$hash", hash);
            insert.ExecuteNonQuery();
            previous = hash;
        }

        using (var head = connection.CreateCommand())
        {
            head.CommandText = "UPDATE head SET seq = $seq, hash = $hash";
            head.Parameters.AddWithValue("$seq", rows.Count);
            head.Parameters.AddWithValue("$hash", previous);
            head.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
