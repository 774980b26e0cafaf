using System.Text.Json;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

/// <summary>
/// <c>kind: PromotionGuard</c>: what a strategy's status change needs from its policy's ledger and diary. Params
/// <c>status_stages.STATUS</c> name the stage each gated status needs; a rule fires when a requirement is not met
/// and its message is the sentence the refusal shows.
/// </summary>
internal sealed class PromotionGuardKind : RuleKind<GuardContext>
{
    public static PromotionGuardKind Instance { get; } = new();

    public override string Name => "PromotionGuard";

    public override object ReadContext(JsonElement json)
    {
        var fields = new JsonFields(json, "context", "strategy", "status", "policy_id", "required_stage", "ledger", "regimes", "required_regimes", "min_regime_count", "paper_green_span_days");
        var policy = fields.String("policy_id");
        var ledger = fields.Has("ledger") ? PolicyLedgerRecord.Read(fields.Object("ledger", "declared_stage", "approvals", "evidence_id", "checklist"), policy) : PolicyLedgerRecord.New(policy);

        return new GuardContext(
            fields.String("strategy"), fields.String("status"), ledger.PolicyId, fields.Has("required_stage") ? fields.String("required_stage") : "", ledger,
            fields.CountMap("regimes"),
            fields.Has("required_regimes") ? [.. fields.Required("required_regimes").EnumerateArray().Select(item => item.GetString() ?? "")] : [],
            fields.Count("min_regime_count"), fields.Number("paper_green_span_days", 0));
    }
}
