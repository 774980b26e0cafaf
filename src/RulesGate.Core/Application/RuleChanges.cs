using System.Globalization;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Reports;
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
/// <param name="LiveAt">The moment it may go live once approved, as the proposal said and the approval approved it; null: as soon as it is approved.</param>
/// <param name="Assessed">What it would do in one line: its impact on the journaled decisions before it was proposed, and where it differs from the live file by search.</param>
/// <param name="Checklist">Where its checklist (the assessment in full, for the approvers) is written: <c>{artifacts}/rule-changes/{subject}.md</c>.</param>
public sealed record RuleChangeRecord(string Subject, string Identity, string File, string Sha256, string Live, string Requester, string Status, string? SettledBy = null, string? LiveAt = null, string? Assessed = null, string? Checklist = null);

/// <summary>A change to propose: the candidate, the file it replaces and the identity live there, who proposes it, when it may go live once approved (null: at once), and what it would do.</summary>
public sealed record RuleChangeProposal(RuleBundle Candidate, string File, string Live, string Requester, DateTimeOffset? LiveAt = null, RuleChangeAssessment? Assessment = null);

/// <summary>
/// What a proposed capital rule file would do, assessed before anyone votes: its impact on the decisions journaled in
/// the <see cref="RuleChanges.ImpactWindow"/> before it was proposed (<see cref="RuleImpact"/>), and where it differs
/// from the live file by search (<see cref="RuleDiff"/>); <see cref="Problem"/> says why a part is missing.
/// </summary>
public sealed record RuleChangeAssessment(ImpactReport? Impact, DiffReport? Diff, string? Problem = null)
{
    /// <summary>
    /// Assesses <paramref name="candidate"/> on the decisions journaled since <see cref="RuleChanges.ImpactWindow"/>
    /// before <paramref name="now"/>, as <paramref name="reader"/> holds them (a reader, so a host with a
    /// writer keeps it free meanwhile) and against <paramref name="live"/>; a part that cannot be assessed is named in
    /// <see cref="Problem"/>, never taken for "no impact".
    /// </summary>
    public static RuleChangeAssessment Of(JournalStore? reader, RuleEngine engine, RuleBundle? live, RuleBundle candidate, DateTimeOffset now)
    {
        if (candidate.File.Kind != CapitalPolicyKind.Instance.Name)
        {
            return new RuleChangeAssessment(null, null, $"impact and diff judge capital policies, and {candidate.Identity} is a {candidate.File.Kind}: compare it with {live?.Identity ?? "the live file"} by reading both");
        }

        var problems = new List<string>();
        ImpactReport? impact = null;
        DiffReport? diff = null;
        try
        {
            impact = reader is null ? null : RuleImpact.Run(reader, engine, candidate, since: now - RuleChanges.ImpactWindow);
            if (reader is null)
            {
                problems.Add("the impact was not assessed: this host reads no journal for it");
            }
        }
        catch (Exception error) when (error is JournalException or FormatException or IOException)
        {
            problems.Add($"the impact was not assessed: {error.Message}");
        }

        try
        {
            diff = live is null ? null : RuleDiff.Compare(live, candidate);
            if (live is null)
            {
                problems.Add("the diff was not searched: no live file of this policy to compare it with");
            }
        }
        catch (Exception error) when (error is FormatException or InvalidOperationException or ArgumentException)
        {
            problems.Add($"the diff was not searched: {error.Message}");
        }

        return new RuleChangeAssessment(impact, diff, problems.Count == 0 ? null : string.Join("; ", problems));
    }

    /// <summary>The assessment in one line, as the record keeps it and every host shows it.</summary>
    public string Summary()
    {
        var parts = new List<string>();
        if (Impact is { } impact)
        {
            parts.Add(impact.Judged == 0
                ? $"impact: no decision of {impact.PolicyId} journaled in the {RuleChanges.ImpactWindow.TotalDays:0} days before it, so none to judge"
                : string.Create(CultureInfo.InvariantCulture, $"impact: {impact.Changed:N0} of {impact.Judged:N0} decisions of the {RuleChanges.ImpactWindow.TotalDays:0} days before it change{(impact.Transitions.Count == 0 ? "" : $" ({string.Join(", ", impact.Transitions.Select(t => $"{t.Name} {t.Decisions:N0}"))})")}, notional {impact.Notional:N2}"));
        }

        if (Diff is { } diff)
        {
            parts.Add(diff.Differ
                ? string.Create(CultureInfo.InvariantCulture, $"diff: {diff.Regions.Count:N0} {(diff.Regions.Count == 1 ? "region" : "regions")} where the files disagree, such as {diff.Regions[0].Input} {RuleChanges.Where(diff.Regions[0])}")
                : string.Create(CultureInfo.InvariantCulture, $"diff: no disagreement found in {diff.Inputs:N0} inputs tried"));
        }

        if (Problem is { } problem)
        {
            parts.Add(problem);
        }

        return string.Join("; ", parts);
    }
}

