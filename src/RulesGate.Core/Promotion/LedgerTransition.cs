namespace RulesGate.Core.Promotion;

/// <summary>One change of a policy's declared stage (or of its approvals and evidence at the same stage).</summary>
/// <param name="Kind"><c>promotion</c>, <c>override</c> (a promotion beyond the gates, granted by a stage-override workflow), <c>demotion</c> or <c>update</c>.</param>
/// <param name="PolicyDelta">The policy change approved with it, as JSON; null when none.</param>
public sealed record LedgerTransition(
    string Kind,
    PromotionStage From,
    PromotionStage To,
    string At,
    string Actor,
    IReadOnlyList<string> Approvals,
    string? EvidenceId,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(Serialization.RecordJson.RawJsonText))] string? PolicyDelta);
