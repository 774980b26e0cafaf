using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Reports;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;
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

/// <summary>How <c>assess --apply</c> hands policies to their approval workflow: the runtime, and who applies (named in the evidence).</summary>
public sealed record AssessApply(Func<WorkflowRuntime> Workflows, string Actor);

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

    /// <summary>
    /// Each policy judged by <paramref name="gates"/> over <paramref name="window"/>. With <paramref name="apply"/>, a
    /// policy whose recommended stage is above its current one is handed to its approval workflow (the first policy
    /// ladder of the standing file, which starts on it when it declares <c>starts_on: [assessment]</c>): the assessment
    /// is <c>assessment</c> evidence about it, under a key of its figures, and the workflow's gates, votes and
    /// <c>set_stage</c> decide what is recorded, on that evidence — assess never writes a stage itself.
    /// </summary>
    /// <exception cref="FormatException">A policy the journal knows nothing of (no ledger record, no diary entry): nothing is assessed.</exception>
    public IReadOnlyList<Assessment> Assess(RuleBundle gates, IReadOnlyList<string> policies, DiaryWindow window, AssessApply? apply = null)
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
            return apply is null || assessment.RecommendedStage <= assessment.Ledger.CurrentStage ? assessment : Signal(assessment, apply);
        })];
    }

    /// <summary>The assessment as evidence to the policy's approval workflow, and what that left.</summary>
    private Assessment Signal(Assessment assessment, AssessApply apply)
    {
        var runtime = apply.Workflows();
        var policy = assessment.PolicyId;
        if (runtime.Standing().Of(PolicyLedger.SubjectKind).Ladders is not [var ladder, ..] || runtime.Workflow(ladder) is not { } definition)
        {
            return assessment with { Refusal = "no workflow about policies is declared in workflows/standing.yaml, and assess --apply moves a policy only through its approval workflow; declare one under policy: ladders:" };
        }

        var id = $"{definition.Id}:{policy}";
        var figures = PromotionJson.Assessment(assessment);
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(figures)))[..16];
        using var evidence = JsonDocument.Parse(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("recommended_stage"u8, assessment.RecommendedStage.Name());
            writer.WriteString("current_stage"u8, assessment.Ledger.CurrentStage.Name());
            writer.WriteNumber("diary_entries"u8, assessment.Metrics.Overall.Total);
            writer.WriteString("figures_sha256"u8, digest);
            writer.WriteString("actor"u8, Identities.Name(apply.Actor, "actor"));
            writer.WriteEndObject();
        }, pretty: false));
        runtime.Evidence(policy, "assessment", evidence.RootElement, $"assess:{policy}:{digest}");
        if (runtime.Find(id) is not { } instance)
        {
            return assessment with { Refusal = $"{policy} has no {definition.Id} instance, and {definition.Id} does not start on assessment evidence (starts_on: [assessment]); start one: rulesgate workflow start --workflow {definition.Id} --subject {policy} --actor NAME" };
        }

        var record = PolicyLedger.Read(store, policy);
        var moved = record.Version != assessment.Ledger.Version ? record : null;
        var waits = definition.State(instance.State).Approval is { } approval
            ? $"{id} waits in {instance.State} for {approval.Quorum} approval{(approval.Quorum == 1 ? "" : "s")} by {string.Join(" or ", approval.Roles)}: rulesgate workflow approve --instance {id} --actor NAME --role ROLE --reason TEXT"
            : $"{id} is in {instance.State}, and its gates did not take it further on this assessment";
        return assessment with { Applied = moved, Refusal = moved is null || record.DeclaredStage < assessment.RecommendedStage ? waits : null, Workflow = instance };
    }

    /// <summary>Whether a diary entry of <paramref name="policy"/> names <paramref name="evidence"/>, or evidence about it was submitted under that key.</summary>
    private bool Holds(string policy, string evidence) =>
        store.Read(new EventFilter($"diary:{policy}", [DecisionDiary.EntryType])).Any(entry => DecisionDiary.EntryOf(entry).EvidenceId == evidence)
        || store.Read(new EventFilter($"evidence:{policy}", [EventTypes.EvidenceSubmitted])).Any(submitted => EventPayload.Read<EvidenceSubmitted>(submitted).Key == evidence);

    /// <summary>Every policy the journal knows: by its ledger record or its diary, in ordinal order.</summary>
    public SortedSet<string> KnownPolicies()
    {
        var known = new SortedSet<string>(PolicyLedger.All(store).Select(record => record.PolicyId), StringComparer.Ordinal);
        known.UnionWith(DecisionDiary.Policies(store));
        return known;
    }

    /// <summary>The workflow whose granted instance lets <see cref="Promote"/> record a stage beyond what the gates recommend.</summary>
    public const string OverrideWorkflow = "stage-override";

    /// <summary>
    /// Records the declared stage with its approvals and evidence, then logs it and renders its summary to
    /// <paramref name="summaryPath"/> when given. A stage above the declared one is recorded only when the gates of
    /// <paramref name="bar"/> recommend it (or a granted, unexpired <c>stage-override</c> instance for the policy and
    /// that stage stands in for them, and the change is recorded as an <c>override</c>), and only on approvals that are votes: each role
    /// is one some distinct person voted in, by a vote that carried an approval on a workflow about the policy. The evidence it names must be the
    /// journal's: a diary entry of the policy that carries that evidence id, or evidence submitted about it under that key.
    /// </summary>
    /// <exception cref="PromotionRefusedException">The gates, the votes or the ledger's rules do not allow it, or the evidence is not in the journal; nothing was written.</exception>
    /// <exception cref="LedgerConflictException">The record changed since it was read; nothing was written.</exception>
    public PolicyLedgerRecord Promote(PromotionRequest request, PromotionBar bar, string? summaryPath = null)
    {
        var policy = Identities.Id(request.PolicyId, "policy id");
        if (request.EvidenceId is { } named && Identities.Id(named, "evidence id") is var evidence && !Holds(policy, evidence))
        {
            throw new PromotionRefusedException(policy, $"The journal holds no evidence '{evidence}' about {policy}: no diary entry of it names that evidence id, and no evidence about it was submitted under that key. Ingest the diary that holds it first (rulesgate diary ingest), or name evidence the journal has.");
        }

        // Approvals are votes: a role typed on the command line counts only when someone holding it voted.
        var voted = VotedRoles(policy, bar.Roles);
        var given = PolicyLedgerRecord.Normalize(request.Approvals ?? []);
        if (given.FirstOrDefault(role => !voted.Contains(role)) is { } unbacked)
        {
            throw new PromotionRefusedException(policy, $"No one holding {unbacked} has voted on a workflow about {policy}, so '{unbacked}' is no approval: approvals are votes (rulesgate workflow approve), not names typed here.{(voted.Count == 0 ? "" : $" The votes about it are from {string.Join(", ", voted)}.")}");
        }

        string? overriding = null;
        var before = PolicyLedger.Read(store, policy);
        if (request.Stage > before.DeclaredStage)
        {
            var assessment = new GraduationAssessor(bar.Gates).Assess(store, policy, bar.Window);
            if (request.Stage > assessment.RecommendedStage)
            {
                var id = $"{OverrideWorkflow}:{policy}:{request.Stage.Name()}";
                var granted = store.Load(WorkflowInstance.Projection, id) is { } document ? WorkflowInstance.Of(document) : null;
                // Granted by its quorum's votes (not a state reached some other way), and only until its expiry: one without an expiry grants nothing.
                var byVotes = granted?.History.Any(step => step.To == "granted" && step.Cause == "approval") == true;
                var why = granted is null ? null
                    : granted.State != "granted" ? $"{id} is {granted.State}"
                    : !byVotes ? $"{id} is granted by no vote"
                    : granted.Due is not { } expiry ? $"{id} is granted with no expiry"
                    : expiry <= bar.Now ? $"{id} is granted, and expired"
                    : null;
                if (granted is null || why is not null)
                {
                    var blockers = GraduationAssessor.Gates.Where(stage => stage > assessment.RecommendedStage && stage <= request.Stage)
                        .SelectMany(stage => assessment.StageBlockers.GetValueOrDefault(stage) ?? []).Take(3).ToList();
                    throw new PromotionRefusedException(policy, $"The gates recommend {assessment.RecommendedStage.Name()} for {policy}, and {request.Stage.Name()} is beyond them{(blockers.Count == 0 ? "" : $" ({string.Join("; ", blockers)})")}. Going beyond the gates is an override: start one (rulesgate workflow start --workflow {OverrideWorkflow} --subject {policy} --key {request.Stage.Name()} --actor YOU) and have its quorum grant it{(why is null ? "" : $"; {why}")}.");
                }

                overriding = id;
            }
        }

        var record = PolicyLedger.Promote(store, request with { PolicyId = policy, Approvals = given.Count > 0 ? given : [.. voted], Override = overriding });
        followUp.Recorded(record, summaryPath);
        return record;
    }

    /// <summary>The roles voted in on workflows about <paramref name="policy"/> by votes that carried an approval, each person counted once (for the first role they voted in) and only while they hold it.</summary>
    private SortedSet<string> VotedRoles(string policy, WorkflowRoles roles)
    {
        var people = new HashSet<string>(StringComparer.Ordinal);
        var voted = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var instance in WorkflowRuntime.About(store, policy))
        {
            foreach (var vote in store.Read(new EventFilter(instance.Key, [EventTypes.WorkflowApproved])).Select(EventPayload.Read<WorkflowApproved>))
            {
                // A vote counts when it carried: the step taken after it (its Step) was the approval it was part of.
                var carried = vote.Step < instance.History.Count && instance.History[vote.Step].Cause == "approval";
                if (carried && roles.Holds(vote.Actor, vote.Role) && people.Add(vote.Actor))
                {
                    voted.Add(vote.Role);
                }
            }
        }

        return voted;
    }
}

/// <summary>What a stage must stand on before <see cref="Promotions.Promote"/> records it.</summary>
/// <param name="Gates">The PromotionGate file that judges the policy's diary.</param>
/// <param name="Window">The diary window the gates judge.</param>
/// <param name="Roles">Who holds which role now: a vote counts only from a holder.</param>
/// <param name="Now">When an override's grant is checked for expiry.</param>
public sealed record PromotionBar(RuleBundle Gates, DiaryWindow Window, WorkflowRoles Roles, DateTimeOffset Now);
