using System.Globalization;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Patches;
using RulesGate.Core.Reports;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Application;

/// <summary>A proposal as the journal keeps it (the <c>patch_proposal</c> projection).</summary>
/// <param name="Status"><c>proposed</c>; <c>approved</c> (nothing applied) or <c>rejected</c> by its approval; <c>applied</c>; <c>rolled_back</c>; <c>refused</c> (its approval does not approve it: why is in <see cref="SettledBy"/>).</param>
/// <param name="OverridesPath">The live-overrides file the proposal applies to.</param>
/// <param name="SettledBy">Who approved it (with their roles), or who rejected it and why; null unless its approval settled it.</param>
/// <param name="Before">SHA-256 of the overrides file before this proposal changed it (its bytes are a journal blob); null when it did not exist or nothing was applied.</param>
/// <param name="PolicyHash">SHA-256 of the PatchPolicy file that judged it, whose bytes the journal keeps: what settling its approval judges under; null for a proposal made before it was kept.</param>
public sealed record PatchProposalRecord(
    string ProposalId,
    string Mode,
    string CreatedAt,
    string Status,
    IReadOnlyList<string> Accepted,
    IReadOnlyList<AppliedPatch> Applied,
    IReadOnlyList<SkippedPatch> Skipped,
    string? OverridesPath,
    string? Before,
    string? OutputDir,
    string Policy,
    string? SettledBy,
    string? Requester = null,
    string? Content = null,
    string? PolicyHash = null);

/// <summary>
/// The config-patch loop (seed 001): patches judged by the PatchPolicy, every decision journaled; the accepted ones
/// bundled into a proposal with its files and operator checklist; in <c>bounded_auto</c> the numeric ones written to
/// the live overrides, only within their tag's bounds and the daily limit, never clamped; and rolled back on request.
/// </summary>
public sealed class PatchProposer(PatchJudge judge, JournalStore store, string templates = "templates")
{
    private readonly WorkflowEffects outbox = new(store);

    public const string Projection = "patch_proposal";
    public const string DailyProjection = "patch_daily";
    public const string DecidedType = EventTypes.PatchDecided;
    public const string ProposedType = EventTypes.PatchesProposed;
    public const string AppliedType = EventTypes.PatchApplied;
    public const string SkippedType = EventTypes.PatchSkipped;
    public const string RolledBackType = EventTypes.PatchesRolledBack;
    public const string ApprovedType = EventTypes.PatchesApproved;
    public const string RejectedType = EventTypes.PatchesRejected;
    public const string RefusedType = EventTypes.PatchesRefused;
    public const string ChecklistTemplate = "operator_checklist.md.sbn";

