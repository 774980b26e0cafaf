using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Reports;

/// <summary>
/// What the changelog holds, read from the journal in its order: every change of standing on every ladder (each
/// workflow move, with what moved it: the votes, the timer, or the evidence — the alert itself, as recorded in the
/// move's own transaction), every ledger change and override, every rule change (proposed, approved, rejected or
/// superseded, live, reloaded) with who approved it, every config patch proposal and what became of it (approved,
/// applied, skipped, rejected, refused, rolled back), every kill switch trip and reset, and each rule file's first decision.
/// </summary>
internal static partial class Changelog
{
    private static readonly string[] Types =
    [
        EventTypes.LedgerPromoted, EventTypes.LedgerDemoted, EventTypes.LedgerUpdated, EventTypes.KillSwitchTripped, EventTypes.KillSwitchReset,
        EventTypes.WorkflowStarted, EventTypes.WorkflowEntered, EventTypes.WorkflowMigrated, EventTypes.EvidenceSubmitted,
        EventTypes.RulesProposed, EventTypes.RulesApproved, EventTypes.RulesRejected, EventTypes.RulesChanged, EventTypes.RulesReloaded,
        EventTypes.PatchesProposed, EventTypes.PatchesApproved, EventTypes.PatchesRejected, EventTypes.PatchesRefused, EventTypes.PatchApplied, EventTypes.PatchSkipped, EventTypes.PatchesRolledBack,
    ];

    /// <summary>The longest an evidence's fields are quoted in a row's why.</summary>
    private const int EvidenceQuote = 240;

