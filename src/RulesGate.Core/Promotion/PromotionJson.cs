using System.Text.Json;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

/// <summary>Assessments as snake_case JSON, keys in a fixed order.</summary>
public static class PromotionJson
{
    public static string Assessment(Assessment assessment, bool pretty = false) => JsonText.Write(writer => Write(writer, assessment), pretty);

    public static void Write(Utf8JsonWriter writer, Assessment assessment)
    {
        var ledger = assessment.Ledger;
        writer.WriteStartObject();
        writer.WriteString("policy_id"u8, assessment.PolicyId);
        writer.WriteString("current_stage"u8, ledger.CurrentStage.Name());
        writer.WriteString("declared_stage"u8, ledger.DeclaredStage.Name());
        writer.WriteString("audit_stage"u8, ledger.AuditStage.Name());
        writer.WriteString("recommended_stage"u8, assessment.RecommendedStage.Name());
        JsonText.Strings(writer, "approvals"u8, ledger.Approvals);
        writer.WritePropertyName("evidence_id"u8);
        JsonText.Value(writer, ledger.EvidenceId);
        JsonText.Strings(writer, "audit_gaps"u8, assessment.AuditGaps);
        writer.WriteStartObject("stage_blockers"u8);
        foreach (var (gate, blockers) in assessment.StageBlockers.OrderBy(pair => pair.Key))
        {
            JsonText.Strings(writer, System.Text.Encoding.UTF8.GetBytes(gate.Name()), blockers);
        }

        writer.WriteEndObject();
        Metrics(writer, assessment.Metrics);
        if (assessment.Applied is not null || assessment.Refusal is not null)
        {
            writer.WritePropertyName("applied_stage"u8);
            JsonText.Value(writer, assessment.Applied?.DeclaredStage.Name());
            writer.WritePropertyName("refusal"u8);
            JsonText.Value(writer, assessment.Refusal);
        }

        if (assessment.Workflow is { } instance)
        {
            writer.WriteStartObject("workflow"u8);
            writer.WriteString("instance"u8, instance.Id);
            writer.WriteString("state"u8, instance.State);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void Metrics(Utf8JsonWriter writer, DiaryMetrics metrics)
    {
        writer.WriteStartObject("metrics"u8);
        writer.WriteNumber("total"u8, metrics.Overall.Total);
        writer.WriteNumber("forced"u8, metrics.Overall.Forced);
        writer.WritePropertyName("forced_ratio"u8);
        JsonText.Value(writer, metrics.Overall.ForcedRatio);
        writer.WritePropertyName("latest_stage"u8);
        JsonText.Value(writer, metrics.LatestStage?.Name());
        writer.WriteNumber("normal_streak"u8, metrics.NormalStreak);
        writer.WritePropertyName("paper_green_span_days"u8);
        JsonText.Value(writer, metrics.PaperGreenSpanDays);
        writer.WriteStartObject("stages"u8);
        foreach (var stage in PromotionStages.All)
        {
            var s = metrics.Stage(stage);
            writer.WriteStartObject(stage.Name());
            writer.WriteNumber("total"u8, s.Total);
            writer.WriteNumber("forced"u8, s.Forced);
            writer.WriteNumber("normal"u8, s.Normal);
            writer.WriteNumber("warn"u8, s.Warn);
            writer.WriteNumber("alert"u8, s.Alert);
            Number(writer, "forced_ratio"u8, s.ForcedRatio);
            Number(writer, "warn_ratio"u8, s.WarnRatio);
            Number(writer, "normal_ratio"u8, s.NormalRatio);
            Number(writer, "alert_ratio"u8, s.AlertRatio);
            writer.WritePropertyName("first"u8);
            JsonText.Value(writer, s.First);
            writer.WritePropertyName("last"u8);
            JsonText.Value(writer, s.Last);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter writer, ReadOnlySpan<byte> name, double value)
    {
        writer.WritePropertyName(name);
        JsonText.Value(writer, value);
    }
}
