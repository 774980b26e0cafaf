using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RulesGate.Core.Journal;

namespace RulesGate.Core.Application;

// The events of config-patch proposals written field by field, one record each. A proposal's own events
// (patches.proposed, approved, rejected, refused) hold its PatchProposalRecord; patch.decided holds the decision in
// the format the CLI prints and the reference system wrote (PatchJson).

/// <summary><c>patch.applied</c>: <paramref name="Target"/> set from <paramref name="OldValue"/> (null: absent) to <paramref name="NewValue"/> in the live overrides file.</summary>
public sealed record PatchApplied(
    string ProposalId,
    string PatchId,
    string Target,
    double? OldValue,
    double NewValue,
    string Overrides,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ApprovedBy) : IEventPayload<PatchApplied>
{
    public static string Type => EventTypes.PatchApplied;

    public static JsonTypeInfo<PatchApplied> Json => PatchEventJson.Default.PatchApplied;
}

/// <summary><c>patch.skipped</c>: an accepted patch not applied, and why.</summary>
public sealed record PatchSkipped(string ProposalId, string PatchId, string Reason) : IEventPayload<PatchSkipped>
{
    public static string Type => EventTypes.PatchSkipped;

    public static JsonTypeInfo<PatchSkipped> Json => PatchEventJson.Default.PatchSkipped;
}

/// <summary><c>patches.rolled_back</c>: each target the proposal changed put back, by whom and why.</summary>
public sealed record PatchesRolledBack(string ProposalId, string Actor, string Reason, string Overrides, IReadOnlyList<RestoredTarget> Restored) : IEventPayload<PatchesRolledBack>
{
    public static string Type => EventTypes.PatchesRolledBack;

    public static JsonTypeInfo<PatchesRolledBack> Json => PatchEventJson.Default.PatchesRolledBack;
}

/// <summary>A target a rollback puts back from <paramref name="From"/> to <paramref name="To"/> (null: removed).</summary>
public sealed record RestoredTarget(string Target, double From, double? To);

/// <summary>The patch events' JSON: snake_case names, in the order each record declares them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PatchApplied))]
[JsonSerializable(typeof(PatchSkipped))]
[JsonSerializable(typeof(PatchesRolledBack))]
internal sealed partial class PatchEventJson : JsonSerializerContext;
