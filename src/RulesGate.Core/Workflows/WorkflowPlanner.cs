using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;
using RulesGate.Core.Signing;

namespace RulesGate.Core.Workflows;

/// <summary>
/// The planning half of the runtime: from an instance, its definition, what is known about its subject and a
/// signal, the plan — events, ledger changes, the instance as it will be, effects — built before anything is
/// written. It reads the journal (ledger, diary, evidence) and never writes it; <see cref="WorkflowCommitter"/> does.
/// </summary>
internal sealed class WorkflowPlanner(JournalStore store, TimeProvider clock)
{
    /// <summary>What the conditions of <paramref name="subject"/>'s instances read, read once per signal.</summary>
    public WorkflowSnapshot Snapshot(string subject) => new(store, clock, subject);

    /// <param name="latest">Evidence recorded in the start's own transaction (a start another ladder's move leads to), which its first step reads too.</param>
    public WorkflowPlan Start(WorkflowDefinition definition, string id, string subject, string actor, WorkflowSnapshot snapshot, EvidenceRecord? latest = null)
    {
        var instance = new WorkflowInstance(id, definition.Id, definition.Version, definition.Hash, definition.Path, subject, actor, definition.Initial, Stamp(), null, [], [], 0);
        var plan = new WorkflowPlan(instance, []) { Pinned = new(definition.Hash, definition.Pinned) };
        plan.Event(new WorkflowStarted(instance.Id, instance.State, definition.Identity, subject, actor));
        Enter(definition, plan, definition.Initial, "start", actor, "", demotion: false);

        // The evidence already recorded about the subject may take the first step at once.
        Advance(definition, plan, snapshot.Context(definition, plan.Instance, latest ?? EvidenceRecord.None), "evidence at start", snapshot);
        return plan;
    }

    /// <summary>An approval or a rejection by <paramref name="actor"/> in <paramref name="role"/>, both normalized, for the approval the instance waits on.</summary>
    /// <exception cref="WorkflowRefusedException">The actor may not vote here; the sentence says why.</exception>
    public WorkflowPlan Vote(WorkflowDefinition definition, WorkflowInstance instance, WorkflowRoles roles, string actor, string role, bool approve, string reason, Proof proof)
    {
        var approval = definition.State(instance.State).Approval ?? throw new WorkflowRefusedException(instance.Id, $"{instance.Id} is in {instance.State}, which waits for no approval.");
        if (!approval.Roles.Contains(role))
        {
            throw new WorkflowRefusedException(instance.Id, $"{instance.State} is approved by {string.Join(" or ", approval.Roles)}, not by {role}.");
        }

        if (!roles.Holds(actor, role))
        {
            throw new WorkflowRefusedException(instance.Id, $"{actor} does not hold the role {role} in {roles.Source}.");
        }

        if (string.Equals(actor, instance.Requester, StringComparison.OrdinalIgnoreCase))
        {
            throw new WorkflowRefusedException(instance.Id, $"{actor} requested {instance.Id} and may not approve or reject it.");
        }

        if (instance.Votes.Any(vote => vote.Actor == actor))
        {
            throw new WorkflowRefusedException(instance.Id, $"{actor} has already approved {instance.Id} in {instance.State}; a second vote by the same person does not count.");
        }

        if (approve && approval.DistinctRoles && instance.Votes.Any(vote => vote.Role == role))
        {
            throw new WorkflowRefusedException(instance.Id, $"{instance.State} needs approvals from {string.Join(" and ", approval.Roles)}; {role} has approved already.");
        }

        var plan = new WorkflowPlan(instance, []);
        if (!approve)
        {
            plan.Event(new WorkflowRejected(instance.Id, instance.State, actor, role, reason, instance.History.Count, proof));
            Enter(definition, plan, approval.Reject, "rejection", actor, $"{role}: {reason}", demotion: false);
        }
        else
        {
            plan.Event(new WorkflowApproved(instance.Id, instance.State, actor, role, reason, instance.History.Count, proof));
            plan.Instance = plan.Instance with { Votes = [.. plan.Instance.Votes, new WorkflowVote(actor, role, reason, Stamp())] };
            if (plan.Instance.Votes.Count >= approval.Quorum)
            {
                plan.Approvals.AddRange(plan.Instance.Votes.Select(vote => vote.Role));
                plan.Votes.AddRange(plan.Instance.Votes);
                if (definition.Subject == "policy")
                {
                    // The approving roles go to the policy's ledger, with the stage the approval leads to if it sets one.
                    plan.LedgerBase ??= PolicyLedger.Read(store, instance.Subject);
                    plan.Ledger ??= plan.LedgerBase with { Approvals = PolicyLedgerRecord.Normalize(plan.LedgerBase.Approvals.Concat(plan.Approvals)) };
                }

                // Who approved and why stay in the history once the votes are spent on the step.
                Enter(definition, plan, approval.Approve, "approval", actor, string.Join("; ", plan.Instance.Votes.Select(v => $"{v.Actor} ({v.Role}): {v.Reason}")), demotion: false);
            }
        }
        return plan;
    }

