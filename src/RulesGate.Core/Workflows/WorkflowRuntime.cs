using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Workflows;

/// <summary>A signal that names an idempotency key already handled: acknowledged, nothing done.</summary>
public sealed class DuplicateSignalException(string key) : Exception($"Signal '{key}' was already handled; nothing was done.");

/// <summary>Another process changed the instance between reading and writing; nothing was written.</summary>
public sealed class WorkflowConflictException(string instance) : Exception($"Instance {instance} changed while this signal was being handled; nothing was written. Send it again.");

/// <summary>A signal the instance or its definition does not allow (a vote nobody may cast, an unknown instance…): one sentence.</summary>
public sealed class WorkflowRefusedException(string message) : Exception(message);

/// <summary>
/// Runs workflow instances durably on the journal. Each signal (start, evidence, vote, timer) is handled in one
/// transaction: the instance's events, the ledger changes its activities make, its new projection and the signal's
/// idempotency key, under a check that the instance is still at the version the signal was computed from.
/// </summary>
/// <param name="promotionLog">Where a stage change made by <c>set_stage</c> is logged, like one made by <c>promote</c>; by default <c>{artifacts}/governance/policy_promotions.log</c>.</param>
/// <param name="deferEffects">
/// Leave the effects of a signal (renders, notices, log lines) in the outbox for whoever runs <see cref="Effects"/>
/// (a server's background loop); by default each signal runs the pending effects once its transaction is durable.
/// </param>
public sealed class WorkflowRuntime(JournalStore store, WorkflowLoader loader, WorkflowRoles roles, TimeProvider? time = null, string artifacts = "artifacts", WorkflowWebhook? webhook = null, string? promotionLog = null, bool deferEffects = false)
{
    /// <summary>The projection of the signals already handled, by idempotency key.</summary>
    private const string SignalKeys = "workflow.key";

    /// <summary>The projection of the latest evidence of each kind, one document per subject: an object by kind.</summary>
    private const string EvidenceProjection = "evidence";

    private readonly TimeProvider clock = time ?? TimeProvider.System;

    /// <summary>The dispatcher of the effects committed transitions leave in the outbox.</summary>
    public WorkflowEffects Effects { get; } = new(store, artifacts, promotionLog ?? Path.Combine(artifacts, "governance", "policy_promotions.log"), webhook);
    private readonly Dictionary<string, WorkflowDefinition> definitions = new(StringComparer.Ordinal);

    /// <summary>Starts an instance of <paramref name="definition"/> for a subject; the same key (by default workflow and subject) starts it once.</summary>
    public WorkflowInstance Start(WorkflowDefinition definition, string subject, string actor, string? key = null)
    {
        subject = Identities.Id(subject, "subject");
        actor = Identities.Name(actor, "actor");
        var id = key is null ? $"{definition.Id}:{subject}" : $"{definition.Id}:{subject}:{Identities.Id(key, "key")}";
        var signal = $"start:{id}";
        if (Find(id) is { } existing)
        {
            return existing;
        }

        definitions[definition.Hash] = definition;
        var plan = StartPlan(definition, id, subject, actor, new Snapshot(store, clock, subject));
        return Commit(plan, signal, new KeyValuePair<string, byte[]>(definition.Hash, definition.Bytes));
    }

    private Plan StartPlan(WorkflowDefinition definition, string id, string subject, string actor, Snapshot snapshot)
    {
        var instance = new WorkflowInstance(id, definition.Id, definition.Version, definition.Hash, definition.Path, subject, actor, definition.Initial, Stamp(), null, [], [], 0);
        var plan = new Plan(instance, []);
        plan.Event("workflow.started", writer =>
        {
            writer.WriteString("workflow"u8, definition.Identity);
            writer.WriteString("subject"u8, subject);
            writer.WriteString("requester"u8, actor);
        });
        Enter(definition, plan, definition.Initial, "start", actor, "", demotion: false);

        // The evidence already recorded about the subject may take the first step at once.
        Advance(definition, plan, snapshot.Context(definition, plan.Instance, EvidenceRecord.None), "evidence at start", snapshot);
        return plan;
    }

