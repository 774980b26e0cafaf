using System.Globalization;
using RulesGate.Core.Journal;
using RulesGate.Core.Patches;
using RulesGate.Core.Rules;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Application;

/// <summary>
/// What a final <c>config-patch-approval</c> leads to, whichever way its vote came (the command line, a signals file,
/// HTTP, the console) or a timer moved it: approved, the proposal's accepted patches go live through the bounded
/// path; rejected, that is recorded; an approval that does not approve its proposal (started before it, by someone
/// else, for other content) leaves it <c>refused</c>, with why. The proposal is judged again under the very
/// PatchPolicy that judged it, whose bytes the journal keeps, never under the file on disk now. The settlement is the
/// workflow's activity, planned with the move that makes the approval final and written in its transaction
/// (<see cref="Activity"/>, which every host gives its runtime); <see cref="Settle"/> settles what a journal written
/// before that left unsettled.
/// </summary>
public static class PatchApprovals
{
    /// <summary>
    /// The activity of <c>config-patch-approval</c>: for an instance the move leaves <c>approved</c> or <c>rejected</c>,
    /// what settling its proposal writes (applied through the bounded path, rejected, or refused with why), to go in
    /// the move's own transaction; null for any other move, or a proposal settled already.
    /// </summary>
    public static Func<WorkflowInstance, JournalChangeSet?> Activity(JournalStore store, RuleEngine engine) => approval =>
    {
        if (approval.Workflow != PatchProposer.ApprovalWorkflow || approval.State is not ("approved" or "rejected")
            || new PatchProposals(store).Find(approval.Subject) is not { Status: "proposed" } record || record.Mode != PatchModes.Name(PatchMode.ManualOnly))
        {
            return null;
        }

        return Settlement(store, engine, record, approval).Change;
    };

    /// <summary>Settles every manual_only proposal whose approval is final and that is not settled yet.</summary>
    /// <returns>The proposals it settled (or refused).</returns>
    public static IReadOnlyList<PatchProposalRecord> Settle(JournalStore store, RuleEngine engine)
    {
        var settled = new List<PatchProposalRecord>();
        foreach (var record in new PatchProposals(store).All().Where(record => record.Status == "proposed" && record.Mode == PatchModes.Name(PatchMode.ManualOnly)))
        {
            if (store.Load(WorkflowInstance.Projection, $"{PatchProposer.ApprovalWorkflow}:{record.ProposalId}") is not { } stored
                || WorkflowInstance.Of(stored) is not { State: "approved" or "rejected" } approval)
            {
                continue;
            }

            var (settledRecord, change) = Settlement(store, engine, record, approval);
            change?.Append(store);
            settled.Add(settledRecord);
        }

        return settled;
    }

    /// <summary>How <paramref name="approval"/>, final, settles <paramref name="record"/>: under its pinned PatchPolicy, or refused with why.</summary>
    private static (PatchProposalRecord Record, JournalChangeSet? Change) Settlement(JournalStore store, RuleEngine engine, PatchProposalRecord record, WorkflowInstance approval)
    {
        var proposals = new PatchProposals(store);
        if (Pinned(store, engine, record) is not { } judge)
        {
            return proposals.Refusal(approval, $"{record.ProposalId} was proposed before its PatchPolicy was kept in the journal; propose its patches again");
        }

        try
        {
            // The approval's own time: the day its applications count against, the same however late this runs.
            return new PatchProposer(judge, store).Settlement(approval, DateTimeOffset.Parse(approval.History[^1].At, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
        }
        catch (PatchRefusedException refused)
        {
            return proposals.Refusal(approval, refused.Message);
        }
    }

    /// <summary>The PatchPolicy that judged <paramref name="record"/>, compiled from the bytes the journal keeps; null when it keeps none.</summary>
    private static PatchJudge? Pinned(JournalStore store, RuleEngine engine, PatchProposalRecord record)
    {
        if (record.PolicyHash is not { } hash || store.Blob(hash) is not { } bytes)
        {
            return null;
        }

        var compiled = JournalException.Parsed($"the PatchPolicy of {record.ProposalId}", () =>
            engine.Compile(new RuleFileLoader(engine.Kinds).Parse($"{record.Policy} (kept in the journal)", bytes)));
        return compiled.Value is { Kind: PatchPolicyKind } bundle
            ? new PatchJudge(bundle)
            : throw JournalException.Missing($"The PatchPolicy {record.Policy} of {record.ProposalId} kept in the journal no longer compiles: {string.Join("; ", compiled.Diagnostics)}");
    }
}
