using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;
using RulesGate.Core.Signing;

namespace RulesGate.Core.Workflows;

/// <summary>Another process changed the instance between reading and writing; nothing was written.</summary>
internal sealed class WorkflowConflictException(string instance)
    : RefusalException("workflow.conflict", instance, $"Instance {instance} changed while this signal was being handled; nothing was written. Send it again.");

/// <summary>A signal the instance or its definition does not allow (a vote nobody may cast, an unknown instance…): one sentence.</summary>
internal sealed class WorkflowRefusedException(string instance, string message) : RefusalException("workflow.refused", instance, message);

/// <summary>
/// What a signal did: the instances it moved (for a vote, the instance voted on), or nothing because its
/// idempotency key was handled before — acknowledged, not an error.
/// </summary>
public sealed record SignalOutcome(string Key, bool AlreadyHandled, IReadOnlyList<WorkflowInstance> Moved)
{
    /// <summary>The one instance a vote changed.</summary>
    /// <exception cref="InvalidOperationException">The signal was handled before, and changed nothing now.</exception>
    public WorkflowInstance Instance => Moved is [var one] ? one : throw new InvalidOperationException($"Signal '{Key}' changed {Moved.Count} instances.");

    /// <summary>The instances the evidence started first, for workflows that start on its kind (<c>starts_on:</c>).</summary>
    public IReadOnlyList<WorkflowInstance> Started { get; init; } = [];

    /// <summary>The maturity ladders the evidence judged and left where they are, each with its blockers in its gates file's words.</summary>
    public IReadOnlyList<HeldInstance> Held { get; init; } = [];

    /// <summary>The sentence for a signal handled before.</summary>
    public string Acknowledgement => $"Signal '{Key}' was already handled; nothing was done.";

    internal static SignalOutcome Handled(string key) => new(key, true, []);
}

/// <summary>An instance the evidence did not move, in <paramref name="State"/>, and what keeps it there ("100 trades; 120 needed.").</summary>
public sealed record HeldInstance(string Instance, string State, IReadOnlyList<string> Blockers);

/// <summary>
/// Runs workflow instances durably on the journal. Each signal (start, evidence, vote, timer) is planned by
/// <see cref="WorkflowPlanner"/>, committed by <see cref="WorkflowCommitter"/> in one transaction (the instance's
/// events, the ledger changes its activities make, its new projection, the signal's idempotency key and the effects
/// it leaves in the outbox, under a check that the instance is still at the version the signal was planned from).
/// The runtime never runs an effect itself: whoever holds <see cref="Effects"/> does, beside the writer (a server's
/// background service; the CLI once its command is done).
/// </summary>
public sealed class WorkflowRuntime
{
    private readonly JournalStore store;
    private readonly WorkflowLoader loader;
    private readonly WorkflowRoles roles;
    private readonly TimeProvider clock;
    private readonly WorkflowPlanner planner;
    private readonly WorkflowCommitter committer;
    private readonly Dictionary<string, WorkflowDefinition> definitions = new(StringComparer.Ordinal);
    private readonly Func<IEnumerable<WorkflowDefinition>>? workflows;

    /// <summary>Who requested an instance that evidence started.</summary>
    public const string StartedBy = "rulesgate";

    /// <summary>The projection of the latest evidence of each kind, one document per subject: an object by kind.</summary>
    internal const string EvidenceProjection = "evidence";

    /// <param name="promotionLog">Where a stage change made by <c>set_stage</c> is logged, like one made by <c>promote</c>; by default <c>{artifacts}/governance/policy_promotions.log</c>.</param>
    /// <param name="workflows">
    /// The workflows folder's definitions, as loaded now: on evidence of a kind one declares in <c>starts_on</c>, about
    /// a subject without an instance of it, one is started first; and a state the standing file links to another
    /// ladder starts that one. Null: none.
    /// </param>
    /// <param name="standing">How the desk's ladders relate (<c>workflows/standing.yaml</c>), as loaded now; null: each ladder stands alone.</param>
    /// <param name="activity">
    /// What a move leads to beyond the workflow (<see cref="Application.PatchApprovals.Activity"/>: an approved patch
    /// proposal applied), planned from the instance as the move leaves it and written in the move's own transaction, so
    /// a vote means the same on every path; null: nothing.
    /// </param>
    public WorkflowRuntime(JournalStore store, WorkflowLoader loader, WorkflowRoles roles, TimeProvider? time = null, string artifacts = "artifacts", WorkflowWebhook? webhook = null, string? promotionLog = null, EffectRetry? effectRetry = null, Func<WorkflowInstance, JournalChangeSet?>? activity = null, Func<IEnumerable<WorkflowDefinition>>? workflows = null, Func<StandingDeclaration>? standing = null)
    {
        this.workflows = workflows;
        Standing = standing ?? (static () => StandingDeclaration.None);
        this.store = store;
        this.loader = loader;
        this.roles = roles;
        clock = time ?? TimeProvider.System;
        planner = new WorkflowPlanner(store, clock);
        Effects = new WorkflowEffects(store, artifacts, promotionLog ?? Path.Combine(artifacts, "governance", "policy_promotions.log"), webhook, clock, effectRetry);
        committer = new WorkflowCommitter(store, Effects, Bookmarks, DefinitionOf, Standing, activity);
    }