    /// <summary>The instance's timer fired at <paramref name="now"/>: an approval timeout escalates (and moves when on_timeout says), an <c>after</c> timer moves.</summary>
    public WorkflowPlan Tick(WorkflowDefinition definition, WorkflowInstance instance, DateTimeOffset now)
    {
        var state = definition.State(instance.State);
        var plan = new WorkflowPlan(instance, []) { Now = now };
        if (state.Approval is { } approval)
        {
            plan.Event(new WorkflowEscalated(instance.Id, instance.State, JsonText.Timestamp(now), approval.EscalateTo, instance.EnteredAt));
            plan.Effects.Add(new WorkflowEffect.Notify($"No decision on {instance.State} since {instance.EnteredAt}; escalated to {string.Join(", ", approval.EscalateTo)}."));
            if (approval.OnTimeout is { } target)
            {
                Enter(definition, plan, target, "timeout", "timer", $"no decision in {System.Xml.XmlConvert.ToString(approval.Timeout!.Value)}", demotion: false);
            }
            else
            {
                plan.Instance = plan.Instance with { Due = null };
            }
        }
        else if (state.After is { } after)
        {
            Enter(definition, plan, after.To, "timer", "timer", $"after {System.Xml.XmlConvert.ToString(after.After)}", demotion: false);
        }
        return plan;
    }

    /// <summary>Evidence of <paramref name="latest"/>'s kind about the instance's subject: the first demotion that holds, else the first way out of its state that passes.</summary>
    public WorkflowPlan Evidence(WorkflowDefinition definition, WorkflowInstance instance, EvidenceRecord latest, WorkflowSnapshot snapshot)
    {
        var plan = new WorkflowPlan(instance, []);
        var context = snapshot.Context(definition, instance, latest);
        if (!Demote(definition, plan, context) && !definition.State(instance.State).Final)
        {
            Advance(definition, plan, context, $"{latest.Kind} evidence", snapshot);
        }

        return plan;
    }