    /// <summary>
    /// Records evidence about a subject and wakes every instance of it: demotions first, then the ways out of the
    /// state it waits in. Returns the instances that moved.
    /// </summary>
    public IReadOnlyList<WorkflowInstance> Evidence(string subject, string kind, JsonElement fields, string? key = null)
    {
        subject = Identities.Id(subject, "subject");
        kind = Identities.Id(kind, "evidence kind");
        key = key is null ? null : Identities.Id(key, "key");
        var body = fields.GetRawText();
        key ??= $"evidence:{subject}:{kind}:{Hash(body)}";
        if (Claimed(key))
        {
            throw new DuplicateSignalException(key);
        }

        var entry = new JournalEntry($"evidence:{subject}", "evidence.submitted", JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("subject"u8, subject);
            writer.WriteString("kind"u8, kind);
            writer.WriteString("key"u8, key);
            writer.WritePropertyName("evidence"u8);
            fields.WriteTo(writer);
            writer.WriteEndObject();
        }, pretty: false));
        void Record(JournalTransaction scope, JournalEvent recorded)
        {
            Claim(scope, key, recorded.Seq);
            var latest = scope.Load(EvidenceProjection, subject)?.Value;
            scope.Store(EvidenceProjection, subject, JournalException.Parsed($"{EvidenceProjection}:{subject}", () => WithKind(latest, kind, body)), recorded.Seq);
        }

        // The evidence and every transition it causes are one transaction: a crash leaves all of it or none,
        // and a repeated key finds it all done. An instance changed meanwhile by another process means: again.
        for (var attempt = 1; ; attempt++)
        {
            var record = new EvidenceRecord(kind, clock.GetUtcNow(), fields);
            var snapshot = new Snapshot(store, clock, subject);
            var plans = new List<(Plan Plan, string? Signal)>();
            foreach (var instance in List().Where(i => i.Subject == subject))
            {
                var definition = DefinitionOf(instance);
                var plan = new Plan(instance, []);
                var context = snapshot.Context(definition, instance, record);
                if (!Demote(definition, plan, context) && !definition.State(instance.State).Final)
                {
                    Advance(definition, plan, context, $"{kind} evidence", snapshot);
                }

                if (plan.Entries.Count > 0)
                {
                    plans.Add((plan, null));
                }
            }

            try
            {
                return CommitBatch(plans, null, (entry, Record));
            }
            catch (WorkflowConflictException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>Starts one instance per key in batches; keys already started are left as they are.</summary>
    public IReadOnlyList<WorkflowInstance> StartMany(WorkflowDefinition definition, string subject, IReadOnlyList<string> keys, string actor)
    {
        definitions[definition.Hash] = definition;
        var plans = new List<(Plan Plan, string? Signal)>();
        subject = Identities.Id(subject, "subject");
        actor = Identities.Name(actor, "actor");
        var snapshot = new Snapshot(store, clock, subject);
        foreach (var key in keys)
        {
            var id = $"{definition.Id}:{subject}:{Identities.Id(key, "key")}";
            if (Find(id) is null)
            {
                var plan = StartPlan(definition, id, subject, actor, snapshot);
                plans.Add((plan, $"start:{id}"));
            }
        }

        return CommitAll(plans, new KeyValuePair<string, byte[]>(definition.Hash, definition.Bytes));
    }

    /// <summary>An approval or a rejection by a role holder, for the approval the instance waits on.</summary>
    /// <exception cref="WorkflowRefusedException">The actor may not vote here; the sentence says why.</exception>
    public WorkflowInstance Vote(string instanceId, string actor, string role, bool approve, string reason, string? key = null)
    {
        var instance = Find(instanceId) ?? throw new WorkflowRefusedException($"There is no instance {instanceId}.");
        var definition = DefinitionOf(instance);
        actor = Identities.Name(actor, "actor");
        role = Identities.Name(role, "role");
        reason = Identities.Text(reason, "reason");
        var signal = key ?? $"vote:{instance.Id}:{instance.Seq}:{actor}:{(approve ? "approve" : "reject")}";
        if (Claimed(signal))
        {
            throw new DuplicateSignalException(signal);
        }

        var approval = definition.State(instance.State).Approval ?? throw new WorkflowRefusedException($"{instance.Id} is in {instance.State}, which waits for no approval.");
        if (!approval.Roles.Contains(role))
        {
            throw new WorkflowRefusedException($"{instance.State} is approved by {string.Join(" or ", approval.Roles)}, not by {role}.");
        }

        if (!roles.Holds(actor, role))
        {
            throw new WorkflowRefusedException($"{actor} does not hold the role {role} in {WorkflowRoles.DefaultPath}.");
        }

        if (string.Equals(actor, instance.Requester, StringComparison.OrdinalIgnoreCase))
        {
            throw new WorkflowRefusedException($"{actor} requested {instance.Id} and may not approve or reject it.");
        }

        if (instance.Votes.Any(vote => vote.Actor == actor))
        {
            throw new WorkflowRefusedException($"{actor} has already approved {instance.Id} in {instance.State}; a second vote by the same person does not count.");
        }

        if (approve && approval.DistinctRoles && instance.Votes.Any(vote => vote.Role == role))
        {
            throw new WorkflowRefusedException($"{instance.State} needs approvals from {string.Join(" and ", approval.Roles)}; {role} has approved already.");
        }

        var plan = new Plan(instance, []);
        plan.Event(approve ? "workflow.approved" : "workflow.rejected", writer =>
        {
            writer.WriteString("actor"u8, actor);
            writer.WriteString("role"u8, role);
            writer.WriteString("reason"u8, reason);
        });
        if (!approve)
        {
            Enter(definition, plan, approval.Reject, "rejection", actor, $"{role}: {reason}", demotion: false);
        }
        else
        {
            plan.Instance = plan.Instance with { Votes = [.. plan.Instance.Votes, new WorkflowVote(actor, role, reason, Stamp())] };
            if (plan.Instance.Votes.Count >= approval.Quorum)
            {
                plan.Approvals.AddRange(plan.Instance.Votes.Select(vote => vote.Role));
                if (definition.Subject == "policy")
                {
                    // The approving roles go to the policy's ledger, with the stage the approval leads to if it sets one.
                    plan.LedgerBase ??= PolicyLedger.Read(store, instance.Subject);
                    plan.Ledger ??= plan.LedgerBase with { Approvals = PolicyLedgerRecord.Normalize(plan.LedgerBase.Approvals.Concat(plan.Approvals)) };
                }

                Enter(definition, plan, approval.Approve, "approval", actor, string.Join(", ", plan.Instance.Votes.Select(v => $"{v.Actor} ({v.Role})")), demotion: false);
            }
        }

        return Commit(plan, signal);
    }

    /// <summary>Fires every timer due at <paramref name="now"/>: approval timeouts escalate (and move when on_timeout says), <c>after</c> timers move.</summary>
    public IReadOnlyList<WorkflowInstance> Tick(DateTimeOffset now)
    {
        var fired = new List<WorkflowInstance>();
        foreach (var instance in List().Where(i => i.Due is { } due && due <= now))
        {
            var definition = DefinitionOf(instance);
            var state = definition.State(instance.State);
            var plan = new Plan(instance, []) { Now = now };
            if (state.Approval is { } approval)
            {
                plan.Event("workflow.escalated", writer =>
                {
                    writer.WriteString("at"u8, JournalStore.Timestamp(now));
                    writer.WritePropertyName("to"u8);
                    JsonText.Value(writer, approval.EscalateTo);
                    writer.WriteString("waiting_since"u8, instance.EnteredAt);
                });
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

            if (TryCommit(plan, $"tick:{instance.Id}:{instance.Seq}") is { } moved)
            {
                fired.Add(moved);
            }
        }

        return fired;
    }

    /// <summary>
    /// Moves an instance to another version of its definition, in the same state, journaled with who and why.
    /// With <paramref name="dryRun"/>, checks and returns the result without writing.
    /// </summary>
    /// <exception cref="WorkflowRefusedException">Another workflow, the same version, or a version without the instance's state.</exception>
    public WorkflowInstance Migrate(string instanceId, WorkflowDefinition target, string actor, string reason, bool dryRun = false)
    {
        var instance = Find(instanceId) ?? throw new WorkflowRefusedException($"There is no instance {instanceId}.");
        if (target.Id != instance.Workflow)
        {
            throw new WorkflowRefusedException($"{instance.Id} runs {instance.Workflow}; it cannot move to {target.Id}.");
        }

        if (target.Hash == instance.Hash)
        {
            throw new WorkflowRefusedException($"{instance.Id} already runs {target.Identity}.");
        }

        if (!target.HasState(instance.State))
        {
            throw new WorkflowRefusedException($"{target.Identity} has no state {instance.State}, where {instance.Id} is; migrate it after it leaves that state, or add the state.");
        }

        if (string.IsNullOrWhiteSpace(actor) || string.IsNullOrWhiteSpace(reason))
        {
            throw new WorkflowRefusedException("A migration needs --actor and --reason: who moves the instance and why.");
        }

        actor = Identities.Name(actor, "actor");
        reason = Identities.Text(reason, "reason");
        if (string.Equals(actor, instance.Requester, StringComparison.OrdinalIgnoreCase))
        {
            throw new WorkflowRefusedException($"{actor} requested {instance.Id} and may not migrate it.");
        }

        if (WeakerApproval(DefinitionOf(instance), target, instance.State) is { } weaker)
        {
            throw new WorkflowRefusedException($"{target.Identity} would let {instance.Id} leave {instance.State} with less approval than it still needs: {weaker}.");
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
        if (dryRun)
        {
            return migrated;
        }

        definitions[target.Hash] = target;
        var plan = new Plan(instance, []) { Instance = migrated };
        plan.Event("workflow.migrated", writer =>
        {
            writer.WriteString("from"u8, $"{instance.Workflow}@{instance.Version}#{instance.Hash[..12]}");
            writer.WriteString("to"u8, target.Identity);
            writer.WriteString("actor"u8, actor);
            writer.WriteString("reason"u8, reason);
        });
        return Commit(plan, $"migrate:{instance.Id}:{instance.Seq}:{target.Hash}", new KeyValuePair<string, byte[]>(target.Hash, target.Bytes));
    }

    public WorkflowInstance? Find(string id) =>
        store.Load(WorkflowInstance.Projection, id.Trim()) is { } state ? JournalException.Parsed(state.Key, () => WorkflowInstance.Parse(state.Value, state.Seq)) : null;

    public IReadOnlyList<WorkflowInstance> List() =>
        [.. store.All(WorkflowInstance.Projection).Select(state => JournalException.Parsed(state.Key, () => WorkflowInstance.Parse(state.Value, state.Seq)))];

    /// <summary>The definition an instance is pinned to: the bytes it started with, kept in the journal.</summary>
    public WorkflowDefinition DefinitionOf(WorkflowInstance instance)
    {
        if (definitions.TryGetValue(instance.Hash, out var known))
        {
            return known;
        }

        var bytes = store.Blob(instance.Hash) ?? throw JournalException.Missing($"The definition {instance.Workflow}@{instance.Version} of {instance.Id} is missing from the journal.");
        var loaded = loader.Parse(instance.DefinitionPath, bytes);
        return definitions[instance.Hash] = loaded.Value ?? throw JournalException.Missing($"The definition of {instance.Id} no longer loads: {loaded.Diagnostics[0]}");
    }

    /// <summary>What it waits for: <c>evidence</c>, <c>approval</c> and/or <c>timer</c>.</summary>
    public IReadOnlyList<string> Bookmarks(WorkflowInstance instance)
    {
        var definition = DefinitionOf(instance);
        var state = definition.State(instance.State);
        var waits = new List<string>();
        if (state.OnEvidence.Count > 0 || definition.Demotions.Count > 0)
        {
            waits.Add("evidence");
        }

        if (state.Approval is not null)
        {
            waits.Add("approval");
        }

        if (instance.Due is not null)
        {
            waits.Add("timer");
        }

        return waits;
    }

    /// <summary>The events, ledger changes and projection one signal produces, built before anything is written.</summary>
    private sealed class Plan(WorkflowInstance instance, List<(JournalEntry Entry, PolicyLedger.Change? Ledger)> entries)
    {
        public WorkflowInstance Before { get; } = instance;

        /// <summary>When the plan's steps happen: the time a tick was asked to fire at; null for now.</summary>
        public DateTimeOffset? Now { get; init; }

        public WorkflowInstance Instance { get; set; } = instance;

        public List<(JournalEntry Entry, PolicyLedger.Change? Ledger)> Entries { get; } = entries;

        /// <summary>The subject's ledger record when the plan first touched it; every stage change of the plan is one change from it.</summary>
        public PolicyLedgerRecord? LedgerBase { get; set; }

        /// <summary>The ledger as the plan leaves it, for gates judged after a stage change within the same signal.</summary>
        public PolicyLedgerRecord? Ledger { get; set; }

        public bool Demoted { get; set; }

        /// <summary>The roles whose approvals moved the instance in this signal; they go to the ledger with its stage.</summary>
        public List<string> Approvals { get; } = [];

        /// <summary>What the plan asks the world to do once it is durable (a ledger change adds its log line at commit).</summary>
        public List<WorkflowEffect> Effects { get; } = [];

        public void Event(string type, Action<System.Text.Json.Utf8JsonWriter> fields) =>
            Entries.Add((new JournalEntry(Instance.Key, type, JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("instance"u8, Instance.Id);
                writer.WriteString("state"u8, Instance.State);
                fields(writer);
                writer.WriteEndObject();
            }, pretty: false)), null));
    }

    /// <summary>Moves the plan's instance into <paramref name="target"/> and runs its activities.</summary>
    private void Enter(WorkflowDefinition definition, Plan plan, string target, string cause, string actor, string detail, bool demotion)
    {
        var from = cause == "start" ? "" : plan.Instance.State;
        var state = definition.State(target);
        var now = plan.Now ?? clock.GetUtcNow();
        var at = JournalStore.Timestamp(now);
        plan.Instance = plan.Instance with
        {
            State = target,
            EnteredAt = at,
            Votes = [],
            Due = state.Approval?.Timeout is { } timeout ? now + timeout : state.After is { } after ? now + after.After : null,
            History = [.. plan.Instance.History, new WorkflowStep(at, from, target, cause, actor, detail)],
        };
        plan.Event("workflow.entered", writer =>
        {
            writer.WriteString("from"u8, from);
            writer.WriteString("cause"u8, cause);
            writer.WriteString("actor"u8, actor);
            writer.WriteString("detail"u8, detail);
        });
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
                    plan.Event("workflow.notice", writer => writer.WriteString("text"u8, notify.Text));
                    plan.Effects.Add(new WorkflowEffect.Notify(notify.Text));
                    break;
                case WorkflowActivity.Render render:
                    plan.Effects.Add(new WorkflowEffect.Render(render.Template, target));
                    break;
            }
        }
    }

    /// <summary>Takes the first demotion that holds and lowers the instance; false when none does.</summary>
    private bool Demote(WorkflowDefinition definition, Plan plan, EvidenceContext context)
    {
        var states = definition.States.Select(s => s.Name).ToList();
        var current = states.IndexOf(plan.Instance.State);
        foreach (var demotion in definition.Demotions)
        {
            var target = demotion.To == WorkflowDefinition.DownTarget ? current > 0 ? states[current - 1] : null : demotion.To;
            if (target is not null && states.IndexOf(target) < current && definition.Conditions!.Evaluator<EvidenceContext>().When(demotion.Condition, context))
            {
                Enter(definition, plan, target, "demotion", "evidence", definition.Conditions.File.Rules[demotion.Condition].When.Text.Trim(), demotion: true);
                return true;
            }
        }

        return false;
    }

    /// <summary>Takes the first way out on evidence that passes: one step per signal, so a ladder is climbed one level at a time.</summary>
    private void Advance(WorkflowDefinition definition, Plan plan, EvidenceContext context, string actor, Snapshot snapshot)
    {
        var exit = definition.State(plan.Instance.State).OnEvidence.FirstOrDefault(exit => Passes(definition, plan, exit, context, snapshot));
        if (exit is not null)
        {
            Enter(definition, plan, exit.To, "evidence", actor, exit.Gate is { } gate ? $"gate {gate} passed under {definition.Gates!.Identity}" : $"{definition.Conditions!.File.Rules[exit.Condition!.Value].When.Text.Trim()} under {definition.Conditions.Identity}", demotion: false);
        }
    }

    private static bool Passes(WorkflowDefinition definition, Plan plan, EvidenceExit exit, EvidenceContext context, Snapshot snapshot)
    {
        if (exit.Gate is { } gate)
        {
            var assessment = snapshot.Judge(definition.Gates!, plan.Ledger);
            return assessment.StageBlockers[PromotionStages.Parse(gate)].Count == 0;
        }

        return definition.Conditions!.Evaluator<EvidenceContext>().When(exit.Condition!.Value, context);
    }

    /// <summary>What the conditions of a subject's instances read, read once per signal.</summary>
    private sealed class Snapshot(JournalStore store, TimeProvider clock, string subject)
    {
        private Dictionary<string, EvidenceRecord>? byKind;
        private DiaryMetrics? metrics;
        private PolicyLedgerRecord? ledger;
        private readonly Dictionary<RuleBundle, Assessment> judged = [];

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
                if (store.Load(EvidenceProjection, subject) is { } recorded)
                {
                    using var document = JournalException.Parsed(recorded.Key, () => JsonDocument.Parse(recorded.Value));
                    foreach (var kind in document.RootElement.EnumerateObject())
                    {
                        byKind[kind.Name] = new EvidenceRecord(kind.Name, null, kind.Value);
                    }
                }
            }

            var kinds = latest.Kind.Length > 0 ? new Dictionary<string, EvidenceRecord>(byKind) { [latest.Kind] = latest } : byKind;
            return new EvidenceContext(subject, instance.State, latest, kinds, new PromotionContext(Metrics, Ledger), definition.State(instance.State).Attributes, clock.GetUtcNow());
        }
    }

    /// <summary>Commits many plans a batch per transaction; a batch that hits a duplicate key or a conflict is committed plan by plan.</summary>
    private List<WorkflowInstance> CommitAll(List<(Plan Plan, string? Signal)> plans, KeyValuePair<string, byte[]>? blob = null)
    {
        const int Batch = 512;
        var written = new List<WorkflowInstance>();
        foreach (var chunk in plans.Chunk(Batch))
        {
            try
            {
                written.AddRange(CommitBatch(chunk, blob));
            }
            catch (Exception failure) when (failure is DuplicateSignalException or WorkflowConflictException)
            {
                written.AddRange(chunk.Select(item => TryCommit(item.Plan, item.Signal!, blob)).OfType<WorkflowInstance>());
            }
        }

        return written;
    }

    private WorkflowInstance? TryCommit(Plan plan, string signal, KeyValuePair<string, byte[]>? blob = null)
    {
        try
        {
            return Commit(plan, signal, blob);
        }
        catch (DuplicateSignalException)
        {
            return null;
        }
    }

    /// <summary>One transaction: the signal's key, the events, the ledger changes and the projection, if the instance is still where the plan found it.</summary>
    private WorkflowInstance Commit(Plan plan, string signal, KeyValuePair<string, byte[]>? blob = null) => CommitBatch([(plan, signal)], blob)[0];

    /// <summary>
    /// Several plans in one transaction, each under its own version check (and key, when it has one), after an
    /// optional <paramref name="first"/> event with its own projection; all or none.
    /// </summary>
    private List<WorkflowInstance> CommitBatch(
        IReadOnlyList<(Plan Plan, string? Signal)> batch,
        KeyValuePair<string, byte[]>? blob,
        (JournalEntry Entry, Action<JournalTransaction, JournalEvent> Project)? first = null)
    {
        foreach (var (plan, signal) in batch)
        {
            if (plan.Ledger is { } ledger && plan.LedgerBase is { } original && (ledger.DeclaredStage != original.DeclaredStage || plan.Approvals.Count > 0))
            {
                var change = PolicyLedger.Prepare(original, new PromotionRequest(
                    plan.Instance.Subject, ledger.DeclaredStage, $"workflow {plan.Instance.Id}", plan.Approvals, AllowSingleApproval: true, AllowRegression: plan.Demoted));
                plan.Entries.Add((change.Entry, change));
                plan.LedgerBase = null;
            }

            if (plan.Entries.Count == 0)
            {
                plan.Event("workflow.signal", writer => writer.WriteString("key"u8, signal ?? ""));
            }
        }

        // The effects each plan leaves in the outbox: its own, and a log line for a ledger change.
        var effects = batch.Select(item => (IReadOnlyList<WorkflowEffect>)[
            .. item.Plan.Effects.Where(effect => effect is not WorkflowEffect.Notify || Effects.Posts),
            .. Effects.Logs && item.Plan.Entries.Any(entry => entry.Ledger is not null) ? [new WorkflowEffect.Log("")] : Array.Empty<WorkflowEffect>()]).ToList();
        var written = new List<WorkflowInstance>(batch.Count);
        JournalEntry[] lead = first is { } f ? [f.Entry] : [];
        var entries = batch.SelectMany((item, i) => item.Plan.Entries.Select(e => e.Entry).Concat(effects[i].Select(effect => WorkflowEffects.Event(item.Plan.Instance, effect))));
        store.Append([.. lead, .. entries], blob is { } b ? [b] : null, (scope, events) =>
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
                offset += plan.Entries.Count;
                foreach (var effect in effects[p])
                {
                    WorkflowEffects.Enqueue(scope, events[offset++], instance, effect is WorkflowEffect.Log ? new WorkflowEffect.Log(PromotionLog.Line(ledger!)) : effect);
                }

                written.Add(instance);
            }
        });
        if (!deferEffects)
        {
            Effects.RunPendingAsync().GetAwaiter().GetResult();
        }

        return written;
    }

    private bool Claimed(string signal) => store.Load(SignalKeys, signal) is not null;

    private static void Claim(JournalTransaction scope, string signal, long seq)
    {
        if (scope.Load(SignalKeys, signal) is not null)
        {
            throw new DuplicateSignalException(signal);
        }

        scope.Store(SignalKeys, signal, seq.ToString(CultureInfo.InvariantCulture), seq);
    }

    private string Stamp() => JournalStore.Timestamp(clock.GetUtcNow());

    /// <summary>A subject's evidence document with <paramref name="kind"/> set to <paramref name="body"/>; kinds in ordinal order.</summary>
    private static string WithKind(string? document, string kind, string body)
    {
        using var parsed = JsonDocument.Parse(document ?? "{}");
        var kinds = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in parsed.RootElement.EnumerateObject())
        {
            kinds[property.Name] = property.Value.GetRawText();
        }

        kinds[kind] = body;
        return JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            foreach (var (name, value) in kinds)
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(value, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }, pretty: false);
    }

    /// <summary>
    /// How <paramref name="target"/> would let an instance leave <paramref name="state"/> with less approval than
    /// <paramref name="current"/> asks for; null when it asks for the same or more: an approval with no other roles,
    /// no smaller quorum and no fewer distinct roles, and no way out by evidence or timer that the current one lacks.
    /// </summary>
    private static string? WeakerApproval(WorkflowDefinition current, WorkflowDefinition target, string state)
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

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
