using System.Globalization;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;

namespace RulesGate.Core.Workflows;

/// <summary>
/// The committing half of the runtime: plans go to the journal in one transaction per batch — their events, the
/// ledger changes their activities make, each instance's new projection under a check that it is still at the
/// version the plan was made from, the signal's idempotency key, and the effects they leave in the outbox.
/// </summary>
/// <param name="definitionOf">The definition an instance is pinned to.</param>
/// <param name="standing">How the desk's ladders relate, as loaded now.</param>
/// <param name="activity">What a move leads to beyond the workflow (an approved patch proposal applied), planned from the instance as the move leaves it and written in the move's transaction; null: nothing.</param>
internal sealed class WorkflowCommitter(JournalStore store, WorkflowEffects effects, Func<WorkflowInstance, IReadOnlyList<string>> waits, Func<WorkflowInstance, WorkflowDefinition> definitionOf, Func<StandingDeclaration> standing, Func<WorkflowInstance, JournalChangeSet?>? activity = null)
{
    /// <summary>The projection of the signals already handled, by idempotency key.</summary>
    public const string SignalKeys = "workflow.key";

    /// <summary>Commits many plans a batch per transaction; a batch that meets a claimed key or a conflict is committed plan by plan.</summary>
    public List<WorkflowInstance> CommitAll(List<(WorkflowPlan Plan, string? Signal)> plans, KeyValuePair<string, byte[]>? blob = null)
    {
        const int Batch = 512;
        var written = new List<WorkflowInstance>();
        foreach (var chunk in plans.Chunk(Batch))
        {
            List<WorkflowInstance>? committed;
            try
            {
                committed = CommitBatch(chunk, blob);
            }
            catch (WorkflowConflictException)
            {
                committed = null;
            }

            written.AddRange(committed ?? chunk.Select(item => Commit(item.Plan, item.Signal!, blob)).OfType<WorkflowInstance>());
        }

        return written;
    }

    /// <summary>One transaction: the signal's key, the events, the ledger changes and the projection, if the instance is still where the plan found it; null when the key was claimed first.</summary>
    /// <exception cref="WorkflowConflictException">The instance moved on after the plan was made; nothing was written.</exception>
    public WorkflowInstance? Commit(WorkflowPlan plan, string signal, KeyValuePair<string, byte[]>? blob = null) => CommitBatch([(plan, signal)], blob)?[0];