/// <summary>
/// A rule change as a governed change: a changed rule file is proposed, not put live; the <c>rule-change</c> workflow
/// (shipped in <c>workflows/</c>, editable) asks its quorum, whose four eyes the runtime holds (the requester never
/// approves); its settlement is written in the move that makes the vote final (<see cref="Activity"/>), and the host
/// puts an approved change live once its time has come (<see cref="Approved"/>, <see cref="MarkLive"/>).
/// </summary>
public static class RuleChanges
{
    /// <summary>The workflow a change waits in.</summary>
    public const string Workflow = "rule-change";

    /// <summary>Who proposes a change a server saw saved to its rule file: no person, so any approver may approve it.</summary>
    public const string FileWatcher = "rules-watcher";

    /// <summary>The projection of every proposed change, by its subject.</summary>
    public const string Projection = "rule-change";

    /// <summary>The template of a change's checklist (<c>templates/</c>, or built in).</summary>
    public const string ChecklistTemplate = "rule_change_checklist.md.sbn";

    /// <summary>How far back a proposal's impact is assessed: last week's orders.</summary>
    public static readonly TimeSpan ImpactWindow = TimeSpan.FromDays(7);

    /// <summary>
    /// Records <paramref name="proposal"/> as a proposed change (the candidate's bytes and its checklist kept as blobs,
    /// the checklist written to <c>{artifacts}/rule-changes/{subject}.md</c> by an effect of the same transaction)
    /// unless it is recorded already; the caller then starts its <see cref="Workflow"/> instance.
    /// </summary>
    /// <returns>The record, and whether this call made it.</returns>
    /// <exception cref="FormatException">The checklist template does not render.</exception>
    public static (RuleChangeRecord Record, bool Proposed) Propose(JournalStore store, RuleChangeProposal proposal, string artifacts = "artifacts", string templates = "templates")
    {
        var candidate = proposal.Candidate;
        var subject = SubjectOf(candidate.Identity);
        if (Find(store, subject) is { } known)
        {
            return (known, false);
        }

        var checklistPath = Path.Combine(artifacts, "rule-changes", $"{subject}.md");
        var record = new RuleChangeRecord(subject, candidate.Identity, proposal.File, candidate.File.Hash, proposal.Live, Identities.Name(proposal.Requester, "requester"), "proposed",
            LiveAt: proposal.LiveAt is { } at ? JsonText.Timestamp(at) : null,
            Assessed: proposal.Assessment?.Summary() ?? "not assessed",
            Checklist: checklistPath);
        var checklist = System.Text.Encoding.UTF8.GetBytes(Checklist(record, proposal.Assessment, templates));
        var stream = $"{Projection}:{subject}";
        var write = new WorkflowEffect.WriteFile(Path.GetFullPath(checklistPath), AtomicFile.Hash(checklist));
        store.Append(
            [new JournalEntry(stream, EventTypes.RulesProposed, RecordJson.Write(record)), WorkflowEffects.Event(stream, subject, write)],
            [new(candidate.File.Hash, candidate.File.Bytes), new(write.Content, checklist)],
            (scope, appended) =>
            {
                scope.Store(Projection, subject, RecordJson.Write(record), appended[0].Seq);
                WorkflowEffects.Enqueue(scope, appended[1], stream, subject, write);
            });
        return (record, true);
    }

    /// <summary>Refuses a candidate that is not a newer version of the <paramref name="live"/> policy: one <c>id@version</c> names one content, and the rules never go back.</summary>
    /// <exception cref="FormatException">It is another policy, or not newer; the sentence says what to write.</exception>
    public static void RequireNewer(RuleBundle candidate, RuleBundle live)
    {
        if (candidate.File.Metadata.Id != live.File.Metadata.Id)
        {
            throw new FormatException($"{candidate.Identity} is not a version of the live policy {live.Identity}; propose a file with id {live.File.Metadata.Id}.");
        }

        if (candidate.File.Metadata.Version <= live.File.Metadata.Version)
        {
            throw new FormatException($"{candidate.Identity} is not newer than the live {live.Identity}; raise its metadata.version above {live.File.Metadata.Version}.");
        }
    }

