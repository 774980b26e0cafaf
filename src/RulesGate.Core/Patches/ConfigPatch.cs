using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Patches;

/// <summary>A patch's old or new value: a number, a text or a flag.</summary>
public readonly record struct PatchValue(JsonValueKind Kind, double Number, string? Text)
{
    public bool IsNumber => Kind == JsonValueKind.Number;

    /// <summary>A patch's value; with <paramref name="allowNull"/> (an <c>old_value</c>), <c>null</c> too: a value never set before.</summary>
    public static PatchValue Read(JsonElement value, string at, bool allowNull = false) => value.ValueKind switch
    {
        JsonValueKind.Null when allowNull => new(JsonValueKind.Null, double.NaN, null),
        JsonValueKind.Number => new(JsonValueKind.Number, JsonFields.Number(value, at), null),
        JsonValueKind.String => new(JsonValueKind.String, double.NaN, value.GetString()),
        JsonValueKind.True or JsonValueKind.False => new(value.ValueKind, double.NaN, null),
        _ => throw new FormatException($"{at}: expected a finite number, a text or true/false{(allowNull ? ", or null for a value never set before" : "")}."),
    };

    public void Write(Utf8JsonWriter writer)
    {
        switch (Kind)
        {
            case JsonValueKind.Number:
                JsonText.Value(writer, Number);
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(Text);
                break;
            case JsonValueKind.Null:
                writer.WriteNullValue();
                break;
            default:
                writer.WriteBooleanValue(Kind == JsonValueKind.True);
                break;
        }
    }

    /// <summary>The value as messages write it: numbers in their shortest round-trip form, invariant.</summary>
    public override string ToString() => Kind switch
    {
        JsonValueKind.Number => Number.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.String => Text ?? "",
        JsonValueKind.Null => "null",
        _ => Kind == JsonValueKind.True ? "true" : "false",
    };
}

/// <summary>What a patch's lifecycle says of it, as the learning loop reports it.</summary>
public enum PatchStatus
{
    Proposed,
    AppliedOffline,
    Promoted,
    Rejected,
    Retired,
}

/// <summary>A config patch the learning loop proposes: change <see cref="Target"/> from <see cref="OldValue"/> to <see cref="NewValue"/>.</summary>
/// <param name="Confidence">The learning loop's confidence; null when it gives none.</param>
/// <param name="Tags">The patch's own tags (normalized, lower-case), beside those its target earns.</param>
/// <param name="LiveReady"><c>meta.is_live_ready</c>; null when the meta does not say.</param>
/// <param name="Meta">The patch's <c>meta</c> object as sent, kept for the proposal.</param>
public sealed record ConfigPatch(
    string Id,
    string Target,
    PatchValue OldValue,
    PatchValue NewValue,
    PatchStatus Status,
    DateTimeOffset GeneratedAt,
    string Reason,
    string SourceExperimentId,
    double? Confidence,
    IReadOnlyList<string> Tags,
    bool? LiveReady,
    string Meta)
{
    private static readonly string[] Fields = ["id", "target", "old_value", "new_value", "status", "generated_at", "reason", "source_experiment_id", "confidence_score", "tags", "meta", "eligible_for_live", "notes"];

    /// <summary>
    /// <c>eligible_for_live</c> as the patch sets it: an explicit opt-in (the seed's v0 default is false). Null when the
    /// patch does not say; then only an <c>eligible.*</c> rule of the PatchPolicy can make it eligible.
    /// </summary>
    public bool? EligibleForLive { get; init; }

    /// <summary>The patch's own <c>notes</c>, carried to its decision and the operator checklist; null when none.</summary>
    public string? Notes { get; init; }

    /// <summary>Reads one line of a patches file.</summary>
    /// <exception cref="FormatException">A key is unknown, missing or of the wrong type; names it.</exception>
    public static ConfigPatch Read(JsonElement json)
    {
        var fields = new JsonFields(json, "patch", Fields);
        var status = fields.String("status") switch
        {
            "PROPOSED" => PatchStatus.Proposed,
            "APPLIED_OFFLINE" => PatchStatus.AppliedOffline,
            "PROMOTED" => PatchStatus.Promoted,
            "REJECTED" => PatchStatus.Rejected,
            "RETIRED" => PatchStatus.Retired,
            var other => throw new FormatException($"patch.status: '{other}' is not one of PROPOSED, APPLIED_OFFLINE, PROMOTED, REJECTED, RETIRED."),
        };
        if (!json.TryGetProperty("confidence_score", out var score))
        {
            throw new FormatException("patch.confidence_score: required (a number, or null when there is none).");
        }

        var confidence = score.ValueKind == JsonValueKind.Null ? (double?)null : fields.Number("confidence_score");
        var meta = json.TryGetProperty("meta", out var given) && given.ValueKind != JsonValueKind.Null ? given : default;
        if (meta.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            throw new FormatException("patch.meta: expected an object.");
        }

        bool? liveReady = meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("is_live_ready", out var ready)
            ? ready.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new FormatException("patch.meta.is_live_ready: expected true or false."),
            }
            : null;
        return new ConfigPatch(
            fields.Id("id"),
            Identities.Id(fields.String("target"), "patch.target"),
            PatchValue.Read(fields.Present("old_value"), "patch.old_value", allowNull: true),
            PatchValue.Read(fields.Required("new_value"), "patch.new_value"),
            status,
            fields.Timestamp("generated_at"),
            fields.String("reason"),
            fields.Id("source_experiment_id"),
            confidence,
            fields.Has("tags") ? ReadTags(fields.Required("tags")) : [],
            liveReady,
            meta.ValueKind == JsonValueKind.Object ? meta.GetRawText() : "{}")
        {
            EligibleForLive = fields.Has("eligible_for_live") ? fields.Bool("eligible_for_live") : null,
            Notes = fields.Has("notes") ? Identities.Text(fields.String("notes"), "patch.notes") : null,
        };
    }

    private static string[] ReadTags(JsonElement tags) =>
        tags.ValueKind == JsonValueKind.Array
            ? [.. tags.EnumerateArray().Select((tag, i) => tag.ValueKind == JsonValueKind.String ? Identities.Name(tag.GetString(), $"patch.tags[{i}]") : throw new FormatException($"patch.tags[{i}]: expected a tag name."))]
            : throw new FormatException("patch.tags: expected an array of tag names.");
}