    /// <summary>How the desk's ladders relate, as loaded now.</summary>
    public Func<StandingDeclaration> Standing { get; }

    /// <summary>The folder's definition of <paramref name="id"/>, as loaded now; null when the runtime has none of that id.</summary>
    public WorkflowDefinition? Workflow(string id) => workflows?.Invoke().FirstOrDefault(definition => definition.Id == id);

    /// <summary>The dispatcher of the effects committed transitions leave in the outbox.</summary>
    public WorkflowEffects Effects { get; }

    /// <summary>Starts an instance of <paramref name="definition"/> for a subject; the same key (by default workflow and subject) starts it once.</summary>
    public WorkflowInstance Start(WorkflowDefinition definition, string subject, string actor, string? key = null) => Start(definition, subject, actor, key, out _);

    /// <summary>As <see cref="Start(WorkflowDefinition, string, string, string?)"/>; <paramref name="started"/> says whether this call started it (false: it was there already, and is returned as it is).</summary>
    public WorkflowInstance Start(WorkflowDefinition definition, string subject, string actor, string? key, out bool started) =>
        Start(definition, subject, actor, key, evidenceKey: null, out started);

    /// <param name="evidenceKey">The evidence whose arrival starts it (<c>starts_on</c>): what a stage its first steps set stands on.</param>
    private WorkflowInstance Start(WorkflowDefinition definition, string subject, string actor, string? key, string? evidenceKey, out bool started)
    {
        subject = Identities.Id(subject, "subject");
        actor = Identities.Name(actor, "actor");
        var id = key is null ? $"{definition.Id}:{subject}" : $"{definition.Id}:{subject}:{Identities.Id(key, "key")}";
        var signal = $"start:{id}";
        started = false;
        if (Find(id) is { } existing)
        {
            return existing;
        }

        definitions[definition.Hash] = definition;
        var snapshot = planner.Snapshot(subject);
        var plan = planner.Start(definition, id, subject, actor, snapshot);
        plan.EvidenceKey = evidenceKey;
        try
        {
            // Started by someone else meanwhile: theirs is the instance.
            if (committer.CommitBatch(Linked([(plan, signal)], snapshot, EvidenceRecord.None), null) is [var mine, ..])
            {
                started = true;
                return mine;
            }
        }
        catch (WorkflowConflictException)
        {
            // Started meanwhile by a move another ladder made (a linked start claims no key): that one is the instance.
        }

        return Find(id)!;
    }