    /// <summary>
    /// Several plans in one transaction, each under its own version check (and key, when it has one), after an
    /// optional <paramref name="first"/> event with its own projection; all or none. Null, with nothing written,
    /// when a key was claimed by someone else after the plans were made.
    /// </summary>
    /// <exception cref="WorkflowConflictException">An instance moved on after its plan was made; nothing was written.</exception>
    public List<WorkflowInstance>? CommitBatch(
        IReadOnlyList<(WorkflowPlan Plan, string? Signal)> batch,
        KeyValuePair<string, byte[]>? blob,
        (JournalEntry Entry, Action<JournalTransaction, JournalEvent> Project)? first = null)
    {
        foreach (var (plan, signal) in batch)
        {
            if (plan.Ledger is { } ledger && plan.LedgerBase is { } original && (ledger.DeclaredStage != original.DeclaredStage || plan.Approvals.Count > 0))
            {
                var change = PolicyLedger.Prepare(original, new PromotionRequest(
                    plan.Instance.Subject, ledger.DeclaredStage, $"workflow {plan.Instance.Id}", plan.Approvals, EvidenceId: plan.EvidenceKey, AllowSingleApproval: true, AllowRegression: plan.Demoted));
                plan.Entries.Add((change.Entry, change));
                plan.LedgerBase = null;
            }

            if (plan.Entries.Count == 0)
            {
                plan.Event(new WorkflowSignalled(plan.Instance.Id, plan.Instance.State, signal ?? ""));
            }
        }

        // The effects each plan leaves in the outbox: its own, and a log line for a ledger change.
        var queued = batch.Select(item => (IReadOnlyList<WorkflowEffect>)[
            .. item.Plan.Effects.Where(effect => effect is not WorkflowEffect.Notify || effects.Posts),
            .. effects.Logs && item.Plan.Entries.Any(entry => entry.Ledger is not null) ? [new WorkflowEffect.Log("")] : Array.Empty<WorkflowEffect>()]).ToList();
        // What each move leads to beyond the workflow, planned from the instance as the move leaves it.
        var activities = batch.Select(item => item.Plan.Instance.State != item.Plan.Before.State ? activity?.Invoke(item.Plan.Instance) : null).ToList();
        var written = new List<WorkflowInstance>(batch.Count);
        JournalEntry[] lead = first is { } f ? [f.Entry] : [];
        var entries = batch.SelectMany((item, i) => item.Plan.Entries.Select(e => e.Entry)
            .Concat(queued[i].Select(effect => WorkflowEffects.Event(item.Plan.Instance, effect)))
            .Concat(activities[i]?.Entries ?? []));
        List<KeyValuePair<string, byte[]>> blobs = [
            .. blob is { } b ? [b] : Array.Empty<KeyValuePair<string, byte[]>>(),
            .. batch.Select(item => item.Plan.Pinned).OfType<KeyValuePair<string, byte[]>>(),
            .. activities.SelectMany(change => change?.Blobs ?? [])];
        blobs = [.. blobs.DistinctBy(pair => pair.Key)];
        try
        {
            store.Append([.. lead, .. entries], blobs.Count == 0 ? null : blobs, (scope, events) =>
            {
                written.Clear();
                first?.Project(scope, events[0]);
                var offset = lead.Length;
                for (var p = 0; p < batch.Count; p++)
                {
                    var (plan, signal) = batch[p];
                    if ((scope.Load(WorkflowInstance.Projection, plan.Before.Id)?.Seq ?? 0) != plan.Before.Seq)
                    {
                        throw new WorkflowConflictException(plan.Before.Id);
                    }

                    var last = events[offset + plan.Entries.Count - 1];
                    if (signal is not null)
                    {
                        Claim(scope, signal, last.Seq);
                    }

                    PolicyLedgerRecord? ledger = null;
                    for (var i = 0; i < plan.Entries.Count; i++)
                    {
                        ledger = plan.Entries[i].Ledger?.Apply(scope, events[offset + i]) ?? ledger;
                    }

                    var instance = plan.Instance with { Seq = last.Seq };
                    scope.Store(WorkflowInstance.Projection, instance.Id, instance.Json(), instance.Seq);
                    WorkflowIndex.Write(scope, store, plan.Before.Seq == 0 ? null : plan.Before, instance, instance.Seq, waits);
                    if (plan.Before.Seq == 0 || plan.Before.State != instance.State || plan.Before.Hash != instance.Hash)
                    {
                        Stand(scope, plan, instance);
                    }

                    offset += plan.Entries.Count;
                    foreach (var effect in queued[p])
                    {
                        WorkflowEffects.Enqueue(scope, events[offset++], instance, effect is WorkflowEffect.Log ? new WorkflowEffect.Log(PromotionLog.Line(ledger!)) : effect);
                    }

                    if (activities[p] is { } change)
                    {
                        change.Project(scope, [.. events.Skip(offset).Take(change.Entries.Count)]);
                        offset += change.Entries.Count;
                    }

                    written.Add(instance);
                }
            });
        }
        catch (SignalClaimedException)
        {
            return null;
        }

        return written;
    }

    /// <summary>The subject's standing after the instance moved, in the move's transaction: the one record every view reads.</summary>
    private void Stand(JournalTransaction scope, WorkflowPlan plan, WorkflowInstance instance)
    {
        var definition = definitionOf(instance);
        var key = SubjectStanding.Key(definition.Subject, instance.Subject);
        var before = scope.Load(SubjectStanding.Projection, key) is { } document
            ? JournalException.Parsed($"{SubjectStanding.Projection}:{key}", () => Serialization.RecordJson.Read<SubjectStanding>(document.Value))
            : null;
        var after = SubjectStanding.After(before, definition, instance, standing().Of(definition.Subject), plan.EvidenceKey, plan.Votes, instance.Seq);
        scope.Store(SubjectStanding.Projection, key, after.Json(), instance.Seq);
    }

    /// <summary>Whether <paramref name="signal"/>'s key was handled already.</summary>
    public bool Claimed(string signal) => store.Load(SignalKeys, signal) is not null;

    /// <summary>Claims the key inside the transaction; one claimed already rolls the whole transaction back.</summary>
    public static void Claim(JournalTransaction scope, string signal, long seq)
    {
        if (scope.Load(SignalKeys, signal) is not null)
        {
            throw new SignalClaimedException();
        }

        scope.Store(SignalKeys, signal, seq.ToString(CultureInfo.InvariantCulture), seq);
    }
}

/// <summary>Inside a commit only: a key claimed by someone else since the plan was made, which rolls the transaction back.</summary>
internal sealed class SignalClaimedException : Exception;
