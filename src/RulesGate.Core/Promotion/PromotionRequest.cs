namespace RulesGate.Core.Promotion;

/// <summary>An operator's (or the assessor's) request to set a policy's declared stage.</summary>
/// <param name="Approvals">Added to those already recorded.</param>
/// <param name="EvidenceId">Replaces the recorded evidence id when given.</param>
/// <param name="Checklist">Item → status, merged over the recorded checklist.</param>
/// <param name="ThresholdOverrides">Name → value, merged over the recorded ones (kept with the record for the tools that apply them).</param>
/// <param name="Metadata">Key → text, merged over the recorded metadata.</param>
/// <param name="PolicyDelta">The policy change this promotion approves, as JSON; refused without approvals in the same request.</param>
/// <param name="Override">The <c>stage-override</c> instance that grants a stage beyond what the gates recommend; the change is then recorded as an <c>override</c>.</param>
/// <param name="ExpectedVersion">The record version the request was made against; a different one is a conflict. Null: the version read just before writing.</param>
public sealed record PromotionRequest(
    string PolicyId,
    PromotionStage Stage,
    string Actor,
    IReadOnlyList<string>? Approvals = null,
    string? EvidenceId = null,
    IReadOnlyDictionary<string, string>? Checklist = null,
    string? PolicyDelta = null,
    bool AllowSingleApproval = false,
    bool AllowRegression = false,
    long? ExpectedVersion = null,
    IReadOnlyDictionary<string, double>? ThresholdOverrides = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    IReadOnlyCollection<string>? DeclaredRoles = null,
    string? Override = null);