    /// <summary>Judges the patches, journals every decision, and proposes and applies as <paramref name="mode"/> says.</summary>
    /// <param name="now">The run's time: the proposal's id and the day its applications count against.</param>
    /// <param name="requester">Who proposes: the requester of a manual_only proposal's approval, who may not approve it.</param>
    /// <param name="approvals">Starts the approval of a manual_only proposal (an instance of <see cref="ApprovalWorkflow"/> about it, started by <paramref name="requester"/>); null: none is started.</param>
    /// <exception cref="FormatException">The overrides file cannot be read; nothing was written.</exception>
    public PatchRun Propose(IReadOnlyList<ConfigPatch> patches, PatchMode mode, DateTimeOffset now, string outputRoot, string overridesPath, Action<string>? approvals = null, string requester = "learning-loop")
    {
        var decisions = judge.Judge(patches, mode);
        // Proposed: the accepted and the PENDING (outside the auto-apply bounds); bounded_auto applies the accepted alone.
        var accepted = decisions.Where(decision => decision.IsProposed).ToList();
        var proposalId = mode != PatchMode.Disabled && accepted.Count > 0 ? NewId(now) : null;
        var plan = proposalId is not null && mode == PatchMode.BoundedAuto ? Plan(accepted, now, overridesPath, bounded: true) : Application.Empty;
        var outputDir = proposalId is null ? null : Path.Combine(outputRoot, proposalId);
        var stream = $"patches:{proposalId ?? "none"}";
        List<JournalEntry> entries = [.. decisions.Select(decision => new JournalEntry(stream, DecidedType, JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("proposal_id"u8);
            JsonText.Value(writer, proposalId);
            writer.WriteString("mode"u8, PatchModes.Name(mode));
            writer.WriteString("policy"u8, judge.Bundle.Identity);
            writer.WritePropertyName("decision"u8);
            PatchJson.WriteDecision(writer, decision, withPatch: true);
            writer.WriteEndObject();
        }, pretty: false)))];
        var record = proposalId is null ? null : new PatchProposalRecord(
            proposalId, PatchModes.Name(mode), JsonText.Timestamp(now), plan.Applied.Count > 0 ? "applied" : "proposed", [.. accepted.Select(decision => decision.Patch.Id)],
            plan.Applied, plan.Skipped, overridesPath, plan.BeforeHash, outputDir, judge.Bundle.Identity, null,
            Identities.Name(requester, "requester"), Content(entries.Select(entry => entry.Payload)), judge.Bundle.File.Hash);
        if (record is not null)
        {
            entries.Add(new JournalEntry(stream, ProposedType, RecordJson.Write(record)));
        }

        // The proposal's files are made before anything is journaled (a template that fails changes nothing), and
        // written by effects of the same transaction (WorkflowEffects runs them): a crash between leaves them to do.
        var files = record is null ? [] : ProposalFiles(record, decisions).Select(file => (Path.Combine(outputDir!, file.Name), System.Text.Encoding.UTF8.GetBytes(file.Text), (string?)null)).ToList();
        Change(entries, record, plan, overridesPath, approvedBy: null, isNew: true, files).Append(store);
        if (record is not null && mode == PatchMode.ManualOnly)
        {
            approvals?.Invoke(record.ProposalId);
        }

        return new PatchRun(proposalId, mode, decisions, plan.Applied, plan.Skipped, outputDir);
    }

    /// <summary>The workflow whose instance about a manual_only proposal approves or rejects it.</summary>
    public const string ApprovalWorkflow = "config-patch-approval";

    /// <summary>
    /// Settles a manual_only proposal once its approval instance is final: approved, its accepted patches go to the
    /// live overrides through the same bounded path as bounded_auto (bounds, max_step, the daily limit; never clamped)
    /// with who approved; rejected, it is recorded as such. A proposal settled before is returned as it is.
    /// </summary>
    /// <param name="approval">The proposal's approval instance, final: <c>approved</c> or <c>rejected</c>, with who from its history.</param>
    /// <exception cref="PatchRefusedException">No such proposal.</exception>
    /// <exception cref="PatchRefusedException">
    /// The instance is not the proposal's own approval (started before the proposal, or by someone else than its
    /// requester), the proposal's content is not what was proposed, or this desk's PatchPolicy is not the one that judged it.
    /// </exception>
    public PatchProposalRecord Settle(WorkflowInstance approval, DateTimeOffset now)
    {
        var (record, change) = Settlement(approval, now);
        change?.Append(store);
        return record;
    }

    /// <summary>
    /// What settling a manual_only proposal by its final <paramref name="approval"/> writes, planned and not written:
    /// to append in the vote's own transaction (<see cref="PatchApprovals.Activity"/>), or alone (<see cref="Settle"/>).
    /// </summary>
    /// <returns>The proposal as it will stand, and the change (null: settled before, nothing to write).</returns>
    /// <exception cref="PatchRefusedException">As <see cref="Settle"/> says.</exception>
    public (PatchProposalRecord Record, JournalChangeSet? Change) Settlement(WorkflowInstance approval, DateTimeOffset now)
    {
        var proposalId = approval.Subject;
        var record = new PatchProposals(store).Find(proposalId) ?? throw new PatchRefusedException(proposalId, $"there is no proposal {proposalId}");
        if (record.Status != "proposed" || record.Mode != PatchModes.Name(PatchMode.ManualOnly))
        {
            return (record, null);
        }

        if (Unbound(record, approval) is { } why)
        {
            throw new PatchRefusedException(proposalId, why);
        }

        var outcome = approval.State;
        var last = approval.History[^1];
        var by = outcome == "approved" ? $"approved by {last.Detail}" : $"rejected by {last.Actor}: {last.Detail}";

        if (outcome != "approved")
        {
            var rejected = record with { Status = "rejected", SettledBy = by };
            return (rejected, Change([new JournalEntry($"patches:{proposalId}", RejectedType, RecordJson.Write(rejected))], rejected, Application.Empty, record.OverridesPath!, approvedBy: null));
        }

        // The accepted patches as they were decided, from the journal, judged again for their bounds under this policy.
        var accepted = store.Read(new EventFilter($"patches:{proposalId}", [DecidedType]))
            .Select(decided => JournalException.Parsed($"event {decided.Seq}", () =>
            {
                using var payload = System.Text.Json.JsonDocument.Parse(decided.Payload);
                return ConfigPatch.Read(payload.RootElement.GetProperty("decision").GetProperty("patch"));
            }))
            .Where(patch => record.Accepted.Contains(patch.Id, StringComparer.Ordinal))
            .Select(patch => judge.Decide(patch, PatchMode.ManualOnly, judge.Settings.GlobalLock))
            .ToList();
        // A person approved these: the auto-apply bounds and the daily limit bound what goes live unattended, not this.
        var plan = Plan(accepted, now, record.OverridesPath!, bounded: false);
        var settled = record with { Status = plan.Applied.Count > 0 ? "applied" : "approved", Applied = plan.Applied, Skipped = plan.Skipped, Before = plan.BeforeHash, SettledBy = by };
        return (settled, Change([new JournalEntry($"patches:{proposalId}", ApprovedType, RecordJson.Write(settled))], settled, plan, record.OverridesPath!, approvedBy: by));
    }

    /// <summary>
    /// Why <paramref name="approval"/> does not approve <paramref name="record"/>; null when it does: the proposal
    /// started it (it began after the proposal was journaled, by the proposal's requester), the patches the journal
    /// holds for the proposal are those it proposed (their hash), and this proposer judges under the pinned PatchPolicy.
    /// </summary>
    private string? Unbound(PatchProposalRecord record, WorkflowInstance approval)
    {
        var stream = $"patches:{record.ProposalId}";
        var proposed = store.Read(new EventFilter(stream, [ProposedType])).FirstOrDefault();
        var started = store.Read(approval.Key).FirstOrDefault();
        return approval.Workflow != ApprovalWorkflow || approval.Subject != record.ProposalId ? $"{approval.Id} is not the approval of {record.ProposalId}"
            : record.Requester is null || record.Content is null ? $"{record.ProposalId} was proposed before approvals were bound to proposals; propose its patches again"
            : proposed is null || started is null || started.Seq < proposed.Seq ? $"its approval {approval.Id} existed before the proposal, so it approves nothing of it; propose the patches again"
            : approval.Requester != record.Requester ? $"its approval {approval.Id} was started by {approval.Requester}, not by its requester {record.Requester}"
            : Content(store.Read(new EventFilter(stream, [DecidedType])).Select(decided => decided.Payload)) != record.Content ? $"the patches the journal holds for {record.ProposalId} are not those it proposed"
            : judge.Bundle.Identity != record.Policy ? $"it was judged under {record.Policy}, not {judge.Bundle.Identity}"
            : null;
    }

    /// <summary>The SHA-256 of a run's decisions as journaled: what a proposal's approval approves.</summary>
    private static string Content(IEnumerable<string> decided) => JournalStore.Fingerprint(string.Join('\n', decided));

    /// <summary>
    /// What goes to the live overrides of the proposed patches, in file order: still proposed when judged now, numeric,
    /// and over the value they were proposed against; <paramref name="bounded"/> (unattended), also accepted (not PENDING),
    /// within the auto-apply bounds from the live value and the day's limit.
    /// </summary>
    private Application Plan(IReadOnlyList<PatchDecision> accepted, DateTimeOffset now, string overridesPath, bool bounded)
    {
        var day = now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var daily = store.Load(DailyProjection, day);
        // The file as it will be once the writes pending now are done: an application not yet written still counts.
        var upcoming = outbox.Upcoming(overridesPath, LiveOverrides.Snapshot);
        var current = new Dictionary<string, double>(LiveOverrides.Applied(overridesPath, upcoming), StringComparer.Ordinal);
        var count = daily is null ? 0 : int.Parse(daily.Value, CultureInfo.InvariantCulture);
        var applied = new List<AppliedPatch>();
        var skipped = new List<SkippedPatch>();
        foreach (var decision in accepted)
        {
            if (!decision.IsProposed || (bounded && !decision.IsAccepted))
            {
                skipped.Add(new SkippedPatch(decision.Patch.Id, $"{decision.Status}: {string.Join("; ", decision.Reasons)}"));
            }
            else if (Unsafe(decision, current, bounded) is { } why)
            {
                skipped.Add(new SkippedPatch(decision.Patch.Id, why));
            }
            else if (bounded && count >= judge.Settings.MaxAutoAppliesPerDay)
            {
                skipped.Add(new SkippedPatch(decision.Patch.Id, $"daily auto-apply limit {judge.Settings.MaxAutoAppliesPerDay} reached"));
            }
            else
            {
                count += bounded ? 1 : 0;
                applied.Add(new AppliedPatch(decision.Patch.Id, decision.Patch.Target, current.TryGetValue(decision.Patch.Target, out var old) ? old : null, decision.Patch.NewValue.Number));
                current[decision.Patch.Target] = decision.Patch.NewValue.Number;
            }
        }

        return new Application(applied, skipped, day, daily, applied.Count > 0 ? upcoming : null);
    }

    /// <summary>
    /// One transaction's worth: <paramref name="entries"/>, each application and skip, the proposal's document, the day's
    /// count, the overrides' before-image, and the writes of <paramref name="files"/> and of the overrides file as effects
    /// (with the bytes they write), which <see cref="WorkflowEffects"/> runs after it: a crash before they are done leaves
    /// them pending, and the next run does them, so the files and the journal never disagree for good. The day's count
    /// must still be the one planned with, or nothing of it is written (<see cref="JournalConflictException"/>).
    /// </summary>
    private JournalChangeSet Change(List<JournalEntry> entries, PatchProposalRecord? record, Application plan, string overridesPath, string? approvedBy, bool isNew = false, List<(string Path, byte[] Bytes, string? Before)>? files = null)
    {
        files ??= [];
        if (plan.Applied.Count > 0)
        {
            files.Add((overridesPath, LiveOverrides.Applying(overridesPath, plan.Before, [.. plan.Applied.Select(patch => new KeyValuePair<string, double>(patch.Target, patch.NewValue))]), plan.BeforeHash ?? WorkflowEffect.WriteFile.Absent));
        }

        var head = entries.Count;
        entries.AddRange(plan.Applied.Select(patch => EventPayload.Entry($"overrides:{plan.Day}", new PatchApplied(record!.ProposalId, patch.PatchId, patch.Target, patch.OldValue, patch.NewValue, overridesPath, approvedBy))));
        entries.AddRange(plan.Skipped.Select(patch => EventPayload.Entry($"patches:{record!.ProposalId}", new PatchSkipped(record.ProposalId, patch.PatchId, patch.Reason))));
        var blobs = plan.Before is { } before ? new List<KeyValuePair<string, byte[]>> { new(plan.BeforeHash!, before) } : [];
        if (isNew && record is not null && judge.Bundle.File.Bytes is { Length: > 0 } policy)
        {
            blobs.Add(new(judge.Bundle.File.Hash, policy));     // the PatchPolicy that judged it, for its approval to settle under
        }

        var written = entries.Count;
        var effects = Writes(record?.ProposalId, files, entries, blobs);
        return new JournalChangeSet(entries, blobs, (scope, events) =>
        {
            if (plan.Applied.Count > 0 && (scope.Load(DailyProjection, plan.Day)?.Seq ?? 0) is var counted && counted != (plan.Daily?.Seq ?? 0))
            {
                // Another application on the same day came first: every event of the day's stream sets its count.
                throw new JournalConflictException($"overrides:{plan.Day}", plan.Daily?.Seq ?? 0, counted);
            }

            Enqueue(scope, events, written, effects);
            if (record is not null)
            {
                if (isNew && scope.Load(Projection, record.ProposalId) is { } taken)
                {
                    // Another run took this id since it was chosen: nothing of this one is written.
                    throw new JournalConflictException($"patches:{record.ProposalId}", 0, taken.Seq);
                }

                scope.Store(Projection, record.ProposalId, RecordJson.Write(record), events[head - 1].Seq);
            }

            if (plan.Applied.Count > 0)
            {
                var total = (plan.Daily is null ? 0 : int.Parse(plan.Daily.Value, CultureInfo.InvariantCulture)) + plan.Applied.Count;
                scope.Store(DailyProjection, plan.Day, total.ToString(CultureInfo.InvariantCulture), events[head + plan.Applied.Count - 1].Seq);
            }
        });
    }

    /// <summary>
    /// The file effects of a proposal's change: their events added to <paramref name="entries"/> and the bytes they
    /// write to <paramref name="blobs"/>, to go in its transaction (<see cref="Enqueue"/> in its projection).
    /// </summary>
    internal static IReadOnlyList<(string Stream, string Owner, WorkflowEffect.WriteFile Effect)> Writes(string? proposalId, IReadOnlyList<(string Path, byte[] Bytes, string? Before)> files, List<JournalEntry> entries, List<KeyValuePair<string, byte[]>> blobs)
    {
        var effects = new List<(string, string, WorkflowEffect.WriteFile)>();
        foreach (var (path, bytes, before) in files)
        {
            var hash = AtomicFile.Hash(bytes);
            var effect = new WorkflowEffect.WriteFile(Path.GetFullPath(path), hash, before);
            var stream = $"patches:{proposalId}";
            entries.Add(WorkflowEffects.Event(stream, proposalId!, effect));
            blobs.Add(new(hash, bytes));
            effects.Add((stream, proposalId!, effect));
        }

        return effects;
    }

    /// <summary>Puts each effect of <see cref="Writes"/> in the outbox, by its event (the first at <paramref name="at"/>).</summary>
    internal static void Enqueue(JournalTransaction scope, IReadOnlyList<JournalEvent> events, int at, IReadOnlyList<(string Stream, string Owner, WorkflowEffect.WriteFile Effect)> effects)
    {
        for (var i = 0; i < effects.Count; i++)
        {
            WorkflowEffects.Enqueue(scope, events[at + i], effects[i].Stream, effects[i].Owner, effects[i].Effect);
        }
    }

    /// <summary>What one proposal applies and skips, the UTC day it counts against, and the overrides file before it.</summary>
    private sealed record Application(IReadOnlyList<AppliedPatch> Applied, IReadOnlyList<SkippedPatch> Skipped, string Day, StoredProjection? Daily, byte[]? Before)
    {
        public static Application Empty { get; } = new([], [], "", null, null);

        public string? BeforeHash => Before is null ? null : AtomicFile.Hash(Before);
    }

    /// <summary>
    /// Why an accepted patch may not be applied automatically; null when it may. Never clamped. The step is judged from
    /// the value <paramref name="live"/> holds now, not from the patch's own <c>old_value</c>, which must be that value
    /// (or <c>null</c>, for a value never set before): a patch written against another value is stale.
    /// </summary>
    private static string? Unsafe(PatchDecision decision, Dictionary<string, double> live, bool bounded)
    {
        var patch = decision.Patch;
        var bounds = decision.Bounds;
        double? now = live.TryGetValue(patch.Target, out var value) ? value : null;
        return !patch.NewValue.IsNumber ? "not a number: the live overrides hold numbers only"
            : Stale(patch, now) is { } stale ? stale
            : !bounded ? null
            : !bounds.Found ? "none of its tags has auto-apply bounds"
            : !(patch.NewValue.Number >= bounds.Min && patch.NewValue.Number <= bounds.Max) ? $"new value {patch.NewValue} is outside [{Number(bounds.Min)}, {Number(bounds.Max)}] (tag: {bounds.Tag})"
            : now is { } from && !(PatchSettings.Step(from, patch.NewValue.Number) <= bounds.MaxStep) ? $"step {Number(PatchSettings.Step(from, patch.NewValue.Number))} from the live value {Number(from)} is past max_step {Number(bounds.MaxStep)} (tag: {bounds.Tag})"
            : null;
    }

    /// <summary>Why the patch was written against another value than the live one; null when its <c>old_value</c> is the live value, or null.</summary>
    private static string? Stale(ConfigPatch patch, double? live) => (patch.OldValue, live) switch
    {
        ({ Kind: System.Text.Json.JsonValueKind.Null }, _) => null,
        ({ IsNumber: true } old, { } now) when PatchSettings.Step(old.Number, now) == 0 => null,
        (var old, { } now) => $"stale: its old_value {old} is not the live value {Number(now)}",
        (var old, null) => $"stale: its old_value is {old}, but the live overrides do not set {patch.Target}; write old_value null for a value set the first time",
    };

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>live_promotion_{yyyyMMddTHHmmssZ}</c>, with <c>_2</c>, <c>_3</c>, … when the journal has that id already.</summary>
    private string NewId(DateTimeOffset now)
    {
        var id = $"live_promotion_{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var unique = id;
        // An approval instance started ahead under a guessed id takes that id out of use: it could approve nothing of a proposal.
        for (var n = 2; store.Load(Projection, unique) is not null || store.Load(WorkflowInstance.Projection, $"{ApprovalWorkflow}:{unique}") is not null; n++)
        {
            unique = $"{id}_{n.ToString(CultureInfo.InvariantCulture)}";
        }

        return unique;
    }

    /// <summary><c>proposal_meta.json</c>, <c>config_patches.json</c> (indented, keys sorted) and <c>OPERATOR_CHECKLIST.md</c>, by name.</summary>
    private List<(string Name, string Text)> ProposalFiles(PatchProposalRecord record, IReadOnlyList<PatchDecision> decisions)
    {
        var policy = PolicyIdentity.Of(judge.Bundle.File);
        var meta = JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("accepted"u8, record.Accepted.Count);
            writer.WriteNumber("applied"u8, record.Applied.Count);
            writer.WriteString("created_at"u8, record.CreatedAt);
            writer.WriteNumber("decisions"u8, decisions.Count);
            writer.WriteString("mode"u8, record.Mode);
            writer.WriteStartObject("policy"u8);
            writer.WriteString("hash"u8, policy.Hash);
            writer.WriteString("id"u8, policy.Id);
            writer.WriteNumber("version"u8, policy.Version);
            writer.WriteEndObject();
            writer.WriteString("proposal_id"u8, record.ProposalId);
            writer.WriteNumber("rejected"u8, decisions.Count - record.Accepted.Count);
            writer.WriteNumber("skipped"u8, record.Skipped.Count);
            writer.WriteEndObject();
        }, pretty: true) + "\n";
        var patches = JsonText.Write(writer =>
        {
            writer.WriteStartArray();
            foreach (var decision in decisions)
            {
                PatchJson.WriteDecision(writer, decision, withPatch: true);
            }

            writer.WriteEndArray();
        }, pretty: true) + "\n";
        // Everything a patch brings stands in a code span (Markdown.Code): a target, a value or a reason cannot become markup of the checklist.
        var model = new ChecklistModel(
            Markdown.Code(record.ProposalId), record.Mode, record.CreatedAt, Markdown.Code(record.Policy),
            [.. decisions.Where(decision => decision.SafetyFlags.Count > 0).Select(decision => new ChecklistWarning(Markdown.Code(decision.Patch.Id), Markdown.Code(decision.Patch.Target), [.. decision.SafetyFlags.Select(Markdown.Code)]))],
            [.. decisions.Where(decision => decision.IsProposed).Select(decision => new ChecklistPatch(
                Markdown.Code(decision.Patch.Id), Markdown.Code(decision.Patch.Target), Markdown.Code(decision.Patch.OldValue.ToString()), Markdown.Code(decision.Patch.NewValue.ToString()),
                decision.Patch.Confidence is { } confidence ? confidence.ToString("0.###", CultureInfo.InvariantCulture) : "none",
                [.. decision.Tags.Select(Markdown.Code)], Markdown.Code(decision.Patch.Reason), Markdown.Code(decision.Patch.SourceExperimentId),
                record.Applied.Any(applied => applied.PatchId == decision.Patch.Id) ? "applied to the live overrides" : record.Skipped.FirstOrDefault(skip => skip.PatchId == decision.Patch.Id)?.Reason is { } why ? $"not applied: {Markdown.Code(why)}" : decision.IsAccepted ? "awaiting approval" : $"PENDING, a human decides: {Markdown.Code(string.Join("; ", decision.Reasons))}",
                [.. decision.Notes.Select(Markdown.Code)]))],
            decisions.Count - record.Accepted.Count);
        return [("proposal_meta.json", meta), ("config_patches.json", patches), ("OPERATOR_CHECKLIST.md", GovernanceDocuments.Render(ChecklistTemplate, model, templates))];
    }
}

