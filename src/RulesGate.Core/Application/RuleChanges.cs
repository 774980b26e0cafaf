using RulesGate.Core.Journal;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Application;

/// <summary>
/// A proposed change of a live rule file (<c>rule-change:{subject}</c>, the subject <c>id@version-hash</c>, a name URLs
/// carry as it is): the candidate's identity and bytes (kept in the journal as a blob), the file it would replace and
/// the identity live when it was proposed, who proposed it, and where it stands: <c>proposed</c>, <c>approved</c>
/// (by whom), <c>rejected</c>, or <c>live</c>.
/// </summary>
public sealed record RuleChangeRecord(string Subject, string Identity, string File, string Sha256, string Live, string Requester, string Status, string? SettledBy = null);

/// <summary>
/// A rule change as a governed change: a changed rule file is proposed, not put live; the <c>rule-change</c> workflow
/// (shipped in <c>workflows/</c>, editable) asks its quorum, whose four eyes the runtime holds (the requester never
/// approves); its settlement is written in the move that makes the vote final (<see cref="Activity"/>), and the host
/// puts an approved change live (<see cref="Approved"/>, <see cref="MarkLive"/>).
/// </summary>
public static class RuleChanges
{
    /// <summary>The workflow a change waits in.</summary>
    public const string Workflow = "rule-change";

    /// <summary>Who proposes a change a server saw saved to its rule file: no person, so any approver may approve it.</summary>
    public const string FileWatcher = "rules-watcher";

    /// <summary>The projection of every proposed change, by its subject.</summary>
    public const string Projection = "rule-change";

    /// <summary>
    /// Records <paramref name="candidate"/> as a proposed change of <paramref name="file"/> (its bytes kept as a blob)
    /// unless it is recorded already; the caller then starts its <see cref="Workflow"/> instance.
    /// </summary>
    /// <returns>The record, and whether this call made it.</returns>
    public static (RuleChangeRecord Record, bool Proposed) Propose(JournalStore store, RuleBundle candidate, string file, string live, string requester)
    {
        var subject = SubjectOf(candidate.Identity);
        if (Find(store, subject) is { } known)
        {
            return (known, false);
        }

        var record = new RuleChangeRecord(subject, candidate.Identity, file, candidate.File.Hash, live, requester, "proposed");
        store.Append(
            [new JournalEntry($"{Projection}:{subject}", EventTypes.RulesProposed, RecordJson.Write(record))],
            [new(candidate.File.Hash, candidate.File.Bytes)],
            (scope, appended) => scope.Store(Projection, subject, RecordJson.Write(record), appended[0].Seq));
        return (record, true);
    }

    /// <summary>The subject a change of <paramref name="identity"/> (<c>id@version#hash</c>) is proposed under: <c>id@version-hash</c>.</summary>
    public static string SubjectOf(string identity) => identity.Replace('#', '-');

    /// <summary>The change proposed under <paramref name="subject"/>, or null.</summary>
    public static RuleChangeRecord? Find(JournalStore store, string subject) =>
        store.Load(Projection, subject) is { } stored ? RecordJson.Read<RuleChangeRecord>(stored.Value) : null;

    /// <summary>
    /// The activity of <see cref="Workflow"/>: for an instance the move leaves <c>approved</c> or <c>rejected</c>, the
    /// change's record settled that way (with who, as the move records it), in the move's own transaction.
    /// </summary>
    public static Func<WorkflowInstance, JournalChangeSet?> Activity(JournalStore store) => instance =>
    {
        if (instance.Workflow != Workflow || instance.State is not ("approved" or "rejected") || Find(store, instance.Subject) is not { Status: "proposed" } record)
        {
            return null;
        }

        var last = instance.History[^1];
        var settled = record with
        {
            Status = instance.State,
            SettledBy = instance.State == "approved" ? $"approved by {last.Detail}" : $"rejected by {last.Actor}: {last.Detail}",
        };
        return new JournalChangeSet(
            [new JournalEntry($"{Projection}:{record.Subject}", instance.State == "approved" ? EventTypes.RulesApproved : EventTypes.RulesRejected, RecordJson.Write(settled))],
            [],
            (scope, appended) => scope.Store(Projection, record.Subject, RecordJson.Write(settled), appended[0].Seq));
    };

    /// <summary>
    /// What a final approval settles in its own transaction, whichever host moved it: a config-patch proposal
    /// (<see cref="PatchApprovals.Activity"/>) or a rule change (<see cref="Activity"/>).
    /// </summary>
    public static Func<WorkflowInstance, JournalChangeSet?> Settlements(JournalStore store, RuleEngine engine)
    {
        var (patches, rules) = (PatchApprovals.Activity(store, engine), Activity(store));
        return instance => patches(instance) ?? rules(instance);
    }

    /// <summary>The changes approved and not yet live, with the candidate's bytes from the journal (checked against their hash).</summary>
    public static IReadOnlyList<(RuleChangeRecord Record, byte[] Bytes)> Approved(JournalStore store) =>
        [.. store.All(Projection).Select(stored => RecordJson.Read<RuleChangeRecord>(stored.Value)).Where(record => record.Status == "approved").Select(record =>
        {
            var bytes = store.Blob(record.Sha256) ?? throw JournalException.Missing($"The journal lacks the rule file {record.Identity} that was approved.");
            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)) == record.Sha256
                ? (record, bytes)
                : throw JournalException.Missing($"The journal's copy of the approved rule file {record.Identity} was altered; it is not put live.");
        })];

    /// <summary>The entry that records <paramref name="record"/> put live, and its record so, for the host to write as it swaps the rule file.</summary>
    public static JournalChange MarkLive(RuleChangeRecord record)
    {
        var live = record with { Status = "live" };
        return new JournalChange(
            new JournalEntry($"{Projection}:{record.Subject}", EventTypes.RulesChanged, RecordJson.Write(live)),
            (scope, appended) => scope.Store(Projection, record.Subject, RecordJson.Write(live), appended.Seq));
    }
}
