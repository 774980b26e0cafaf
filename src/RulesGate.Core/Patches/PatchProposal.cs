using System.Text.Json;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Patches;

/// <summary>A patch written to the live overrides: the target, the value it had there before (null when none) and the new one.</summary>
public sealed record AppliedPatch(string PatchId, string Target, double? OldValue, double NewValue);

/// <summary>An accepted patch not applied, and why.</summary>
public sealed record SkippedPatch(string PatchId, string Reason);

/// <summary>What one propose run did: its decisions, the proposal (null when nothing was accepted or the mode is disabled), what was applied and skipped.</summary>
/// <param name="OutputDir">The proposal's folder; null without a proposal.</param>
public sealed record PatchRun(
    string? ProposalId,
    PatchMode Mode,
    IReadOnlyList<PatchDecision> Decisions,
    IReadOnlyList<AppliedPatch> Applied,
    IReadOnlyList<SkippedPatch> Skipped,
    string? OutputDir)
{
    /// <summary>The run as <c>patches propose</c> prints it.</summary>
    public string Json(bool pretty = true) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WritePropertyName("proposal_id"u8);
        JsonText.Value(writer, ProposalId);

        writer.WriteString("mode"u8, PatchModes.Name(Mode));
        writer.WriteStartArray("decisions"u8);
        foreach (var decision in Decisions)
        {
            PatchJson.WriteDecision(writer, decision, withPatch: false);
        }

        writer.WriteEndArray();
        writer.WriteStartObject("applied"u8);
        foreach (var applied in Applied)
        {
            writer.WritePropertyName(applied.Target);
            JsonText.Value(writer, applied.NewValue);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("skipped"u8);
        foreach (var skipped in Skipped)
        {
            writer.WriteStartObject();
            writer.WriteString("patch_id"u8, skipped.PatchId);
            writer.WriteString("reason"u8, skipped.Reason);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WritePropertyName("output_dir"u8);
        JsonText.Value(writer, OutputDir);

        writer.WriteEndObject();
    }, pretty);
}

/// <summary>The JSON of patches and decisions, as the journal keeps them and the proposal files hold them (keys sorted).</summary>
internal static class PatchJson
{
    public static void WriteDecision(Utf8JsonWriter writer, PatchDecision decision, bool withPatch)
    {
        writer.WriteStartObject();
        if (withPatch)
        {
            writer.WritePropertyName("patch"u8);
            WritePatch(writer, decision.Patch);
        }

        JsonText.Strings(writer, "notes"u8, decision.Notes);
        writer.WriteString("patch_id"u8, decision.Patch.Id);
        JsonText.Strings(writer, "reasons"u8, decision.Reasons);
        JsonText.Strings(writer, "safety_flags"u8, decision.SafetyFlags);
        writer.WriteString("status"u8, decision.Status);
        JsonText.Strings(writer, "tags"u8, decision.Tags);
        writer.WriteString("target"u8, decision.Patch.Target);
        writer.WriteEndObject();
    }

    /// <summary>The patch with its keys in ordinal order; its meta as sent.</summary>
    public static void WritePatch(Utf8JsonWriter writer, ConfigPatch patch)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("confidence_score"u8);
        JsonText.Value(writer, patch.Confidence);
        writer.WriteString("generated_at"u8, JsonText.Timestamp(patch.GeneratedAt));
        if (patch.EligibleForLive is { } eligible)
        {
            writer.WriteBoolean("eligible_for_live"u8, eligible);
        }

        writer.WriteString("id"u8, patch.Id);
        writer.WritePropertyName("meta"u8);
        using (var meta = JsonDocument.Parse(patch.Meta))
        {
            JsonText.Sorted(writer, meta.RootElement);
        }

        writer.WritePropertyName("new_value"u8);
        patch.NewValue.Write(writer);
        if (patch.Notes is { } notes)
        {
            writer.WriteString("notes"u8, notes);
        }

        writer.WritePropertyName("old_value"u8);
        patch.OldValue.Write(writer);
        writer.WriteString("reason"u8, patch.Reason);
        writer.WriteString("source_experiment_id"u8, patch.SourceExperimentId);
        writer.WriteString("status"u8, PatchSettings.StatusName(patch.Status));
        JsonText.Strings(writer, "tags"u8, patch.Tags);
        writer.WriteString("target"u8, patch.Target);
        writer.WriteEndObject();
    }
}
