using System.Text.Json;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

/// <summary>
/// <c>kind: PromotionGate</c>: the checks a policy's diary and ledger must pass to enter each stage. A rule's id
/// is <c>stage.check</c> (<c>paper.min_decisions</c>): the stage whose gate it belongs to, then the check. A rule
/// fires when its check fails, and its message is the blocker, <c>key:detail</c>.
/// </summary>
public sealed class PromotionGateKind : RuleKind<PromotionContext>
{
    public static PromotionGateKind Instance { get; } = new();

    public override string Name => "PromotionGate";

    public override IReadOnlyDictionary<string, ParamSpec> ParamSchema { get; } = Schema();

    private static Dictionary<string, ParamSpec> Schema()
    {
        var schema = new Dictionary<string, ParamSpec>(StringComparer.Ordinal);
        foreach (var gate in new[] { "paper", "pilot", "limited_live" })
        {
            schema[$"{gate}.min_decisions"] = new(ParamType.Integer, Min: 0, Description: "Diary entries the gate's stage needs before its quality bars are judged.");
            schema[$"{gate}.max_forced_ratio"] = new(ParamType.Number, Min: 0, Max: 1, Description: "Largest share of forced decisions.");
            schema[$"{gate}.max_warn_ratio"] = new(ParamType.Number, Min: 0, Max: 1, Description: "Largest share of warn decisions.");
            schema[$"{gate}.min_normal_ratio"] = new(ParamType.Number, Min: 0, Max: 1, Description: "Smallest share of normal decisions.");
        }

        schema["pilot.min_normal_streak"] = new(ParamType.Integer, Min: 0, Description: "Normal, unforced decisions in a row while still in paper.");
        schema["limited_live.min_normal_streak"] = new(ParamType.Integer, Min: 0, Description: "Normal, unforced decisions in a row while still in pilot.");
        schema["limited_live.min_approvals"] = new(ParamType.Integer, Min: 0, Description: "Distinct approvals in the ledger.");
        schema["limited_live.min_paper_green_days"] = new(ParamType.Number, Min: 0, Description: "Days of the trailing green paper run.");
        return schema;
    }

    public override string? CheckRuleId(string id) =>
        id.Split('.', 2) is [var stage, { Length: > 0 }] && PromotionStages.TryParse(stage, out var gate) && gate != PromotionStage.Experiment && stage == gate.Name()
            ? null
            : "A PromotionGate rule id is stage.check, where stage is paper, pilot or limited_live, such as pilot.min_decisions.";

    public override object ReadContext(JsonElement json)
    {
        var fields = new JsonFields(json, "context", "stages", "latest_stage", "normal_streak", "paper_green_span_days", "ledger");
        var stages = new Dictionary<PromotionStage, StageMetrics>();
        if (fields.Has("stages"))
        {
            var stageFields = fields.Object("stages", [.. PromotionStages.All.Select(stage => stage.Name())]);
            foreach (var stage in PromotionStages.All.Where(stage => stageFields.Has(stage.Name())))
            {
                var metrics = stageFields.Object(stage.Name(), "total", "forced", "normal", "warn", "alert");
                stages[stage] = new StageMetrics(metrics.Count("total"), metrics.Count("forced"), metrics.Count("normal"), metrics.Count("warn"), metrics.Count("alert"), null, null);
            }
        }

        PromotionStage? latest = fields.Has("latest_stage") ? PromotionStages.Parse(fields.String("latest_stage")) : null;
        var diary = new DiaryMetrics("test", StageMetrics.Sum(stages.Values), stages, latest, fields.Count("normal_streak"), fields.Number("paper_green_span_days", 0));
        var record = fields.Has("ledger") ? PolicyLedgerRecord.Read(fields.Object("ledger", "declared_stage", "approvals", "evidence_id", "checklist"), "test") : PolicyLedgerRecord.New("test");
        return new PromotionContext(diary, record);
    }
}
