using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Reports;
using RulesGate.Core.Rules;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Application;

/// <summary>
/// What follows a durable ledger change, whoever made it (an operator's <c>promote</c>, <c>assess --apply</c> or a
/// workflow's <c>set_stage</c>): a line in the promotion log and, when asked, a Markdown summary.
/// </summary>
/// <param name="LogPath">The promotion log; null writes none.</param>
/// <param name="Templates">The folder of templates that may override the built-in ones.</param>
public sealed record PromotionFollowUp(string? LogPath = PromotionLog.DefaultPath, string Templates = "templates")
{
    /// <summary>Logs <paramref name="record"/>'s latest change, and renders its summary to <paramref name="summaryPath"/> when given.</summary>
    public void Recorded(PolicyLedgerRecord record, string? summaryPath = null)
    {
        if (LogPath is not null)
        {
            PromotionLog.Append(LogPath, record);
        }

        if (summaryPath is not null)
        {
            File.WriteAllText(summaryPath, GovernanceDocuments.PromotionSummary(record, Templates));
        }
    }
}

/// <summary>What a diary ingest did: entries added and skipped, and the workflow instances their evidence moved.</summary>
public sealed record DiaryIntake(int Added, int Duplicates, IReadOnlyList<WorkflowInstance> Moved);

/// <summary>
/// The promotion operations a user performs — ingest a diary, assess, promote — each one call over one journal,
/// with everything that follows it; the CLI and any other host call these, never the parts behind them.
/// </summary>
public sealed class Promotions(JournalStore store, PromotionFollowUp followUp)
{
    /// <summary>
    /// Appends the diary entries not yet recorded (all or nothing), then wakes every workflow instance about each
    /// policy in them with <c>diary</c> evidence: how many entries were added and how many of them are alerts. The
    /// evidence's key is derived from the entries, so ingesting the same file again wakes nobody twice.
    /// </summary>
    /// <param name="workflows">Makes the runtime to wake instances with, when there is any instance to wake; null wakes none.</param>
    public DiaryIntake Ingest(IReadOnlyList<DiaryEntry> entries, Func<WorkflowRuntime>? workflows)
    {
        var result = DecisionDiary.Ingest(store, entries);
        var moved = new List<WorkflowInstance>();
        if (workflows is not null && store.All(WorkflowInstance.Projection).Count > 0)
        {
            var runtime = workflows();
            foreach (var policy in entries.GroupBy(entry => entry.PolicyId).OrderBy(group => group.Key, StringComparer.Ordinal))
            {
                var alerts = policy.Count(entry => entry.Severity == DiarySeverity.Alert);
                using var evidence = DiaryEvidence(policy.Count(), alerts);
                var key = "diary:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", policy.Select(entry => entry.EntryId)))))[..16];
                // Entries that woke the policy's instances before are acknowledged and move nothing.
                moved.AddRange(runtime.Evidence(policy.Key, "diary", evidence.RootElement, key).Moved);
            }
        }

        return new DiaryIntake(result.Added, result.Duplicates, moved);
    }

    /// <summary>The <c>diary</c> evidence an ingest gives a policy's workflows: entries added, and alerts among them.</summary>
    public static JsonDocument DiaryEvidence(int added, int alerts) =>
        JsonDocument.Parse(string.Create(CultureInfo.InvariantCulture, $$"""{"added":{{added}},"alerts":{{alerts}}}"""));

    /// <summary>Each policy judged by <paramref name="gates"/> over <paramref name="window"/>; with <paramref name="applyAs"/>, promoted to its recommended stage as that actor when it is above the current one.</summary>
    /// <exception cref="FormatException">A policy the journal knows nothing of (no ledger record, no diary entry): nothing is assessed.</exception>
    public IReadOnlyList<Assessment> Assess(RuleBundle gates, IReadOnlyList<string> policies, DiaryWindow window, string? applyAs = null)
    {
        var known = KnownPolicies();
        if (policies.Select(policy => policy.Trim()).FirstOrDefault(policy => !known.Contains(policy)) is { } unknown)
        {
            throw Identities.Unknown("policy", unknown, known);
        }

        var assessor = new GraduationAssessor(gates);
        return [.. policies.Select(policy =>
        {
            var assessment = assessor.Assess(store, policy.Trim(), window);
            if (applyAs is null)
            {
                return assessment;
            }

            var applied = GraduationAssessor.Apply(store, assessment, applyAs);
            if (applied.Applied is { } record)
            {
                followUp.Recorded(record);
            }

            return applied;
        })];
    }

    /// <summary>Whether a diary entry of <paramref name="policy"/> names <paramref name="evidence"/>, or evidence about it was submitted under that key.</summary>
    private bool Holds(string policy, string evidence) =>
        store.Read(new EventFilter($"diary:{policy}", [DecisionDiary.EntryType])).Any(entry => DecisionDiary.EntryOf(entry).EvidenceId == evidence)
        || store.Read(new EventFilter($"evidence:{policy}", [EventTypes.EvidenceSubmitted])).Any(submitted => EventPayload.Read<EvidenceSubmitted>(submitted).Key == evidence);

    /// <summary>Every policy the journal knows: by its ledger record or its diary, in ordinal order.</summary>
    public SortedSet<string> KnownPolicies()
    {
        var known = new SortedSet<string>(PolicyLedger.All(store).Select(record => record.PolicyId), StringComparer.Ordinal);
        known.UnionWith(store.Diary.Rows().Select(row => row.PolicyId));
        return known;
    }

    /// <summary>
    /// Records the declared stage with its approvals and evidence, then logs it and renders its summary to
    /// <paramref name="summaryPath"/> when given. The evidence it names must be the journal's: a diary entry of the
    /// policy that carries that evidence id, or evidence submitted about the policy under that key.
    /// </summary>
    /// <exception cref="PromotionRefusedException">The ledger's rules do not allow it, or the evidence is not in the journal; nothing was written.</exception>
    /// <exception cref="LedgerConflictException">The record changed since it was read; nothing was written.</exception>
    public PolicyLedgerRecord Promote(PromotionRequest request, string? summaryPath = null)
    {
        var policy = Identities.Id(request.PolicyId, "policy id");
        if (request.EvidenceId is { } named && Identities.Id(named, "evidence id") is var evidence && !Holds(policy, evidence))
        {
            throw new PromotionRefusedException(policy, $"The journal holds no evidence '{evidence}' about {policy}: no diary entry of it names that evidence id, and no evidence about it was submitted under that key. Ingest the diary that holds it first (rulesgate diary ingest), or name evidence the journal has.");
        }

        var record = PolicyLedger.Promote(store, request);
        followUp.Recorded(record, summaryPath);
        return record;
    }
}
