namespace RulesGate.Core.Promotion;

/// <summary>Where a policy stands and where its evidence says it may go.</summary>
/// <param name="AuditGaps">What the record lacks at its declared stage.</param>
/// <param name="StageBlockers">For each gate (paper, pilot, limited_live), the blockers of the checks that failed, in file order.</param>
/// <param name="RecommendedStage">The last stage, climbing from experiment, whose gate passed.</param>
/// <param name="Applied">With <c>--apply</c>: the record after its approval workflow moved it, or null when the stage did not change.</param>
/// <param name="Refusal">With <c>--apply</c>: why the stage did not change (what the workflow waits for, or that there is no workflow), or null.</param>
public sealed record Assessment(
    PolicyLedgerRecord Ledger,
    DiaryMetrics Metrics,
    IReadOnlyList<string> AuditGaps,
    IReadOnlyDictionary<PromotionStage, IReadOnlyList<string>> StageBlockers,
    PromotionStage RecommendedStage,
    PolicyLedgerRecord? Applied = null,
    string? Refusal = null)
{
    public string PolicyId => Ledger.PolicyId;

    /// <summary>With <c>--apply</c>: the policy's approval workflow instance as the assessment left it; null when none was signalled.</summary>
    public Workflows.WorkflowInstance? Workflow { get; init; }
}
