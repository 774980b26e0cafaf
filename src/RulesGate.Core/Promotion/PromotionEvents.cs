using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RulesGate.Core.Journal;

namespace RulesGate.Core.Promotion;

// The promotion events written as records. diary.entry holds the entry in the diary's own input format (read back by
// DiaryEntry.Read).

/// <summary>
/// A change of a policy's ledger: its declared stage from <c>From</c> to <c>To</c> (a stage
/// name), who made it with which approvals and evidence, and the checklist, threshold overrides and metadata it leaves.
/// </summary>
public interface ILedgerChange
{
    string PolicyId { get; }

    string Kind { get; }

    string From { get; }

    string To { get; }

    string Actor { get; }

    IReadOnlyList<string> Approvals { get; }

    string? EvidenceId { get; }
}

/// <summary><c>ledger.promoted</c>: the declared stage rose.</summary>
public sealed record LedgerPromoted(
    string PolicyId, string Kind, string From, string To, string Actor, IReadOnlyList<string> Approvals,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EvidenceId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] System.Text.Json.JsonElement? PolicyDelta,
    IReadOnlyDictionary<string, string> Checklist, IReadOnlyDictionary<string, double> ThresholdOverrides, IReadOnlyDictionary<string, string> Metadata)
    : ILedgerChange, IEventPayload<LedgerPromoted>
{
    public static string Type => EventTypes.LedgerPromoted;

    public static JsonTypeInfo<LedgerPromoted> Json => PromotionEventJson.Default.LedgerPromoted;
}

/// <summary><c>ledger.demoted</c>: the declared stage fell.</summary>
public sealed record LedgerDemoted(
    string PolicyId, string Kind, string From, string To, string Actor, IReadOnlyList<string> Approvals,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EvidenceId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] System.Text.Json.JsonElement? PolicyDelta,
    IReadOnlyDictionary<string, string> Checklist, IReadOnlyDictionary<string, double> ThresholdOverrides, IReadOnlyDictionary<string, string> Metadata)
    : ILedgerChange, IEventPayload<LedgerDemoted>
{
    public static string Type => EventTypes.LedgerDemoted;

    public static JsonTypeInfo<LedgerDemoted> Json => PromotionEventJson.Default.LedgerDemoted;
}

/// <summary><c>ledger.updated</c>: the stage kept; approvals, evidence, checklist, thresholds or metadata changed.</summary>
public sealed record LedgerUpdated(
    string PolicyId, string Kind, string From, string To, string Actor, IReadOnlyList<string> Approvals,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EvidenceId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] System.Text.Json.JsonElement? PolicyDelta,
    IReadOnlyDictionary<string, string> Checklist, IReadOnlyDictionary<string, double> ThresholdOverrides, IReadOnlyDictionary<string, string> Metadata)
    : ILedgerChange, IEventPayload<LedgerUpdated>
{
    public static string Type => EventTypes.LedgerUpdated;

    public static JsonTypeInfo<LedgerUpdated> Json => PromotionEventJson.Default.LedgerUpdated;
}

/// <summary>
/// <c>strategy.status</c>: a strategy's status set under the guard, with the settings in force whichever source gave
/// them (the guard file or RULESGATE_* overrides). It is also the strategy's projection document.
/// </summary>
public sealed record StrategyStatusSet(string Strategy, string PolicyId, string Status, string Actor, string Guard, IReadOnlyList<string> RequiredRegimes, int MinRegimeCount) : IEventPayload<StrategyStatusSet>
{
    public static string Type => EventTypes.StrategyStatus;

    public static JsonTypeInfo<StrategyStatusSet> Json => PromotionEventJson.Default.StrategyStatusSet;
}

/// <summary>The promotion events' JSON: snake_case names, in the order each record declares them; maps in ordinal key order.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    Converters = [typeof(Serialization.RecordJson.SortedMap<string>), typeof(Serialization.RecordJson.SortedMap<double>)])]
[JsonSerializable(typeof(StrategyStatusSet))]
[JsonSerializable(typeof(LedgerPromoted))]
[JsonSerializable(typeof(LedgerDemoted))]
[JsonSerializable(typeof(LedgerUpdated))]
internal sealed partial class PromotionEventJson : JsonSerializerContext;