    /// <summary>The subject a change of <paramref name="identity"/> (<c>id@version#hash</c>) is proposed under: <c>id@version-hash</c>.</summary>
    public static string SubjectOf(string identity) => identity.Replace('#', '-');

    /// <summary>The change proposed under <paramref name="subject"/>, or null.</summary>
    public static RuleChangeRecord? Find(JournalStore store, string subject) =>
        store.Load(Projection, subject) is { } stored ? RecordJson.Read<RuleChangeRecord>(stored.Value) : null;

    /// <summary>Every change proposed, oldest first.</summary>
    public static IReadOnlyList<RuleChangeRecord> All(JournalStore store) =>
        [.. store.All(Projection).OrderBy(stored => stored.Seq).Select(stored => RecordJson.Read<RuleChangeRecord>(stored.Value))];

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

    /// <summary>
    /// The changes approved, not yet live and due at <paramref name="now"/> (no <see cref="RuleChangeRecord.LiveAt"/>,
    /// or one reached), with the candidate's bytes from the journal (checked against their hash).
    /// </summary>
    public static IReadOnlyList<(RuleChangeRecord Record, byte[] Bytes)> Approved(JournalStore store, DateTimeOffset now) =>
        [.. All(store).Where(record => record.Status == "approved" && (LiveAtOf(record) is not { } at || at <= now)).Select(record =>
        {
            var bytes = store.Blob(record.Sha256) ?? throw JournalException.Missing($"The journal lacks the rule file {record.Identity} that was approved.");
            return AtomicFile.Hash(bytes) == record.Sha256
                ? (record, bytes)
                : throw JournalException.Missing($"The journal's copy of the approved rule file {record.Identity} was altered; it is not put live.");
        })];

    /// <summary>When the next approved change waiting for its time goes live; null when none waits.</summary>
    public static DateTimeOffset? NextLive(JournalStore store) =>
        All(store).Where(record => record.Status == "approved").Select(LiveAtOf).Min();

    /// <summary>The entry that records <paramref name="record"/> put live, and its record so, for the host to write as it swaps the rule file.</summary>
    public static JournalChange MarkLive(RuleChangeRecord record)
    {
        var live = record with { Status = "live" };
        return new JournalChange(
            new JournalEntry($"{Projection}:{record.Subject}", EventTypes.RulesChanged, RecordJson.Write(live)),
            (scope, appended) => scope.Store(Projection, record.Subject, RecordJson.Write(live), appended.Seq));
    }

    /// <summary>
    /// The effect that writes a change put live to <paramref name="path"/>, the rule file the host runs it from (its
    /// bytes as the journal keeps them), over the file as it was when the change went live (<paramref name="before"/>,
    /// its SHA-256; null: absent), so a restart loads what is live; a file that holds them already (a saved file's
    /// proposal) is left alone. Append it in the transaction of <see cref="MarkLive"/>.
    /// </summary>
    public static JournalChange WriteToFile(RuleChangeRecord record, string path, string? before)
    {
        var stream = $"{Projection}:{record.Subject}";
        var write = new WorkflowEffect.WriteFile(Path.GetFullPath(path), record.Sha256, before ?? WorkflowEffect.WriteFile.Absent);
        return new JournalChange(WorkflowEffects.Event(stream, record.Subject, write), (scope, appended) => WorkflowEffects.Enqueue(scope, appended, stream, record.Subject, write));
    }

