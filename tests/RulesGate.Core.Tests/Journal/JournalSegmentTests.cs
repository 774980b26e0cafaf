using System.Formats.Cbor;
using Microsoft.Data.Sqlite;
using RulesGate.Core.Journal;
using RulesGate.Core.Tests.Support;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Core.Tests.Journal;

/// <summary>Decisions kept in segments: exact round trips, one chain with the rows, and every way of altering a segment named by verify.</summary>
public sealed class JournalSegmentTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-segment-").FullName;

    private string DbPath => Path.Combine(folder, "journal.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Two segments of four decisions each, with a ledger row between them: events 1–4, 5, 6–9.</summary>
    private JournalStore Filled()
    {
        var store = SqliteJournal.Create(DbPath);
        store.Append([.. Enumerable.Range(1, 4).Select(Decision)], segment: true);
        store.Append([new JournalEntry("ledger:alpha", "ledger.updated", "{}")]);
        store.Append([.. Enumerable.Range(6, 4).Select(Decision)], segment: true);
        return store;
    }

    private static JournalEntry Decision(int n) => new("run:r1", "gate.decision", $$"""{"intent_id":"i-{{n}}","text":"Grüße 🚀"}""");

    /// <summary>Replaces the body of the segment starting at <paramref name="first"/> with what <paramref name="change"/> makes of its events.</summary>
    private void Rewrite(long first, Func<List<JournalEvent>, List<JournalEvent>> change)
    {
        StoredSegment row;
        using (var store = SqliteJournal.Open(DbPath, readOnly: true))
        {
            row = Row(first);
        }

        var body = JournalSegment.Of(change(JournalSegment.Read(row))).Body;
        SetBody(first, body);
    }

    private StoredSegment Row(long first)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT first_seq, last_seq, count, streams, types, last_hash, body FROM segments WHERE first_seq = $first";
        command.Parameters.AddWithValue("$first", first);
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), (byte[])reader.GetValue(6));
    }

    private void SetBody(long first, byte[] body)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE segments SET body = $body WHERE first_seq = $first";
        command.Parameters.AddWithValue("$first", first);
        command.Parameters.AddWithValue("$body", body);
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    private JournalVerification Verify()
    {
        using var store = SqliteJournal.Open(DbPath);
        return JournalVerifier.Verify(store);
    }

    [Fact]
    public void Segments_ReadBackExactly_InOneChainWithTheRows()
    {
        using var store = Filled();

        var events = store.Read().ToList();

        Assert.Equal(Enumerable.Range(1, 9).Select(n => (long)n), events.Select(e => e.Seq));
        Assert.Equal("""{"intent_id":"i-7","text":"Grüße 🚀"}""", events[6].Payload);
        Assert.Equal("ledger.updated", events[4].Type);
        Assert.All(events.Skip(1).Zip(events), pair => Assert.Equal(pair.Second.Hash, pair.First.PrevHash));
        Assert.All(events, e => Assert.Equal(e.ComputeHash(), e.Hash));
        Assert.True(JournalVerifier.Verify(store).Intact);
    }

    [Fact]
    public void Body_IsAZstdFrameOfSelfDescribingCbor()
    {
        using var store = Filled();
        var row = Row(6);

        Assert.Equal(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }, row.Body[..4]);   // the zstd frame's magic number
        using var decompressor = new ZstdSharp.Decompressor();
        var reader = new CborReader(decompressor.Unwrap(row.Body).ToArray());
        Assert.Equal(3, reader.ReadStartMap());
        Assert.Equal(("format", JournalSegment.Format), (reader.ReadTextString(), reader.ReadTextString()));
        Assert.Equal(("prev", store.Event(5)!.Hash), (reader.ReadTextString(), reader.ReadTextString()));
        Assert.Equal("events", reader.ReadTextString());
        Assert.Equal(4, reader.ReadStartArray());
        Assert.Equal(6, reader.ReadStartArray());
        Assert.Equal(6, reader.ReadInt64());
        Assert.Equal("run:r1", reader.ReadTextString());
    }

    [Fact]
    public void Verify_EventAlteredInsideASegment_NamesThatEvent()
    {
        Filled().Dispose();
        Rewrite(6, events => [.. events.Select(e => e.Seq == 8 ? e with { Payload = """{"intent_id":"i-8","text":"changed"}""" } : e)]);

        var result = Verify();

        Assert.Equal(8, result.BrokenAt);
        Assert.Contains("event 8 (gate.decision, stream run:r1) was altered", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_EventRewrittenWithItsHashInsideASegment_BreaksAtTheNextEvent()
    {
        Filled().Dispose();
        Rewrite(1, events => [.. events.Select(e => e.Seq == 2 ? Rehashed(e with { Payload = "{}" }) : e)]);

        var result = Verify();

        Assert.Equal(3, result.BrokenAt);
        Assert.Contains("event 3 (gate.decision, stream run:r1) was altered", result.Problem, StringComparison.Ordinal);
        Assert.Contains("the event before it may be the one rewritten", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_EventDroppedFromASegment_IsNamed()
    {
        Filled().Dispose();
        Rewrite(1, events => [.. events.Where(e => e.Seq != 2)]);

        var result = Verify();

        Assert.Equal(1, result.BrokenAt);
        Assert.Contains("segment of events 1–4 cannot be read: its row says 4 events, its body holds 3", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_CorruptedCompressedBytes_NameTheSegment()
    {
        Filled().Dispose();
        var body = Row(6).Body;
        body[body.Length / 2] ^= 0x40;
        SetBody(6, body);

        var result = Verify();

        Assert.Equal(6, result.BrokenAt);
        Assert.Contains("segment of events 6–9 cannot be read", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SegmentHiddenFromAStreamByItsIndex_IsNamed()
    {
        Filled().Dispose();
        Sql.Tamper(DbPath, "UPDATE segments SET streams = char(10) || 'elsewhere' || char(10) WHERE first_seq = 6");

        var result = Verify();

        Assert.Equal(6, result.BrokenAt);
        Assert.Contains("streams or types are not those of its events", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OfAStreamOrType_FindsItsSegmentsThroughTheSegmentIndex()
    {
        Filled().Dispose();

        // A segment the index does not list under a stream is not found by a read of that stream: the index is what
        // the read consults, which is why journal verify checks it (below).
        Sql.Tamper(DbPath, "DELETE FROM segment_keys WHERE first_seq = 6 AND key = 's:run:r1'");
        using var store = SqliteJournal.Open(DbPath, readOnly: true);

        Assert.Equal([1L, 2, 3, 4], store.Read("run:r1").Select(e => e.Seq));
        Assert.Equal([1L, 2, 3, 4, 6, 7, 8, 9], store.Read(type: "gate.decision").Select(e => e.Seq));
        Assert.Equal(9, store.Read().Count());
    }

    [Theory]
    [InlineData("DELETE FROM segment_keys WHERE first_seq = 6 AND key = 's:run:r1'", "does not list the segment from event 6")]
    [InlineData("UPDATE segment_keys SET key = 't:ledger.updated' WHERE first_seq = 1 AND key = 't:gate.decision'", "does not list the segment from event 1")]
    [InlineData("INSERT INTO segment_keys (key, first_seq) VALUES ('s:killswitch', 6)", "does not list the segment from event 6")]
    [InlineData("INSERT INTO segment_keys (key, first_seq) VALUES ('s:killswitch', 5)", "lists 's:killswitch' for a segment from event 5, and there is none")]
    [InlineData("INSERT INTO segment_keys (key, first_seq) VALUES ('s:killswitch', 99)", "lists 's:killswitch' for a segment from event 99, and there is none")]
    public void Verify_SegmentIndexEditedBehindTheJournal_IsNamed(string tamper, string named)
    {
        Filled().Dispose();
        Assert.True(Verify().Intact);
        Sql.Tamper(DbPath, tamper);

        var result = Verify();

        Assert.False(result.Intact);
        Assert.Null(result.BrokenAt);    // every event holds; the index around them does not
        Assert.Contains(named, result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_OfAFormat3Journal_ForWriting_IndexesItsSegmentsInPlace_AndReadOnlyNamesHowToUpgrade()
    {
        Filled().Dispose();
        var before = Verify();
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            // What a RulesGate of format 3 left: the same tables, without the segment index.
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE segment_keys; PRAGMA user_version = 3;";
            command.ExecuteNonQuery();
        }

        var refused = Assert.Throws<JournalException>(() => SqliteJournal.Open(DbPath, readOnly: true));
        Assert.Contains("journal of format 3", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'rulesgate journal init --journal", refused.Message, StringComparison.Ordinal);

        using (var upgraded = SqliteJournal.Open(DbPath))
        {
            Assert.Equal(3, upgraded.UpgradedFrom);
            Assert.Equal([1L, 2, 3, 4, 6, 7, 8, 9], upgraded.Read("run:r1").Select(e => e.Seq));
            Assert.Equal([5L], upgraded.Read("ledger:alpha").Select(e => e.Seq));
        }

        using (var again = SqliteJournal.Open(DbPath))
        {
            Assert.Null(again.UpgradedFrom);
        }

        var after = Verify();
        Assert.True(after.Intact, after.Problem);
        Assert.Equal(before.Events, after.Events);
    }

    [Fact]
    public void Verify_SegmentDeleted_NamesTheMissingEvents()
    {
        Filled().Dispose();
        Sql.Tamper(DbPath, "DELETE FROM segments WHERE first_seq = 1");

        var result = Verify();

        Assert.Equal(1, result.BrokenAt);
        Assert.Contains("event 1 is missing", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BodyDeclaringAHugeSize_IsRefusedWithoutAllocatingIt()
    {
        var hostile = new StoredSegment(1, 1, 1, "\na\n", "\nt\n", "h", [0x28, 0xB5, 0x2F, 0xFD, 0xE4, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00]);

        var error = Assert.Throws<JournalSegmentException>(() => JournalSegment.Read(hostile));

        Assert.Contains("segment of events 1–1 cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RowClaimingAHugeCount_IsNamedWithoutAllocatingForIt()
    {
        Filled().Dispose();
        var row = Row(6) with { Count = int.MaxValue };

        var error = Assert.Throws<JournalSegmentException>(() => JournalSegment.Read(row));

        Assert.Contains($"its row says {int.MaxValue} events, its body holds 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writer_AcknowledgesOnlyWhatIsDurable_AndEveryAcknowledgedDecisionIsThere()
    {
        var store = SqliteJournal.Create(DbPath);
        var writer = new JournalWriter(store, maxBatch: 64);
        var acknowledged = Enumerable.Range(1, 1000).Select(n => writer.Append(Decision(n))).ToList();
        await Task.WhenAll(acknowledged);
        await writer.DisposeAsync();

        using var reopened = SqliteJournal.Open(DbPath, readOnly: true);
        var events = reopened.Read().ToDictionary(e => e.Seq);
        foreach (var done in acknowledged)
        {
            var e = await done;
            Assert.Equal(e.Payload, events[e.Seq].Payload);
        }

        Assert.Equal(1000, events.Count);
        Assert.True(JournalVerifier.Verify(reopened).Intact);
        Assert.True(writer.Commits > 1);
    }

    private static JournalEntry CborDecision(int n) => JournalEntry.OfCbor("run:r1", "gate.decision", RulesGate.Core.Serialization.CborDocument.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("intent_id"u8, $"i-{n}");
        writer.WriteNumber("qty"u8, 12.5);
        writer.WriteEndObject();
    }));

    [Fact]
    public void CborPayloads_AreEmbeddedAsEncodedCbor_HashedAsTheirBytes_AndReadAsTheirJson()
    {
        using (var store = SqliteJournal.Create(DbPath))
        {
            store.Append([CborDecision(1), Decision(2), CborDecision(3)], segment: true);
        }

        using var reopened = SqliteJournal.Open(DbPath, readOnly: true);
        var events = reopened.Read().ToList();
        using var decompressor = new ZstdSharp.Decompressor();
        var body = decompressor.Unwrap(Row(1).Body).ToArray();

        Assert.Equal(CborDecision(1).Cbor, events[0].Cbor!.Value.ToArray());
        Assert.Null(events[1].Cbor);
        Assert.Equal("""{"intent_id":"i-3","qty":12.5}""", events[2].Payload);
        Assert.Equal(events[0].Hash, JournalEvent.HashOf(events[0].PrevHash, 1, "run:r1", "gate.decision", events[0].Time, CborDecision(1).Cbor));
        Assert.NotEqual(events[0].Hash, JournalEvent.HashOf(events[0].PrevHash, 1, "run:r1", "gate.decision", events[0].Time, events[0].Payload));
        Assert.True(body.AsSpan().IndexOf(new byte[] { 0xD8, 0x18, 0x58, (byte)CborDecision(1).Cbor!.Length }) > 0);   // 24(h'…')
        Assert.True(JournalVerifier.Verify(reopened).Intact);
    }

    [Fact]
    public void Verify_CborPayloadAlteredInsideASegment_NamesThatEvent()
    {
        using (var store = SqliteJournal.Create(DbPath))
        {
            store.Append([.. Enumerable.Range(1, 4).Select(CborDecision)], segment: true);
        }

        Rewrite(1, events => [.. events.Select(e => e.Seq == 3 ? e with { Cbor = CborDecision(33).Cbor } : e)]);

        var result = Verify();

        Assert.Equal(3, result.BrokenAt);
        Assert.Contains("event 3 (gate.decision, stream run:r1) was altered", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatOneSegments_AreStillRead_AndTheirPayloadsAreText()
    {
        var (events, _) = JournalSegment.Chain([Decision(1), Decision(2)], (0, JournalEvent.Genesis), "2026-11-30T12:00:00.0000000Z");
        var cbor = new CborWriter(CborConformanceMode.Strict);
        cbor.WriteStartMap(3);
        cbor.WriteTextString("format");
        cbor.WriteTextString(JournalSegment.FormatOne);
        cbor.WriteTextString("prev");
        cbor.WriteTextString(JournalEvent.Genesis);
        cbor.WriteTextString("events");
        cbor.WriteStartArray(events.Count);
        foreach (var e in events)
        {
            cbor.WriteStartArray(6);
            cbor.WriteInt64(e.Seq);
            cbor.WriteTextString(e.Stream);
            cbor.WriteTextString(e.Type);
            cbor.WriteTextString(e.Time);
            cbor.WriteTextString(e.Payload);
            cbor.WriteByteString(Convert.FromHexString(e.Hash));
            cbor.WriteEndArray();
        }

        cbor.WriteEndArray();
        cbor.WriteEndMap();
        using var compressor = new ZstdSharp.Compressor(1);
        var row = new StoredSegment(1, 2, 2, "\nrun:r1\n", "\ngate.decision\n", events[1].Hash, compressor.Wrap(cbor.Encode()).ToArray());

        var read = JournalSegment.Read(row);

        Assert.Equal(events, read);
        Assert.All(read, e => Assert.Equal(e.Hash, e.ComputeHash()));
    }

    [Fact]
    public void PreparedSegment_AfterACommitThatEndedWithABlob_IsPreparedAtTheCommittedHead_AndGoesAsItIs()
    {
        using var store = SqliteJournal.Create(DbPath);
        var bundle = "rules"u8.ToArray();
        var first = store.Prepare([Decision(1)], store.Head());
        store.Append(first, [new(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bundle)), bundle)]);

        Assert.Equal(store.Head(), store.Committed);
        Assert.NotEqual((first.Events[^1].Seq, first.Events[^1].Hash), store.Committed);   // the blob's event came after it

        var next = store.Prepare([Decision(2)], store.Committed!.Value);
        Assert.Same(next.Events, store.Append(next));
        Assert.True(JournalVerifier.Verify(store).Intact);
    }

    private static JournalEvent Rehashed(JournalEvent e) => e with { Hash = e.ComputeHash() };
}
