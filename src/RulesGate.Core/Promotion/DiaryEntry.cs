using System.Text.Json;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

public enum DiarySeverity
{
    Normal,
    Warn,
    Alert,
}

/// <summary>One decision a policy made, as its decision diary recorded it: the evidence promotions are judged on.</summary>
/// <param name="Forced">The decision was forced (overridden) rather than the policy's own.</param>
public sealed record DiaryEntry(
    string EntryId,
    string PolicyId,
    DateTimeOffset RecordedAt,
    PromotionStage Stage,
    DiarySeverity Severity,
    bool Forced,
    string? Regime = null,
    string? EvidenceId = null,
    string? Notes = null)
{
    /// <summary>True when the entry counts towards a streak or a green span: normal and not forced.</summary>
    public bool Green => Severity == DiarySeverity.Normal && !Forced;

    /// <summary>Reads one diary line.</summary>
    /// <exception cref="FormatException">A missing or unknown key, a wrong type, a stage or severity that does not exist, a time that is not UTC.</exception>
    public static DiaryEntry Read(JsonElement json)
    {
        var fields = new JsonFields(json, "entry", "entry_id", "policy_id", "recorded_at", "stage", "severity", "forced", "regime", "evidence_id", "notes");
        return new DiaryEntry(
            Identities.Id(fields.String("entry_id"), "entry.entry_id"),
            Identities.Id(fields.String("policy_id"), "entry.policy_id"),
            fields.Timestamp("recorded_at"),
            ReadStage(fields.String("stage")),
            fields.Choice<DiarySeverity>("severity"),
            fields.Bool("forced"),
            Optional(fields, "regime")?.ToLowerInvariant(),
            Optional(fields, "evidence_id"),
            Optional(fields, "notes"));
    }

    private static PromotionStage ReadStage(string text)
    {
        try
        {
            return PromotionStages.Parse(text);
        }
        catch (FormatException error)
        {
            throw new FormatException($"entry.stage: {error.Message}", error);
        }
    }

    private static string? Optional(JsonFields fields, string name) => fields.Has(name) ? fields.String(name) : null;
}
