using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Promotion;

/// <summary>
/// <c>kind: PromotionGuard</c>: what a strategy's status change needs from its policy's ledger and diary. Params
/// <c>status_stages.STATUS</c> name the stage each gated status needs; a rule fires when a requirement is not met
/// and its message is the sentence the refusal shows.
/// </summary>
public sealed class PromotionGuardKind : RuleKind<GuardContext>
{
    public static PromotionGuardKind Instance { get; } = new();

    public override string Name => "PromotionGuard";

    public override object ReadContext(JsonElement json)
    {
        var fields = new JsonFields(json, "context", "strategy", "status", "policy_id", "required_stage", "ledger", "regimes", "required_regimes", "min_regime_count", "paper_green_span_days");
        var ledger = PolicyLedgerRecord.New(fields.String("policy_id"));
        if (fields.Has("ledger"))
        {
            var l = fields.Object("ledger", "declared_stage", "approvals", "evidence_id", "checklist");
            ledger = ledger with
            {
                DeclaredStage = l.Has("declared_stage") ? PromotionStages.Parse(l.String("declared_stage")) : PromotionStage.Experiment,
                Approvals = PolicyLedgerRecord.Normalize(l.Has("approvals") ? l.Required("approvals").EnumerateArray().Select(item => item.GetString() ?? "") : []),
                EvidenceId = l.Has("evidence_id") ? l.String("evidence_id") : null,
                Checklist = l.Has("checklist") ? l.Required("checklist").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal) : ledger.Checklist,
            };
        }

        return new GuardContext(
            fields.String("strategy"), fields.String("status"), ledger.PolicyId, fields.Has("required_stage") ? fields.String("required_stage") : "", ledger,
            fields.CountMap("regimes"),
            fields.Has("required_regimes") ? [.. fields.Required("required_regimes").EnumerateArray().Select(item => item.GetString() ?? "")] : [],
            fields.Count("min_regime_count"), fields.Number("paper_green_span_days", 0));
    }
}