    /// <summary>
    /// Records evidence about a subject and wakes every instance of it: demotions first, then the ways out of the
    /// state it waits in. A workflow that starts on this kind of evidence, and has no instance for the subject yet,
    /// gets one first (<see cref="SignalOutcome.Started"/>). The outcome holds the instances that moved, or says the
    /// key was handled before.
    /// </summary>
    public SignalOutcome Evidence(string subject, string kind, JsonElement fields, string? key = null)
    {
        subject = Identities.Id(subject, "subject");
        kind = Identities.Name(kind, "evidence kind");     // "Trades" and "trades" are one kind, on every path
        key = key is null ? null : Identities.Id(key, "key");
        var body = fields.GetRawText();
        key ??= $"evidence:{subject}:{kind}:{Hash(body)}";
        if (committer.Claimed(key))
        {
            return SignalOutcome.Handled(key);
        }

        // Started in transactions of their own, before the evidence: a crash between leaves an instance that the
        // evidence, given again, moves; starting is idempotent.
        var started = new List<WorkflowInstance>();
        foreach (var starter in workflows?.Invoke().Where(definition => definition.StartsOn.Contains(kind, StringComparer.Ordinal)) ?? [])
        {
            if (Find($"{starter.Id}:{subject}") is null && Start(starter, subject, StartedBy, key: null, evidenceKey: key, out var mine) is var instance && mine)
            {
                started.Add(instance);
            }
        }

        var entry = EventPayload.Entry($"evidence:{subject}", new EvidenceSubmitted(subject, kind, key, fields));
        void Record(JournalTransaction scope, JournalEvent recorded)
        {
            WorkflowCommitter.Claim(scope, key, recorded.Seq);
            var latest = scope.Load(EvidenceProjection, subject)?.Value;
            scope.Store(EvidenceProjection, subject, JournalException.Parsed($"{EvidenceProjection}:{subject}", () => WithKind(latest, kind, body)), recorded.Seq);
        }

        // The evidence and every transition it causes are one transaction: a crash leaves all of it or none,
        // and a repeated key finds it all done. An instance changed meanwhile by another process means: again.
        for (var attempt = 1; ; attempt++)
        {
            var record = new EvidenceRecord(kind, clock.GetUtcNow(), fields);
            var snapshot = planner.Snapshot(subject);
            var plans = new List<(WorkflowPlan Plan, string? Signal)>();
            var held = new List<HeldInstance>();
            foreach (var instance in About(subject))
            {
                var definition = DefinitionOf(instance);
                var plan = planner.Evidence(definition, instance, record, snapshot);
                plan.EvidenceKey = key;
                if (plan.Entries.Count > 0)
                {
                    plans.Add((plan, null));
                }
                else if (plan.Maturity is { Step: { Change: null, Reasons.Count: > 0 } stays })
                {
                    // The ladder's own judgement of this evidence, as the plan made it: why it stays.
                    held.Add(new HeldInstance(instance.Id, instance.State, stays.Reasons));
                }
            }

            try
            {
                if (committer.CommitBatch(Linked(plans, snapshot, record), null, (entry, Record)) is not { } written)
                {
                    return SignalOutcome.Handled(key) with { Started = started };
                }

                started.AddRange(written.Skip(plans.Count));
                return new SignalOutcome(key, false, written[..plans.Count]) { Started = started, Held = held };
            }
            catch (WorkflowConflictException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>
    /// The plans, and after them a start for each ladder the standing file says a state they enter starts
    /// (<c>starts:</c>) for the same subject, unless it has one — and the starts those lead to: committed in one
    /// transaction with the moves, so no crash leaves a ladder moved and the ladder its move starts missing.
    /// </summary>
    /// <param name="latest">The evidence recorded in the same transaction, which a start's first step reads too.</param>
    private List<(WorkflowPlan Plan, string? Signal)> Linked(List<(WorkflowPlan Plan, string? Signal)> plans, WorkflowSnapshot snapshot, EvidenceRecord latest)
    {
        var all = new List<(WorkflowPlan Plan, string? Signal)>(plans);
        var pending = new Queue<WorkflowPlan>(plans.Select(item => item.Plan));
        while (pending.TryDequeue(out var plan))
        {
            var instance = plan.Instance;
            var entered = instance.History.Skip(plan.Before.History.Count).Select(step => step.To).ToHashSet(StringComparer.Ordinal);
            foreach (var link in Standing().Of(DefinitionOf(instance).Subject).Starts.Where(link => link.Ladder == instance.Workflow && entered.Contains(link.Enters)))
            {
                var id = $"{link.Start}:{instance.Subject}";
                if (Workflow(link.Start) is { } ladder
                    && Find(id) is null && !all.Any(item => item.Plan.Instance.Id == id))
                {
                    definitions[ladder.Hash] = ladder;
                    var start = planner.Start(ladder, id, instance.Subject, StartedBy, snapshot, latest);
                    start.EvidenceKey = plan.EvidenceKey;      // what its first steps stand on is what moved the ladder that started it
                    all.Add((start, null));
                    pending.Enqueue(start);
                }
            }
        }

        return all;
    }

    /// <summary>
    /// Where the maturity ladder <paramref name="instance"/> goes next on the latest <c>trades</c> evidence about its
    /// subject, judged by its pinned gates file: a promotion, or no change with each blocker as the file words it
    /// ("100 trades; 50 needed."). Null for a workflow that is not a maturity ladder, or before any trades evidence.
    /// </summary>
    public Governance.MaturityStep? NextStep(WorkflowInstance instance)
    {
        var definition = DefinitionOf(instance);
        if (definition.Ladder is not { } ladder)
        {
            return null;
        }

        var snapshot = planner.Snapshot(instance.Subject);
        var trades = snapshot.Context(definition, instance, EvidenceRecord.None).Evidence[MaturityGate.EvidenceKind];
        return trades.Kind.Length == 0 ? null : MaturityGate.Judge(ladder, instance.State, snapshot.Context(definition, instance, trades));
    }

    /// <summary>Starts one instance per key in batches; keys already started are left as they are.</summary>
    public IReadOnlyList<WorkflowInstance> StartMany(WorkflowDefinition definition, string subject, IReadOnlyList<string> keys, string actor)
    {
        definitions[definition.Hash] = definition;
        var plans = new List<(WorkflowPlan Plan, string? Signal)>();
        subject = Identities.Id(subject, "subject");
        actor = Identities.Name(actor, "actor");
        var snapshot = planner.Snapshot(subject);
        foreach (var key in keys)
        {
            var id = $"{definition.Id}:{subject}:{Identities.Id(key, "key")}";
            if (Find(id) is null)
            {
                var plan = planner.Start(definition, id, subject, actor, snapshot);
                plans.Add((plan, $"start:{id}"));
            }
        }

        return committer.CommitAll(plans, new KeyValuePair<string, byte[]>(definition.Hash, definition.Pinned));
    }

    /// <summary>An approval or a rejection by a role holder, for the approval the instance waits on.</summary>
    /// <returns>The instance as the vote left it, or that the key was handled before.</returns>
    /// <exception cref="WorkflowRefusedException">The actor may not vote here; the sentence says why.</exception>
    /// <exception cref="SignatureRefusedException">The vote does not prove it is the actor's.</exception>
    public SignalOutcome Vote(string instanceId, Actor actor, string role, bool approve, string reason, string? key = null)
    {
        var instance = Find(instanceId) ?? throw new WorkflowRefusedException(instanceId, $"There is no instance {instanceId}.");
        var signal = key ?? $"vote:{instance.Id}:{instance.Seq}:{actor.Name}:{(approve ? "approve" : "reject")}";
        if (committer.Claimed(signal))
        {
            return SignalOutcome.Handled(signal);
        }

        role = Identities.Name(role, "role");
        reason = Identities.Text(reason, "reason");
        var proof = actor.Prove(VoteAct(instance, actor.Name, role, approve, reason), roles);
        var plan = planner.Vote(DefinitionOf(instance), instance, roles, actor.Name, role, approve, reason, proof);
        return committer.CommitBatch(Linked([(plan, signal)], planner.Snapshot(instance.Subject), EvidenceRecord.None), null) is [var voted, .. var started]
            ? new SignalOutcome(signal, false, [voted]) { Started = started }
            : SignalOutcome.Handled(signal);
    }

    /// <summary>
    /// What a vote on <paramref name="instanceId"/> as it stands now says, for its voter to sign: the instance, the
    /// state it waits in and how many moves it has made (so the signature counts on this visit of the state alone),
    /// the role, approve or reject, and the reason.
    /// </summary>
    public Act VoteAct(string instanceId, string actor, string role, bool approve, string reason) =>
        VoteAct(Find(instanceId) ?? throw new WorkflowRefusedException(instanceId, $"There is no instance {instanceId}."), Identities.Name(actor, "actor"), role, approve, reason);

    private static Act VoteAct(WorkflowInstance instance, string actor, string role, bool approve, string reason) => new("vote", actor,
    [
        new("instance", instance.Id),
        new("state", instance.State),
        new("step", instance.History.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("role", Identities.Name(role, "role")),
        new("vote", approve ? "approve" : "reject"),
        new("reason", Identities.Text(reason, "reason")),
    ]);

    /// <summary>Fires every timer due at <paramref name="now"/>: approval timeouts escalate (and move when on_timeout says), <c>after</c> timers move.</summary>
    public IReadOnlyList<WorkflowInstance> Tick(DateTimeOffset now)
    {
        var fired = new List<WorkflowInstance>();
        foreach (var instance in DueBy(now))
        {
            var definition = DefinitionOf(instance);
            var plan = planner.Tick(definition, instance, now);
            if (committer.CommitBatch(Linked([(plan, $"tick:{instance.Id}:{instance.Seq}")], planner.Snapshot(instance.Subject), EvidenceRecord.None), null) is [var moved, ..])
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
    /// <exception cref="SignatureRefusedException">The migration does not prove it is the actor's.</exception>
    public WorkflowInstance Migrate(string instanceId, WorkflowDefinition target, Actor actor, string reason, bool dryRun = false)
    {
        var instance = Find(instanceId) ?? throw new WorkflowRefusedException(instanceId, $"There is no instance {instanceId}.");
        reason = Identities.Text(reason, "reason");
        var proof = actor.Prove(new Act("migrate", actor.Name,
        [
            new("instance", instance.Id),
            new("state", instance.State),
            new("step", instance.History.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("to", target.Identity),
            new("definition", target.Hash),
            new("reason", reason),
        ]), roles);
        var plan = planner.Migration(DefinitionOf(instance), instance, target, actor.Name, reason, proof);
        if (dryRun)
        {
            return plan.Instance;
        }

        definitions[target.Hash] = target;
        // Migrated by someone else meanwhile: the instance as they left it.
        return committer.Commit(plan, $"migrate:{instance.Id}:{instance.Seq}:{target.Hash}", new KeyValuePair<string, byte[]>(target.Hash, target.Pinned)) ?? Find(instance.Id)!;
    }

    public WorkflowInstance? Find(string id) =>
        store.Load(WorkflowInstance.Projection, id.Trim()) is { } state ? WorkflowInstance.Of(state) : null;

    /// <summary>The instances about <paramref name="subject"/>, by id: through the index once the journal has one.</summary>
    public IReadOnlyList<WorkflowInstance> About(string subject) => About(store, subject);

    /// <summary>The instances of <paramref name="store"/> about <paramref name="subject"/>, by id: through the index once the journal has one.</summary>
    internal static IReadOnlyList<WorkflowInstance> About(JournalStore store, string subject) => WorkflowIndex.Ready(store)
        ? [.. WorkflowIndex.About(store, subject).Select(id => store.Load(WorkflowInstance.Projection, id)).OfType<StoredProjection>().Select(WorkflowInstance.Of)]
        : [.. store.All(WorkflowInstance.Projection).Select(WorkflowInstance.Of).Where(instance => instance.Subject == subject)];

    /// <summary>The instances whose timer is due at <paramref name="now"/>, earliest first.</summary>
    public IReadOnlyList<WorkflowInstance> DueBy(DateTimeOffset now) => WorkflowIndex.Ready(store)
        ? [.. WorkflowIndex.DueBy(store, now).Select(Find).OfType<WorkflowInstance>().Where(instance => instance.Due <= now)]
        : [.. List().Where(instance => instance.Due is { } due && due <= now).OrderBy(instance => instance.Due)];

    /// <summary>The instances waiting for <paramref name="wait"/> (<c>approval</c>, <c>evidence</c> or <c>timer</c>), by id: through the index once the journal has one.</summary>
    public IReadOnlyList<WorkflowInstance> Waiting(string wait) => WorkflowIndex.Ready(store)
        ? [.. WorkflowIndex.Waiting(store, wait).Select(Find).OfType<WorkflowInstance>()]
        : [.. List().Where(instance => Bookmarks(instance).Contains(wait)).OrderBy(instance => instance.Id, StringComparer.Ordinal)];

    /// <summary>How many instances wait for an approval: read from the index alone once the journal has one.</summary>
    public int AwaitingApproval() => WorkflowIndex.Ready(store) ? WorkflowIndex.Waiting(store, "approval").Count() : Waiting("approval").Count;

    /// <summary>How many instances wait for an approval past its timeout at <paramref name="now"/>: escalated (or moved on, when the workflow says so), and still unanswered.</summary>
    public int OverdueApprovals(DateTimeOffset now) => Waiting("approval").Count(instance =>
        DefinitionOf(instance).State(instance.State).Approval?.Timeout is { } timeout
        && JsonFields.Timestamp(instance.EnteredAt, "entered_at") + timeout <= now);

    /// <summary>When the earliest timer is due; null when none is set.</summary>
    public DateTimeOffset? NextDue() => WorkflowIndex.Ready(store) ? WorkflowIndex.Next(store) : List().Select(instance => instance.Due).Min();

    public IReadOnlyList<WorkflowInstance> List() =>
        [.. store.All(WorkflowInstance.Projection).Select(WorkflowInstance.Of)];

    /// <summary>The definition an instance is pinned to: the bytes it started with, kept in the journal.</summary>
    public WorkflowDefinition DefinitionOf(WorkflowInstance instance)
    {
        if (definitions.TryGetValue(instance.Hash, out var known))
        {
            return known;
        }

        var pinned = store.Blob(instance.Hash) ?? throw JournalException.Missing($"The definition {instance.Workflow}@{instance.Version} of {instance.Id} is missing from the journal.");
        if (Convert.ToHexStringLower(SHA256.HashData(pinned)) != instance.Hash)
        {
            throw JournalException.Missing($"The definition {instance.Workflow}@{instance.Version} of {instance.Id} in the journal is not the one it pinned (its bytes no longer match their hash); nothing was run. Run 'rulesgate journal verify'.");
        }

        var loaded = JournalException.Parsed($"the pinned definition of {instance.Id}", () => loader.ParsePinned(instance.DefinitionPath, pinned));
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

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