/// <summary>The proposals in the journal: read them, and roll one back.</summary>
public sealed class PatchProposals(JournalStore store)
{
    /// <summary>Proposals as a JSON array, as <c>patches show</c> prints them; with <paramref name="withDecisions"/>, each with every decision of its run.</summary>
    /// <remarks>Each proposal says which of its files are not written yet (<c>files_not_written</c>: the path and how the write stands), so a file the journal promises is never missing silently.</remarks>
    public string Json(IEnumerable<PatchProposalRecord> records, bool withDecisions) => JsonText.Write(writer =>
    {
        var outbox = new WorkflowEffects(store);
        var unwritten = outbox.Pending().Select(pending => (Effect: pending, Dead: false)).Concat(outbox.Dead().Select(dead => (Effect: dead, Dead: true)))
            .Where(item => item.Effect.Effect is WorkflowEffect.WriteFile)
            .ToLookup(item => item.Effect.Instance, StringComparer.Ordinal);
        writer.WriteStartArray();
        foreach (var record in records)
        {
            using var json = System.Text.Json.JsonDocument.Parse(RecordJson.Write(record));
            writer.WriteStartObject();
            foreach (var property in json.RootElement.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            writer.WriteStartArray("files_not_written"u8);
            foreach (var (effect, dead) in unwritten[record.ProposalId])
            {
                writer.WriteStartObject();
                writer.WriteString("path"u8, ((WorkflowEffect.WriteFile)effect.Effect).Path);
                writer.WriteString("standing"u8, effect.Standing(dead));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();

            if (withDecisions)
            {
                writer.WriteStartArray("decisions"u8);
                foreach (var decided in store.Read(new EventFilter($"patches:{record.ProposalId}", [PatchProposer.DecidedType])))
                {
                    using var payload = System.Text.Json.JsonDocument.Parse(decided.Payload);
                    var decision = payload.RootElement.GetProperty("decision");
                    writer.WriteStartObject();
                    foreach (var property in decision.EnumerateObject().Where(property => property.Name != "patch"))
                    {
                        property.WriteTo(writer);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }, pretty: true);

    /// <summary>
    /// Puts every target the proposal changed back to the value it had before (removing one it added); every other key
    /// and table of the overrides file is kept. Journaled with who and why, with the file's restoration as an effect
    /// of the same transaction (<see cref="WriteFilesAsync"/> does it).
    /// </summary>
    /// <exception cref="PatchRefusedException">No such proposal, nothing of it was applied, it was rolled back already, or a later proposal changed the file since.</exception>
    /// <exception cref="FormatException">A target was changed in the file since; nothing is written.</exception>
    public PatchProposalRecord Rollback(string proposalId, string actor, string reason)
    {
        proposalId = Identities.Id(proposalId, "proposal");
        actor = Identities.Name(actor, "actor");
        reason = Identities.Text(reason, "reason");
        var record = Find(proposalId) ?? throw new PatchRefusedException(proposalId, $"there is no proposal {proposalId}");
        if (record.Status != "applied" || record.OverridesPath is not { } path)
        {
            throw new PatchRefusedException(proposalId, record.Status == "rolled_back" ? $"{proposalId} was rolled back already" : $"nothing of {proposalId} was applied, so there is nothing to roll back");
        }

        // Later means applied later: by the journal's order of the documents, not by the proposals' ids (an approval may come late).
        var applied = store.Load(PatchProposer.Projection, proposalId)!.Seq;
        var later = store.All(PatchProposer.Projection)
            .Where(document => document.Seq > applied)
            .Select(document => JournalException.Parsed(document.Key, () => RecordJson.Read<PatchProposalRecord>(document.Value)))
            .Where(other => other.Status == "applied" && other.OverridesPath == path)
            .Select(other => other.ProposalId)
            .ToList();
        if (later.Count > 0)
        {
            throw new PatchRefusedException(proposalId, $"{string.Join(", ", later)} changed {path} after {proposalId}; roll {(later.Count == 1 ? "it" : "them")} back first, newest first");
        }

        // Each target goes back to the value it had before this proposal; a target changed since is refused, not overwritten.
        var targets = record.Applied.GroupBy(patch => patch.Target, StringComparer.Ordinal)
            .Select(group => (group.Key, group.Last().NewValue, group.First().OldValue))
            .ToList();
        // The file as it will be once pending writes are done, with each target put back; a target changed since is refused.
        var upcoming = new WorkflowEffects(store).Upcoming(path, LiveOverrides.Snapshot);
        var restored = LiveOverrides.Restoring(path, upcoming, targets);
        var rolled = record with { Status = "rolled_back" };
        List<JournalEntry> entries = [EventPayload.Entry($"patches:{proposalId}", new PatchesRolledBack(proposalId, actor, reason, path, [.. targets.Select(target => new RestoredTarget(target.Key, target.NewValue, target.OldValue))]))];
        List<KeyValuePair<string, byte[]>> blobs = [];
        var before = upcoming is null ? WorkflowEffect.WriteFile.Absent : AtomicFile.Hash(upcoming);
        var effects = PatchProposer.Writes(proposalId, [(path, restored, before)], entries, blobs);
        store.Append(entries, blobs, project: (scope, events) =>
        {
            PatchProposer.Enqueue(scope, events, 1, effects);
            scope.Store(PatchProposer.Projection, proposalId, RecordJson.Write(rolled), events[0].Seq);
        });
        return rolled;
    }

    /// <summary>
    /// Records that <paramref name="approval"/>, final, does not approve its proposal (<paramref name="why"/>): the
    /// proposal is <c>refused</c>, with the reason, and nothing is applied.
    /// </summary>
    public PatchProposalRecord Refuse(WorkflowInstance approval, string why)
    {
        var (refused, change) = Refusal(approval, why);
        change.Append(store);
        return refused;
    }

    /// <summary>What <see cref="Refuse"/> writes, planned and not written: to append in the vote's own transaction.</summary>
    public (PatchProposalRecord Record, JournalChangeSet Change) Refusal(WorkflowInstance approval, string why)
    {
        var record = Find(approval.Subject) ?? throw new PatchRefusedException(approval.Subject, $"there is no proposal {approval.Subject}");
        var refused = record with { Status = "refused", SettledBy = $"refused: {why}" };
        return (refused, new JournalChangeSet([new JournalEntry($"patches:{record.ProposalId}", PatchProposer.RefusedType, RecordJson.Write(refused))], [], (scope, events) =>
            scope.Store(PatchProposer.Projection, record.ProposalId, RecordJson.Write(refused), events[0].Seq)));
    }

    /// <summary>
    /// Does the file writes still pending (every proposal's, so what a crash left undone is done too): proposal files,
    /// applications and rollbacks of the live overrides. What a command runs at its end, as <c>serve</c> runs them beside the writer.
    /// </summary>
    /// <returns>The writes of <paramref name="proposalId"/> (of every proposal when null) that failed: retried later, or dead letters.</returns>
    public async Task<IReadOnlyList<(PendingEffect Effect, bool Dead)>> WriteFilesAsync(string? proposalId, CancellationToken cancellation = default)
    {
        var outbox = new WorkflowEffects(store);
        await outbox.RunPendingAsync(pending => pending.Effect is WorkflowEffect.WriteFile, cancellation).ConfigureAwait(false);
        return [.. outbox.Failing().Where(failing => failing.Effect.Effect is WorkflowEffect.WriteFile && (proposalId is null || failing.Effect.Instance == proposalId))];
    }

    public PatchProposalRecord? Find(string proposalId) =>
        store.Load(PatchProposer.Projection, Identities.Id(proposalId, "proposal")) is { } document ? JournalException.Parsed(document.Key, () => RecordJson.Read<PatchProposalRecord>(document.Value)) : null;

    /// <summary>Every proposal, oldest first.</summary>
    public IReadOnlyList<PatchProposalRecord> All() =>
        [.. store.All(PatchProposer.Projection).Select(document => JournalException.Parsed(document.Key, () => RecordJson.Read<PatchProposalRecord>(document.Value))).OrderBy(record => record.ProposalId, StringComparer.Ordinal)];
}

/// <summary>A patch operation refused: no such proposal, nothing to roll back, or a later change in the way.</summary>
public sealed class PatchRefusedException(string proposal, string message) : RefusalException("patch.refused", proposal, message);

/// <summary>What <c>operator_checklist.md.sbn</c> sees.</summary>
internal sealed record ChecklistModel(string ProposalId, string Mode, string CreatedAt, string Policy, IReadOnlyList<ChecklistWarning> Warnings, IReadOnlyList<ChecklistPatch> Patches, int Rejected);

/// <summary>The safety flags one patch raised.</summary>
internal sealed record ChecklistWarning(string PatchId, string Target, IReadOnlyList<string> Flags);

/// <summary>One accepted patch, as the operator reviews it.</summary>
internal sealed record ChecklistPatch(string PatchId, string Target, string OldValue, string NewValue, string Confidence, IReadOnlyList<string> Tags, string Reason, string Source, string Outcome, IReadOnlyList<string> Notes);