    /// <summary>The instance moved from <paramref name="current"/> to another version of its definition, in the same state; <c>Instance</c> is the result.</summary>
    /// <exception cref="WorkflowRefusedException">Another workflow, the same version, a version without the instance's state, one that asks for less approval, or a migration by its requester or without a reason.</exception>
    public WorkflowPlan Migration(WorkflowDefinition current, WorkflowInstance instance, WorkflowDefinition target, string actor, string reason, Proof proof)
    {
        if (target.Id != instance.Workflow)
        {
            throw new WorkflowRefusedException(instance.Id, $"{instance.Id} runs {instance.Workflow}; it cannot move to {target.Id}.");
        }

        if (target.Hash == instance.Hash)
        {
            throw new WorkflowRefusedException(instance.Id, $"{instance.Id} already runs {target.Identity}.");
        }

        if (!target.HasState(instance.State))
        {
            throw new WorkflowRefusedException(instance.Id, $"{target.Identity} has no state {instance.State}, where {instance.Id} is; migrate it after it leaves that state, or add the state.");
        }

        if (string.IsNullOrWhiteSpace(actor) || string.IsNullOrWhiteSpace(reason))
        {
            throw new WorkflowRefusedException(instance.Id, "A migration needs --actor and --reason: who moves the instance and why.");
        }

        actor = Identities.Name(actor, "actor");
        reason = Identities.Text(reason, "reason");
        if (string.Equals(actor, instance.Requester, StringComparison.OrdinalIgnoreCase))
        {
            throw new WorkflowRefusedException(instance.Id, $"{actor} requested {instance.Id} and may not migrate it.");
        }

        if (WeakerApproval(current, target, instance.State) is { } weaker)
        {
            throw new WorkflowRefusedException(instance.Id, $"{target.Identity} would let {instance.Id} leave {instance.State} with less approval than it still needs: {weaker}.");
        }

        var state = target.State(instance.State);
        var migrated = instance with
        {
            Version = target.Version,
            Hash = target.Hash,
            DefinitionPath = target.Path,
            Due = state.Approval is null && state.After is null ? null : instance.Due,
            History = [.. instance.History, new WorkflowStep(Stamp(), instance.State, instance.State, "migration", actor, $"{instance.Workflow}@{instance.Version} → {target.Identity}: {reason}")],
        };
        var plan = new WorkflowPlan(instance, []) { Instance = migrated };
        plan.Event(new WorkflowMigrated(instance.Id, instance.State, $"{instance.Workflow}@{instance.Version}#{instance.Hash[..12]}", target.Identity, target.Hash, actor, reason, instance.History.Count, proof));
        return plan;
    }

    /// <summary>Moves the plan's instance into <paramref name="target"/> and runs its activities.</summary>
    public void Enter(WorkflowDefinition definition, WorkflowPlan plan, string target, string cause, string actor, string detail, bool demotion)
    {
        var from = cause == "start" ? "" : plan.Instance.State;
        var state = definition.State(target);
        var now = plan.Now ?? clock.GetUtcNow();
        var at = JsonText.Timestamp(now);
        plan.Instance = plan.Instance with
        {
            State = target,
            EnteredAt = at,
            Votes = [],
            Due = state.Approval?.Timeout is { } timeout ? now + timeout : state.After is { } after ? now + after.After : null,
            History = [.. plan.Instance.History, new WorkflowStep(at, from, target, cause, actor, detail)],
        };
        plan.Event(new WorkflowEntered(plan.Instance.Id, target, from, cause, actor, detail));
        foreach (var activity in state.OnEntry)
        {
            switch (activity)
            {
                case WorkflowActivity.SetStage setStage:
                    plan.LedgerBase ??= PolicyLedger.Read(store, plan.Instance.Subject);
                    plan.Demoted |= demotion;
                    plan.Ledger = (plan.Ledger ?? plan.LedgerBase) with
                    {
                        DeclaredStage = setStage.Stage,
                        Approvals = PolicyLedgerRecord.Normalize(plan.LedgerBase.Approvals.Concat(plan.Approvals)),
                    };
                    break;
                case WorkflowActivity.Notify notify:
                    plan.Event(new WorkflowNotice(plan.Instance.Id, plan.Instance.State, notify.Text));
                    plan.Effects.Add(new WorkflowEffect.Notify(notify.Text));
                    break;
                case WorkflowActivity.Render render:
                    plan.Effects.Add(new WorkflowEffect.Render(render.Template, target));
                    break;
            }
        }
    }

