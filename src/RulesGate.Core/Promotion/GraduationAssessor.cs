using RulesGate.Core.Journal;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Promotion;

/// <summary>
/// Judges a policy's diary and ledger against a <c>PromotionGate</c> rule file: each gate in order, the first with
/// a blocker stopping the climb. It recommends; a stage is recorded only by a workflow or by promote.
/// </summary>
internal sealed class GraduationAssessor
{
    /// <summary>The gates in the order they are climbed.</summary>
    public static IReadOnlyList<PromotionStage> Gates { get; } = [PromotionStage.Paper, PromotionStage.Pilot, PromotionStage.LimitedLive];

    private readonly RuleEvaluator<PromotionContext> evaluator;
    private readonly PromotionStage[] gateOf;

    /// <param name="bundle">A compiled <c>PromotionGate</c> file.</param>
    public GraduationAssessor(RuleBundle bundle)
    {
        evaluator = bundle.Evaluator<PromotionContext>();
        gateOf = [.. bundle.File.Rules.Select(rule => PromotionStages.Parse(rule.Id.Split('.')[0]))];
    }

    public RuleBundle Bundle => evaluator.Bundle;

    public Assessment Assess(JournalStore store, string policyId, DiaryWindow window) =>
        Judge(DecisionDiary.Metrics(store, policyId, window), PolicyLedger.Read(store, policyId));

    /// <summary>The gates' verdict on a diary's metrics and a ledger record.</summary>
    public Assessment Judge(DiaryMetrics metrics, PolicyLedgerRecord ledger)
    {
        var context = new PromotionContext(metrics, ledger);
        Span<bool> fired = stackalloc bool[gateOf.Length];
        evaluator.Evaluate(context, fired);
        var blockers = Gates.ToDictionary(gate => gate, _ => new List<string>());
        for (var i = 0; i < fired.Length; i++)
        {
            if (fired[i])
            {
                blockers[gateOf[i]].Add(evaluator.Message(i, context));
            }
        }

        var recommended = PromotionStage.Experiment;
        foreach (var gate in Gates)
        {
            if (blockers[gate].Count > 0)
            {
                break;
            }

            recommended = gate;
        }

        return new Assessment(ledger, metrics, ledger.AuditGaps(ledger.DeclaredStage), blockers.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<string>)pair.Value), recommended);
    }
}
