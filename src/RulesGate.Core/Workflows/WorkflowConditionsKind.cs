using System.Text.Json;
using RulesGate.Core.Promotion;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Workflows;

/// <summary>
/// The conditions of a workflow file (<c>on_evidence.when</c> and <c>demote.when</c>), compiled together by the
/// rule engine as one bundle over <see cref="EvidenceContext"/>; errors point into the workflow file.
/// </summary>
internal sealed class WorkflowConditionsKind : RuleKind<EvidenceContext>
{
    public static WorkflowConditionsKind Instance { get; } = new();

    public override string Name => "WorkflowConditions";

    public override object ReadContext(JsonElement json)
    {
        var kind = json.TryGetProperty("kind", out var k) ? k.GetString() ?? "" : "";
        var evidence = new EvidenceRecord(kind, null, json.TryGetProperty("evidence", out var e) ? e : default);
        var diary = new PromotionContext(new DiaryMetrics("", StageMetrics.None, new Dictionary<PromotionStage, StageMetrics>(), null, 0, 0), PolicyLedgerRecord.New(""));
        return new EvidenceContext(
            json.TryGetProperty("subject", out var s) ? s.GetString() ?? "" : "",
            json.TryGetProperty("state", out var st) ? st.GetString() ?? "" : "",
            evidence,
            new Dictionary<string, EvidenceRecord> { [kind] = evidence },
            diary,
            new Dictionary<string, double>(),
            DateTimeOffset.UnixEpoch,
            () => json.TryGetProperty("journal_verified", out var verified) && verified.ValueKind == JsonValueKind.True);
    }
}
