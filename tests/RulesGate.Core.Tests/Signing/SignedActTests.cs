using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Signing;

/// <summary>
/// A vote, a migration and a kill switch reset prove who gave them: signed with the person's own key and checked
/// against the roles file's public keys, or refused; and the journal keeps what anyone can check again, long after.
/// </summary>
public sealed class SignedActTests : IDisposable
{
    private static readonly WorkflowLoader Loader = new(Compiled.Engine);

    private readonly ECDsa rhea = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa raj = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa mallory = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TempJournal journal = new(new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero)));
    private readonly WorkflowRoles roles;
    private readonly WorkflowRuntime runtime;

    public SignedActTests()
    {
        roles = WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml")).WithKey("rhea", rhea.ExportSubjectPublicKeyInfo()).WithKey("raj", raj.ExportSubjectPublicKeyInfo());
        runtime = new WorkflowRuntime(journal.Store, Loader, roles);
    }

    public void Dispose()
    {
        journal.Dispose();
        rhea.Dispose();
        raj.Dispose();
        mallory.Dispose();
    }

    /// <summary>A config-patch approval waiting for one risk vote.</summary>
    private WorkflowInstance Waiting(string subject = "proposal-1")
    {
        var definition = Loader.Load(Repo.PathOf("workflows", "config-patch-approval.yaml")).Value!;
        return runtime.Start(definition, subject, "olga");
    }

    [Fact]
    public void Vote_SignedWithTheActorsOwnKey_MovesAndKeepsTheSignatureInTheJournal()
    {
        var instance = Waiting();
        var statement = runtime.VoteAct(instance.Id, "rhea", "risk", true, "bounds checked").Statement;

        var voted = runtime.Vote(instance.Id, Actor.Signing("RHEA", rhea), "risk", approve: true, "bounds checked").Instance;

        Assert.Equal("approved", voted.State);
        var recorded = Assert.Single(journal.Store.Read(type: "workflow.approved"));
        using var payload = JsonDocument.Parse(recorded.Payload);
        var proof = payload.RootElement.GetProperty("proof");
        Assert.Equal("signature", proof.GetProperty("by").GetString());
        Assert.Equal(PersonKeys.Id(rhea.ExportSubjectPublicKeyInfo()), proof.GetProperty("key").GetString());
        Assert.Equal(statement, proof.GetProperty("statement").GetString());
        Assert.Contains("\"state\":\"review\",\"step\":\"1\"", statement, StringComparison.Ordinal);
        var audited = Assert.Single(SignatureAudit.Check(journal.Store, roles));
        Assert.Equal(("rhea", "signature", (string?)null), (audited.Actor, audited.By, audited.Problem));
    }

    [Fact]
    public void Vote_WithAnotherPersonsKey_OrBySomeoneWithoutAKey_IsRefusedAndWritesNothing()
    {
        var instance = Waiting();
        var before = journal.Store.LastSeq();

        var typedName = Assert.Throws<SignatureRefusedException>(() => runtime.Vote(instance.Id, Actor.Signing("rhea", mallory), "risk", true, "ok"));
        var othersKey = Assert.Throws<SignatureRefusedException>(() => runtime.Vote(instance.Id, Actor.Signing("rhea", raj), "risk", true, "ok"));
        var keyless = Assert.Throws<SignatureRefusedException>(() => runtime.Vote(instance.Id, Actor.Signing("carla", mallory), "risk", true, "ok"));

        Assert.Equal($"the key signed with is not rhea's: it matches no public key {roles.Source} lists for rhea. Sign with your own key (--sign).", typedName.Message);
        Assert.StartsWith("the key signed with is not rhea's", othersKey.Message, StringComparison.Ordinal);
        Assert.StartsWith("carla has no public key in ", keyless.Message, StringComparison.Ordinal);
        Assert.Contains("rulesgate key new --person carla", keyless.Message, StringComparison.Ordinal);
        Assert.Equal(before, journal.Store.LastSeq());
        Assert.Equal("review", runtime.Find(instance.Id)!.State);
    }

    [Fact]
    public void SignedVote_CountsOnlyForWhatItSays()
    {
        var instance = Waiting();
        var act = runtime.VoteAct(instance.Id, "rhea", "risk", approve: true, "bounds checked");
        var signature = PersonKeys.Sign(rhea, act.Bytes);

        // The same signature under another name, reason, decision or instance does not verify.
        Assert.Throws<SignatureRefusedException>(() => runtime.Vote(instance.Id, Actor.Signed("raj", signature), "risk", true, "bounds checked"));
        Assert.Throws<SignatureRefusedException>(() => runtime.Vote(instance.Id, Actor.Signed("rhea", signature), "risk", true, "lgtm"));
        Assert.Throws<SignatureRefusedException>(() => runtime.Vote(instance.Id, Actor.Signed("rhea", signature), "risk", false, "bounds checked"));
        var other = Waiting("proposal-2");
        Assert.Throws<SignatureRefusedException>(() => runtime.Vote(other.Id, Actor.Signed("rhea", signature), "risk", true, "bounds checked"));
        Assert.Throws<SignatureRefusedException>(() => runtime.Vote(instance.Id, Actor.Signed("rhea", "not base64!"), "risk", true, "bounds checked"));

        Assert.Equal("approved", runtime.Vote(instance.Id, Actor.Signed("rhea", signature), "risk", true, "bounds checked").Instance.State);
    }

    [Fact]
    public void SignedVote_IsBoundToTheVisitOfTheState_SoALaterVisitRefusesIt()
    {
        // pilot_review of alpha-trade-promotion: a rejection sends it back, and evidence brings it to pilot_review again.
        var definition = Loader.Load(Repo.PathOf("workflows", "alpha-trade-promotion.yaml")).Value!;
        var diary = JsonDocument.Parse("""{"added":5,"alerts":0}""").RootElement;
        DecisionDiaryFor(journal.Store);
        runtime.Start(definition, "alpha-momentum", "olga");
        var review = Assert.Single(runtime.Evidence("alpha-momentum", "diary", diary, key: "d-1").Moved);
        Assert.Equal("pilot_review", review.State);
        var act = runtime.VoteAct(review.Id, "rhea", "risk", approve: true, "clean");
        var signature = PersonKeys.Sign(rhea, act.Bytes);

        runtime.Vote(review.Id, Actor.Signing("raj", raj), "risk", approve: false, "not yet");
        var again = Assert.Single(runtime.Evidence("alpha-momentum", "diary", diary, key: "d-2").Moved);
        Assert.Equal("pilot_review", again.State);

        var replayed = Assert.Throws<SignatureRefusedException>(() => runtime.Vote(review.Id, Actor.Signed("rhea", signature), "risk", true, "clean"));
        Assert.Contains("for another act or state", replayed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_IsSignedOverTheTripItEnds_SoItsSignatureCannotEndALaterTrip()
    {
        GateJournal.RecordMalformed(journal.Store, null, 1, "{", "malformed", "first trip");
        var act = GateJournal.ResetAct("rhea", "reviewed", journal.Store.Read(GateJournal.KillSwitchKey).Last().Seq);
        var signature = PersonKeys.Sign(rhea, act.Bytes);
        Assert.False(GateJournal.Reset(journal.Store, Actor.Signed("rhea", signature), "reviewed", roles).Active);

        GateJournal.RecordMalformed(journal.Store, null, 2, "{", "malformed", "second trip");

        Assert.Throws<SignatureRefusedException>(() => GateJournal.Reset(journal.Store, Actor.Signed("rhea", signature), "reviewed", roles));
        Assert.Throws<SignatureRefusedException>(() => GateJournal.Reset(journal.Store, Actor.Signing("rhea", mallory), "reviewed", roles));
        Assert.True(GateJournal.State(journal.Store).Active);
        Assert.False(GateJournal.Reset(journal.Store, Actor.Signing("rhea", rhea), "reviewed again", roles).Active);
    }

    [Fact]
    public void Audit_FindsASignatureMovedToAnotherEvent_AndAKeyTheRolesNoLongerList()
    {
        var instance = Waiting();
        runtime.Vote(instance.Id, Actor.Signing("rhea", rhea), "risk", approve: true, "bounds checked");
        using var signed = JsonDocument.Parse(journal.Store.Read(type: "workflow.approved").Single().Payload);
        var proof = signed.RootElement.GetProperty("proof").Clone();

        // Someone who can append to the journal copies rhea's proof onto an approval she never gave.
        var other = Waiting("proposal-2");
        var forged = JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("actor", "rhea");
            writer.WriteString("role", "risk");
            writer.WriteString("reason", "bounds checked");
            writer.WritePropertyName("proof");
            proof.WriteTo(writer);
            writer.WriteEndObject();
        }, pretty: false);
        journal.Store.Append([new JournalEntry(other.Key, "workflow.approved", forged)]);

        var audited = SignatureAudit.Check(journal.Store, roles);
        var withoutHerKey = SignatureAudit.Check(journal.Store, WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml")).WithKey("raj", raj.ExportSubjectPublicKeyInfo()));

        Assert.Null(audited[0].Problem);
        Assert.Equal($"its signed instance '{instance.Id}' is not what the event records", audited[1].Problem);
        Assert.Equal($"it was signed with key {audited[0].KeyId}, which {Repo.PathOf("workflows", "roles.yaml")} does not list for rhea", withoutHerKey[0].Problem);
    }

    [Fact]
    public void Migration_IsSignedOrRefused_BeforeAnythingElseIsJudged()
    {
        var instance = Waiting();
        var definition = runtime.DefinitionOf(instance);

        Assert.Throws<SignatureRefusedException>(() => runtime.Migrate(instance.Id, definition, Actor.Signing("rhea", mallory), "move"));
        Assert.Contains("already runs", Assert.Throws<WorkflowRefusedException>(() => runtime.Migrate(instance.Id, definition, Actor.Signing("rhea", rhea), "move")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Authenticated_IsRecordedAsThePrincipalsWord()
    {
        var instance = Waiting();

        runtime.Vote(instance.Id, Actor.Authenticated("rhea"), "risk", approve: true, "from the console");

        var audited = Assert.Single(SignatureAudit.Check(journal.Store, WorkflowRoles.None));
        Assert.Equal(("principal", (string?)null), (audited.By, audited.Problem));
    }

    [Theory]
    [InlineData("keys:\n  rhea: n0t_a_key\n", "roles.yaml:6:9: the key of rhea: not a public key")]
    [InlineData("keys:\n  rhea: MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n", "roles.yaml:6:9: the key of rhea: not an ECDSA P-256 public key")]
    [InlineData("keys:\n  rhea: KEY\n  raj: KEY\n", "roles.yaml:7:8: the key of raj is already listed for rhea")]
    [InlineData("keys:\n  rhea: KEY\n  RHEA: [KEY2]\n", "the keys of rhea are listed twice")]
    [InlineData("keys: [KEY]\n", "'keys:' maps each person to their public key")]
    public void RolesFile_ABadKey_IsNamedWithWhereAndWhatToWrite(string keys, string expected)
    {
        using var second = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = Path.Combine(journal.Folder, "roles.yaml");
        File.WriteAllText(path, "roles:\n  risk: [rhea, raj]\n  compliance: [carla]\n  cio: [ines]\n" + keys
            .Replace("KEY2", PersonKeys.Line(second), StringComparison.Ordinal)
            .Replace("KEY", PersonKeys.Line(rhea), StringComparison.Ordinal));

        var error = Assert.Throws<FormatException>(() => WorkflowRoles.Load(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RolesFile_KeysAsOneOrAList_AreTheirs()
    {
        using var older = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = Path.Combine(journal.Folder, "roles.yaml");
        File.WriteAllText(path, $"roles:\n  risk: [rhea, raj]\nkeys:\n  Rhea: [{PersonKeys.Line(older)}, {PersonKeys.Line(rhea)}]\n  raj: {PersonKeys.Line(raj)}\n");

        var loaded = WorkflowRoles.Load(path);

        Assert.Equal(2, loaded.KeysOf("rhea").Count);
        Assert.Equal(["raj", "rhea"], loaded.People);
        Assert.Empty(loaded.KeysOf("carla"));
    }

    [Fact]
    public void Act_ReadsOnlyTheStatementsItWrites()
    {
        var act = new Act("vote", "rhea", [new("instance", "i"), new("reason", "line\nbreak \"quoted\"")]);

        Assert.Equal(act.Statement, Act.Read(act.Statement)!.Statement);
        Assert.Null(Act.Read("""{"format":"rulesgate-act/1","act":"vote"}"""));
        Assert.Null(Act.Read("""{"act":"vote","format":"rulesgate-act/1","actor":"rhea"}"""));
        Assert.Null(Act.Read("""{"format":"rulesgate-act/1", "act":"vote","actor":"rhea"}"""));
        Assert.Null(Act.Read("""{"format":"rulesgate-act/1","act":"vote","actor":"rhea","step":3}"""));
        Assert.Null(Act.Read("not json"));
    }

    private static void DecisionDiaryFor(JournalStore store) =>
        RulesGate.Core.Promotion.DecisionDiary.Ingest(store, [.. File.ReadLines(Repo.PathOf("samples", "promotion", "diary.jsonl")).Select(line => RulesGate.Core.Promotion.DiaryEntry.Read(JsonDocument.Parse(line).RootElement))]);
}
