using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

/// <summary>
/// A policy's ledger record, the projection of its <c>ledger:{policy}</c> events: the stage it was declared at,
/// the approvals and evidence behind it, its checklist and the history of every transition.
/// </summary>
/// <param name="Approvals">Who approved: trimmed, de-duplicated, sorted.</param>
/// <param name="Checklist">Item → status; an item is satisfied when its status is done, passed, pass, ok, complete, completed, yes or true.</param>
/// <param name="Version">The journal sequence number of the event that last changed the record; 0 before the first.</param>
public sealed record PolicyLedgerRecord(
    string PolicyId,
    PromotionStage DeclaredStage,
    IReadOnlyList<string> Approvals,
    string? EvidenceId,
    IReadOnlyDictionary<string, string> Checklist,
    IReadOnlyDictionary<string, double> ThresholdOverrides,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<LedgerTransition> History,
    [property: System.Text.Json.Serialization.JsonIgnore] long Version = 0)
{
    public IReadOnlyList<string> Approvals { get; init => field = ReadOnly.List(value); } = ReadOnly.List(Approvals);

    public IReadOnlyDictionary<string, string> Checklist { get; init => field = ReadOnly.Map(value); } = ReadOnly.Map(Checklist);

    public IReadOnlyDictionary<string, double> ThresholdOverrides { get; init => field = ReadOnly.Map(value); } = ReadOnly.Map(ThresholdOverrides);

    public IReadOnlyDictionary<string, string> Metadata { get; init => field = ReadOnly.Map(value); } = ReadOnly.Map(Metadata);

    public IReadOnlyList<LedgerTransition> History { get; init => field = ReadOnly.List(value); } = ReadOnly.List(History);

    /// <summary>The checklist items limited_live needs satisfied, in the order their gaps are reported.</summary>
    public static IReadOnlyList<string> RequiredChecklist { get; } = ["oos_regime_grid", "leakage_checks", "risk_audit"];

    private static readonly HashSet<string> SatisfiedStatuses = new(StringComparer.OrdinalIgnoreCase) { "done", "passed", "pass", "ok", "complete", "completed", "yes", "true" };

    /// <summary>The statuses that say an item is not satisfied yet.</summary>
    private static readonly string[] OpenStatuses = ["pending", "todo", "in_progress", "failed", "fail", "blocked", "no", "false"];

    /// <summary>A checklist status as given, checked: one of the satisfied or open statuses, whatever its case.</summary>
    /// <exception cref="FormatException">Any other word: a typo must not read as "not done" unnoticed.</exception>
    public static string Status(string item, string status)
    {
        var given = status.Trim();
        return SatisfiedStatuses.Contains(given) || OpenStatuses.Contains(given, StringComparer.OrdinalIgnoreCase)
            ? given
            : throw new FormatException($"checklist {item}: '{status}' is not a status; write one of {string.Join(", ", SatisfiedStatuses)} (satisfied) or {string.Join(", ", OpenStatuses)} (not yet).");
    }

    /// <summary>A policy the ledger has not seen: declared at experiment, with nothing behind it.</summary>
    public static PolicyLedgerRecord New(string policyId) => new(
        policyId, PromotionStage.Experiment, [], null,
        new Dictionary<string, string>(), new Dictionary<string, double>(), new Dictionary<string, string>(), [], 0);

    /// <summary>What the record lacks to stand at <paramref name="stage"/>, in a fixed order.</summary>
    public IReadOnlyList<string> AuditGaps(PromotionStage stage)
    {
        var gaps = new List<string>();
        if (stage >= PromotionStage.Paper && EvidenceId is null)
        {
            gaps.Add("missing_evidence");
        }

        if (stage >= PromotionStage.Pilot && Approvals.Count == 0)
        {
            gaps.Add("missing_approvals");
        }

        if (stage == PromotionStage.LimitedLive)
        {
            if (Approvals.Count < 2)
            {
                gaps.Add("additional_approval_needed");
            }

            gaps.AddRange(RequiredChecklist.Where(item => !Satisfied(item)).Select(item => $"missing_{item}"));
        }

        return gaps;
    }

    /// <summary>The highest stage the record's evidence, approvals and checklist support.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public PromotionStage AuditStage =>
        EvidenceId is null ? PromotionStage.Experiment
        : Approvals.Count == 0 ? PromotionStage.Paper
        : Approvals.Count < 2 || !RequiredChecklist.All(Satisfied) ? PromotionStage.Pilot
        : PromotionStage.LimitedLive;

    /// <summary>The lower of the declared stage and the audit stage: what the policy may actually run at.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public PromotionStage CurrentStage => DeclaredStage < AuditStage ? DeclaredStage : AuditStage;

    public bool Satisfied(string item) => Checklist.TryGetValue(item, out var status) && SatisfiedStatuses.Contains(status.Trim());

    /// <summary>A record from a rule-test context: <c>{declared_stage, approvals, evidence_id, checklist}</c>, all optional.</summary>
    internal static PolicyLedgerRecord Read(JsonFields ledger, string policyId)
    {
        var record = New(policyId);
        return record with
        {
            DeclaredStage = ledger.Has("declared_stage") ? PromotionStages.Parse(ledger.String("declared_stage")) : PromotionStage.Experiment,
            Approvals = Normalize(ledger.Has("approvals") ? ledger.Required("approvals").EnumerateArray().Select(item => item.GetString() ?? "") : []),
            EvidenceId = ledger.Has("evidence_id") ? ledger.String("evidence_id") : null,
            Checklist = ledger.Has("checklist") ? ledger.Required("checklist").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal) : record.Checklist,
        };
    }

    /// <summary>Each a normalized name (<see cref="Identities.Name"/>: RISK and risk are one approval), de-duplicated and sorted ordinally.</summary>
    /// <exception cref="FormatException">An approval is empty or invisible.</exception>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> approvals) =>
        [.. approvals.Select(approval => Identities.Name(approval, "approval")).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
