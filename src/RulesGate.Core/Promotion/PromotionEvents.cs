using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RulesGate.Core.Journal;

namespace RulesGate.Core.Promotion;

// The promotion events written as records. diary.entry holds the entry in the diary's own input format (read back by
// DiaryEntry.Read); the ledger's events hold its transition as PolicyLedger writes it.

/// <summary>
/// <c>strategy.status</c>: a strategy's status set under the guard, with the settings in force whichever source gave
/// them (the guard file or RULESGATE_* overrides). It is also the strategy's projection document.
/// </summary>
public sealed record StrategyStatusSet(string Strategy, string PolicyId, string Status, string Actor, string Guard, IReadOnlyList<string> RequiredRegimes, int MinRegimeCount) : IEventPayload<StrategyStatusSet>
{
    public static string Type => EventTypes.StrategyStatus;

    public static JsonTypeInfo<StrategyStatusSet> Json => PromotionEventJson.Default.StrategyStatusSet;
}

/// <summary>The promotion events' JSON: snake_case names, in the order each record declares them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StrategyStatusSet))]
internal sealed partial class PromotionEventJson : JsonSerializerContext;