    /// <param name="digest">The journal's decisions digested so far, caught up here (<see cref="DecisionDigest"/>); a fresh one reads them all.</param>
    public static List<(long Seq, ChangeRow Row)> Rows(JournalStore store, DecisionDigest? digest = null)
    {
        var events = store.Read(new EventFilter(Types: Types)).ToList();

        // The evidence of each transaction, by subject and stamp: what an evidence move stood on (one stamp, one transaction).
        var evidence = new Dictionary<(string Subject, string Time), string>();
        var instances = new Dictionary<string, (string Workflow, string Subject)>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e.Type == EventTypes.EvidenceSubmitted)
            {
                var submitted = EventPayload.Read<EvidenceSubmitted>(e);
                var fields = submitted.Evidence.GetRawText();
                evidence[(submitted.Subject, e.Time)] = $"{submitted.Kind} {(fields.Length > EvidenceQuote ? fields[..EvidenceQuote] + "…" : fields)}";
            }
            else if (e.Type == EventTypes.WorkflowStarted)
            {
                var started = EventPayload.Read<WorkflowStarted>(e);
                instances[started.Instance] = (started.Workflow.Split('@')[0], started.Subject);     // its id, not the version it pinned
            }
        }

        // A reload that put an approved change live is told by that change's own row.
        var changed = events.Where(e => e.Type == EventTypes.RulesChanged).Select(e => JournalException.Parsed($"event {e.Seq}", () => RecordJson.Read<RuleChangeRecord>(e.Payload)).Identity).ToHashSet(StringComparer.Ordinal);
        var rows = new List<(long Seq, ChangeRow Row)>();
        var inForce = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);   // each policy's approvals so far, as its record holds them
        foreach (var e in events)
        {
            ChangeRow? row = e.Type switch
            {
                EventTypes.LedgerPromoted => Ledger(e.Time, EventPayload.Read<LedgerPromoted>(e), inForce),
                EventTypes.LedgerDemoted => Ledger(e.Time, EventPayload.Read<LedgerDemoted>(e), inForce),
                EventTypes.LedgerUpdated => Ledger(e.Time, EventPayload.Read<LedgerUpdated>(e), inForce),
                EventTypes.KillSwitchTripped => new ChangeRow(e.Time, "kill switch tripped", "killswitch", "on", "gate", EventPayload.Read<KillSwitchTripped>(e).Cause),
                EventTypes.KillSwitchReset => EventPayload.Read<KillSwitchReset>(e) is var reset ? new ChangeRow(e.Time, "kill switch reset", "killswitch", "off", reset.Actor, reset.Reason) : null,
                EventTypes.WorkflowEntered => Moved(e, EventPayload.Read<WorkflowEntered>(e), instances, evidence),
                EventTypes.WorkflowMigrated => EventPayload.Read<WorkflowMigrated>(e) is var migrated
                    ? new ChangeRow(e.Time, $"{Of(migrated.Instance, instances).Workflow} migrated", Of(migrated.Instance, instances).Subject, $"{migrated.From} → {migrated.To}", migrated.Actor, migrated.Reason)
                    : null,
                EventTypes.RulesProposed or EventTypes.RulesApproved or EventTypes.RulesRejected or EventTypes.RulesChanged => RuleChange(e),
                EventTypes.RulesReloaded => Reloaded(e, changed),
                EventTypes.PatchesProposed or EventTypes.PatchesApproved or EventTypes.PatchesRejected or EventTypes.PatchesRefused => Proposal(e),
                EventTypes.PatchApplied => EventPayload.Read<PatchApplied>(e) is var applied
                    ? new ChangeRow(e.Time, "config patch applied", applied.Target, $"{Number(applied.OldValue)} → {Number(applied.NewValue)}", applied.ApprovedBy is { } approvedBy ? Approvers(approvedBy) : "bounded_auto", $"{applied.PatchId} of {applied.ProposalId}, in {applied.Overrides}")
                    : null,
                EventTypes.PatchSkipped => EventPayload.Read<PatchSkipped>(e) is var skipped ? new ChangeRow(e.Time, "config patch skipped", skipped.PatchId, "not applied", "", $"{skipped.ProposalId}: {skipped.Reason}") : null,
                EventTypes.PatchesRolledBack => EventPayload.Read<PatchesRolledBack>(e) is var back
                    ? new ChangeRow(e.Time, "config patches rolled back", back.ProposalId, string.Join("; ", back.Restored.Select(target => $"{target.Target} {Number(target.From)} → {Number(target.To)}")), back.Actor, back.Reason)
                    : null,
                _ => null,
            };
            if (row is not null)
            {
                rows.Add((e.Seq, row));
            }
        }

        // Each rule file's first decision: decisions are most of a journal, so they are read through the digest.
        foreach (var (seq, time, bundle) in (digest ?? new DecisionDigest()).CatchUp(store).FirstDecisions)
        {
            rows.Add((seq, new ChangeRow(time, "rule bundle", bundle, "first decision", "", "")));
        }

        rows.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return rows;
    }

    /// <summary>A workflow move: a change of standing on its ladder, with what moved it; the start of an instance is no change.</summary>
    private static ChangeRow? Moved(JournalEvent e, WorkflowEntered entered, Dictionary<string, (string Workflow, string Subject)> instances, Dictionary<(string, string), string> evidence)
    {
        if (entered.Cause == "start")
        {
            return null;
        }

        var (workflow, subject) = Of(entered.Instance, instances);
        var what = entered.Cause switch
        {
            "demotion" => "demotion",
            "approval" => "approved",
            "rejection" => "rejected",
            "timeout" => "timed out",
            "timer" => "timer",
            _ => "moved",
        };
        var why = entered.Cause is "evidence" or "demotion" && evidence.TryGetValue((subject, e.Time), out var stood)
            ? $"{entered.Detail}; on evidence {stood}"
            : entered.Detail;
        return new ChangeRow(e.Time, $"{workflow} {what}", subject, $"{entered.From} → {entered.State}", entered.Cause == "approval" ? Approvers(entered.Detail) : entered.Actor, why);
    }

    /// <summary>The workflow and subject of an instance, as its start recorded them (or, started before the window, as its id reads).</summary>
    private static (string Workflow, string Subject) Of(string instance, Dictionary<string, (string Workflow, string Subject)> instances) =>
        instances.TryGetValue(instance, out var known) ? known
        : instance.IndexOf(':', StringComparison.Ordinal) is var at and > 0 ? (instance[..at], instance[(at + 1)..])
        : (instance, instance);

    private static ChangeRow RuleChange(JournalEvent e)
    {
        var record = JournalException.Parsed($"event {e.Seq}", () => RecordJson.Read<RuleChangeRecord>(e.Payload));
        return e.Type switch
        {
            EventTypes.RulesProposed => new ChangeRow(e.Time, "rule change proposed", record.Identity, $"{record.Live} → {record.Identity}", record.Requester,
                $"{record.Assessed ?? "not assessed"}{(record.LiveAt is { } at ? $"; live no earlier than {at}" : "")}"),
            EventTypes.RulesApproved => new ChangeRow(e.Time, "rule change approved", record.Identity, "proposed → approved", Approvers(record.SettledBy), record.SettledBy ?? ""),
            EventTypes.RulesRejected => new ChangeRow(e.Time, record.Status == "superseded" ? "rule change superseded" : "rule change rejected", record.Identity, $"{(record.Status == "superseded" ? "approved" : "proposed")} → {record.Status}", record.Status == "superseded" ? "server" : Approvers(record.SettledBy), record.SettledBy ?? ""),
            _ => new ChangeRow(e.Time, "rule change live", record.Identity, $"{record.Live} → {record.Identity}", "server", $"{record.SettledBy}; in {record.File}"),
        };
    }

    /// <summary>
    /// Who settled a change, from its settlement or an approval's detail (<c>approved by rhea (risk): …; raj (risk): …</c>,
    /// <c>rejected by raj: …</c>): each voter's name, never a word of a reason.
    /// </summary>
    private static string Approvers(string? settledBy) => settledBy is null ? ""
        : Rejecter().Match(settledBy) is { Success: true } rejected ? rejected.Groups["name"].Value
        : string.Join(", ", Voter().Matches(settledBy).Select(vote => vote.Groups["name"].Value).Distinct(StringComparer.Ordinal));

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:^|^approved by |; )(?<name>[^\s;:()]+) \([^\s()]+\): ")]
    private static partial System.Text.RegularExpressions.Regex Voter();

    [System.Text.RegularExpressions.GeneratedRegex(@"^rejected by (?<name>[^\s:]+):")]
    private static partial System.Text.RegularExpressions.Regex Rejecter();

    private static ChangeRow? Reloaded(JournalEvent e, HashSet<string> changed)
    {
        using var document = JournalException.Parsed($"event {e.Seq}", () => JsonDocument.Parse(e.Payload));
        var root = document.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return Text("to") is { } to && changed.Contains(to)
            ? null
            : new ChangeRow(e.Time, "rule file reloaded", Text("file") ?? "", $"{Text("from") ?? "none"} → {Text("to")}", "server", "saved and put live without approval: serve --reload-unapproved, a server without a journal, or a workflow file");
    }

    private static ChangeRow Proposal(JournalEvent e)
    {
        var record = JournalException.Parsed($"event {e.Seq}", () => RecordJson.Read<PatchProposalRecord>(e.Payload));
        return e.Type switch
        {
            EventTypes.PatchesProposed => new ChangeRow(e.Time, "config patches proposed", record.ProposalId, $"{record.Accepted.Count} accepted, {record.Mode}", record.Requester ?? "", $"judged by {record.Policy}"),
            EventTypes.PatchesApproved => new ChangeRow(e.Time, "config patches approved", record.ProposalId, $"{record.Applied.Count} applied, {record.Skipped.Count} skipped", Approvers(record.SettledBy), record.SettledBy ?? ""),
            EventTypes.PatchesRejected => new ChangeRow(e.Time, "config patches rejected", record.ProposalId, "proposed → rejected", Approvers(record.SettledBy), record.SettledBy ?? ""),
            _ => new ChangeRow(e.Time, "config patches refused", record.ProposalId, "approved → refused", "", record.SettledBy ?? ""),
        };
    }

    private static string Number(double? value) => value is { } number ? number.ToString("0.########", CultureInfo.InvariantCulture) : "absent";

    /// <param name="inForce">Each policy's approvals before this change; the change's own are added to its policy's.</param>
    private static ChangeRow Ledger(string time, ILedgerChange change, Dictionary<string, IReadOnlyList<string>> inForce)
    {
        // A record keeps every approval it was given: a stage a workflow sets after its votes stands on those.
        var given = change.Approvals;
        var standing = inForce[change.PolicyId] = PolicyLedgerRecord.Normalize([.. inForce.GetValueOrDefault(change.PolicyId) ?? [], .. given]);
        var approvals = given.Count == 0 && standing.Count == 0 ? "none"
            : given.Count == standing.Count ? string.Join(", ", standing)
            : $"{string.Join(", ", standing)}{(given.Count == 0 ? " (given earlier)" : $" ({string.Join(", ", given)} with this change)")}";
        var why = $"approvals {approvals}; evidence {(change.EvidenceId is { Length: > 0 } evidence ? evidence : "none")}";
        return new ChangeRow(time, change.Kind, change.PolicyId, $"{change.From} → {change.To}", change.Actor, why);
    }
}