    /// <summary>Takes the first demotion that holds and lowers the instance; false when none does.</summary>
    public bool Demote(WorkflowDefinition definition, WorkflowPlan plan, EvidenceContext context)
    {
        var states = definition.States.Select(s => s.Name).ToList();
        var current = states.IndexOf(plan.Instance.State);
        foreach (var demotion in definition.Demotions)
        {
            if (demotion.Condition is not { } condition)
            {
                // The MaturityPolicy decides: its first firing demote rule, never a rise.
                if (Maturity(definition.Ladder!, plan, context) is { Change: "demotion" } step && states.IndexOf(step.To) is var index and >= 0 && index < current)
                {
                    Enter(definition, plan, step.To, "demotion", "evidence", $"{definition.Gates!.Identity}: {step.Reasons[0]}", demotion: true);
                    return true;
                }

                continue;
            }

            var target = demotion.To == WorkflowDefinition.DownTarget ? current > 0 ? states[current - 1] : null : demotion.To;
            if (target is not null && states.IndexOf(target) < current && definition.Conditions!.Evaluator<EvidenceContext>().When(condition, context))
            {
                Enter(definition, plan, target, "demotion", "evidence", definition.Conditions.File.Rules[condition].When.Text.Trim(), demotion: true);
                return true;
            }
        }

        return false;
    }

    /// <summary>Takes the first way out on evidence that passes: one step per signal, so a ladder is climbed one level at a time.</summary>
    public void Advance(WorkflowDefinition definition, WorkflowPlan plan, EvidenceContext context, string actor, WorkflowSnapshot snapshot)
    {
        var exit = definition.State(plan.Instance.State).OnEvidence.FirstOrDefault(exit => Passes(definition, plan, exit, context, snapshot));
        if (exit is not null)
        {
            Enter(definition, plan, exit.To, "evidence", actor, exit.Gate is { } gate ? $"gate {gate} passed under {definition.Gates!.Identity}" : $"{definition.Conditions!.File.Rules[exit.Condition!.Value].When.Text.Trim()} under {definition.Conditions.Identity}", demotion: false);
        }
    }

    private static bool Passes(WorkflowDefinition definition, WorkflowPlan plan, EvidenceExit exit, EvidenceContext context, WorkflowSnapshot snapshot)
    {
        if (exit.Gate is not null && definition.Ladder is { } ladder)
        {
            return Maturity(ladder, plan, context) is { Change: "promotion" } step && step.To == exit.To;
        }

        if (exit.Gate is { } stage)
        {
            var assessment = snapshot.Judge(definition.Gates!, plan.Ledger);
            return assessment.StageBlockers[PromotionStages.Parse(stage)].Count == 0;
        }

        return definition.Conditions!.Evaluator<EvidenceContext>().When(exit.Condition!.Value, context);
    }

    /// <summary>The ladder's step for the plan's instance in its current state on this signal's evidence, judged once.</summary>
    private static Governance.MaturityStep? Maturity(Governance.MaturityLadder ladder, WorkflowPlan plan, EvidenceContext context)
    {
        if (plan.Maturity is { } judged && judged.State == plan.Instance.State)
        {
            return judged.Step;
        }

        var step = MaturityGate.Judge(ladder, plan.Instance.State, context);
        plan.Maturity = (plan.Instance.State, step);
        return step;
    }

    public string Stamp() => JsonText.Timestamp(clock.GetUtcNow());