    /// <summary>
    /// For an approved change whose version is not above the <paramref name="live"/> one (a newer version went live
    /// first): the entry that settles it <c>superseded</c>, never put live, since that would take the rules back or
    /// give one <c>id@version</c> two contents; null when it may go live.
    /// </summary>
    public static JournalChange? Stale(RuleChangeRecord record, RuleBundle live)
    {
        var version = int.Parse(record.Identity[(record.Identity.LastIndexOf('@') + 1)..record.Identity.IndexOf('#', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        if (version > live.File.Metadata.Version)
        {
            return null;
        }

        var superseded = record with { Status = "superseded", SettledBy = $"{record.SettledBy}; superseded: {live.Identity} went live first, and this is not newer" };
        return new JournalChange(
            new JournalEntry($"{Projection}:{record.Subject}", EventTypes.RulesRejected, RecordJson.Write(superseded)),
            (scope, appended) => scope.Store(Projection, record.Subject, RecordJson.Write(superseded), appended.Seq));
    }

    /// <summary>A diff region's place in words: <c>= 1000</c>, or <c>from 1 to 2 (9 values tried)</c>.</summary>
    public static string Where(DiffRegion region) => region.From == region.To
        ? $"= {RuleDiff.Format(region.From)}"
        : string.Create(CultureInfo.InvariantCulture, $"from {RuleDiff.Format(region.From)} to {RuleDiff.Format(region.To)} ({region.Points} values tried)");

    private static DateTimeOffset? LiveAtOf(RuleChangeRecord record) => record.LiveAt is { } at ? JsonFields.Timestamp(at, "live_at") : null;

    /// <summary>The checklist approvers read: the proposal, its impact and its diff, every text from an input in a code span.</summary>
    private static string Checklist(RuleChangeRecord record, RuleChangeAssessment? assessment, string templates)
    {
        static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);
        static IReadOnlyList<ChecklistCount> Counts(IReadOnlyList<ImpactCount>? counts) =>
            [.. (counts ?? []).Select(count => new ChecklistCount(Markdown.CodeCell(count.Name), N(count.Decisions), N(count.Notional, "N2")))];
        var (impact, diff) = (assessment?.Impact, assessment?.Diff);
        var model = new RuleChangeChecklistModel(
            Markdown.CodeCell($"rulesgate workflow show {Workflow}:{record.Subject}"), Markdown.Code(record.Identity), Markdown.Code(record.File), Markdown.Code(record.Live), Markdown.Code(record.Requester),
            LiveAtOf(record) is { } at ? $"at {JsonText.Seconds(at)} (at once, if approved after that)" : "at once",
            Markdown.Code(N(ImpactWindow.TotalDays)),
            impact is not null, impact is { } i ? N(i.Judged) : "0", impact is { } c ? N(c.Changed) : "0",
            impact is { Judged: > 0 } s ? (s.Changed * 100.0 / s.Judged).ToString("0.##", CultureInfo.InvariantCulture) + "%" : "-",
            impact is { } n ? N(n.Notional, "N2") : "0",
            impact?.Since is { } from ? JsonText.Seconds(from) : "-",
            Counts(impact?.Transitions), Counts(impact?.Rules), Counts(impact?.Strategies), Counts(impact?.Symbols),
            [.. (impact?.Examples ?? []).Select(example => new ChecklistExample(Markdown.CodeCell(example.Change), example.Seq.ToString(CultureInfo.InvariantCulture), Markdown.CodeCell(example.IntentId), Markdown.CodeCell(example.Before), Markdown.CodeCell(example.After)))],
            diff is not null, diff is { } d ? N(d.Inputs) : "0",
            [.. (diff?.Regions ?? []).Select(region => new ChecklistRegion(Markdown.CodeCell(region.Base), Markdown.CodeCell(region.Input), Markdown.CodeCell(Where(region)), Markdown.CodeCell(region.Old), Markdown.CodeCell(region.New)))],
            assessment?.Problem is { } problem ? Markdown.Code(problem) : null);
        return GovernanceDocuments.Render(ChecklistTemplate, model, templates);
    }
}

/// <summary>One count of a change's impact, as its checklist lists it.</summary>
internal sealed record ChecklistCount(string Name, string Decisions, string Notional);

/// <summary>One example of a change's impact, as its checklist lists it.</summary>
internal sealed record ChecklistExample(string Change, string Seq, string Intent, string Before, string After);

/// <summary>One region where two files disagree, as a change's checklist lists it.</summary>
internal sealed record ChecklistRegion(string Base, string Input, string Where, string Old, string New);

/// <summary>What <c>rule_change_checklist.md.sbn</c> sees: the proposal, then its impact and diff, each already formatted.</summary>
internal sealed record RuleChangeChecklistModel(
    string Show,
    string Candidate,
    string File,
    string Live,
    string Requester,
    string LiveAt,
    string WindowDays,
    bool Assessed,
    string Judged,
    string Changed,
    string Share,
    string Notional,
    string Since,
    IReadOnlyList<ChecklistCount> Transitions,
    IReadOnlyList<ChecklistCount> Rules,
    IReadOnlyList<ChecklistCount> Strategies,
    IReadOnlyList<ChecklistCount> Symbols,
    IReadOnlyList<ChecklistExample> Examples,
    bool Diffed,
    string Inputs,
    IReadOnlyList<ChecklistRegion> Regions,
    string? Problem);