    /// <summary>
    /// How <paramref name="target"/> would let an instance leave <paramref name="state"/> with less approval than
    /// <paramref name="current"/> asks for; null when it asks for the same or more: an approval with no other roles,
    /// no smaller quorum and no fewer distinct roles, and no way out by evidence or timer that the current one lacks.
    /// </summary>
    public static string? WeakerApproval(WorkflowDefinition current, WorkflowDefinition target, string state)
    {
        var (from, to) = (current.State(state), target.State(state));
        if (from.Approval is not { } needed)
        {
            return null;
        }

        if (to.Approval is not { } offered)
        {
            return $"it waits for {needed.Quorum} of {string.Join(" + ", needed.Roles)}, and {target.Identity} asks for no approval there";
        }

        if (offered.Quorum < needed.Quorum || offered.Roles.Except(needed.Roles, StringComparer.Ordinal).Any()
            || (needed.DistinctRoles && (!offered.DistinctRoles || offered.Roles.Count < Math.Min(needed.Quorum, needed.Roles.Count))))
        {
            return $"it waits for {needed.Quorum} of {string.Join(" + ", needed.Roles)}{(needed.DistinctRoles ? " (distinct roles)" : "")}, and {target.Identity} asks for {offered.Quorum} of {string.Join(" + ", offered.Roles)}{(offered.DistinctRoles ? " (distinct roles)" : "")}";
        }

        var exits = from.OnEvidence.Select(exit => Exit(current, exit)).ToHashSet(StringComparer.Ordinal);
        if (to.OnEvidence.Select(exit => Exit(target, exit)).FirstOrDefault(exit => !exits.Contains(exit)) is { } added)
        {
            return $"{target.Identity} adds a way out on evidence ({added})";
        }

        return to.After is { } timer && (from.After is null || from.After.To != timer.To || timer.After < from.After.After)
            ? $"{target.Identity} adds a way out after {System.Xml.XmlConvert.ToString(timer.After)} to {timer.To}"
            : null;
    }

    private static string Exit(WorkflowDefinition definition, EvidenceExit exit) =>
        $"{(exit.Gate is { } gate ? $"gate {gate}" : "")}{(exit.Condition is { } condition ? $"when {definition.Conditions!.File.Rules[condition].When.Text.Trim()}" : "")} → {exit.To}";
}

/// <summary>What the conditions of a subject's instances read, read once per signal.</summary>
internal sealed class WorkflowSnapshot(JournalStore store, TimeProvider clock, string subject)
{
    private Dictionary<string, EvidenceRecord>? byKind;
    private DiaryMetrics? metrics;
    private PolicyLedgerRecord? ledger;
    private bool? verified;
    private readonly Dictionary<RuleBundle, Assessment> judged = [];

    /// <summary>Whether the journal verifies, walked once per signal and only when a condition asks.</summary>
    private bool Verified() => verified ??= JournalVerifier.Verify(store).Intact;

    public DiaryMetrics Metrics => metrics ??= DecisionDiary.Metrics(store, subject, DiaryWindow.All);

    public PolicyLedgerRecord Ledger => ledger ??= PolicyLedger.Read(store, subject);

    /// <summary>The gates' verdict on the subject; judged once per gates file unless the plan changed the ledger.</summary>
    public Assessment Judge(RuleBundle gates, PolicyLedgerRecord? changed)
    {
        if (changed is not null)
        {
            return new GraduationAssessor(gates).Judge(Metrics, changed);
        }

        if (!judged.TryGetValue(gates, out var assessment))
        {
            judged[gates] = assessment = new GraduationAssessor(gates).Judge(Metrics, Ledger);
        }

        return assessment;
    }

    public EvidenceContext Context(WorkflowDefinition definition, WorkflowInstance instance, EvidenceRecord latest)
    {
        if (byKind is null)
        {
            byKind = new Dictionary<string, EvidenceRecord>(StringComparer.Ordinal);
            if (store.Load(WorkflowRuntime.EvidenceProjection, subject) is { } recorded)
            {
                using var document = JournalException.Parsed(recorded.Key, () => JsonDocument.Parse(recorded.Value));
                foreach (var kind in document.RootElement.EnumerateObject())
                {
                    byKind[kind.Name] = new EvidenceRecord(kind.Name, null, kind.Value);
                }
            }
        }

        var kinds = latest.Kind.Length > 0 ? new Dictionary<string, EvidenceRecord>(byKind) { [latest.Kind] = latest } : byKind;
        return new EvidenceContext(subject, instance.State, latest, kinds, new PromotionContext(Metrics, Ledger), definition.State(instance.State).Attributes, clock.GetUtcNow(), Verified);
    }
}
