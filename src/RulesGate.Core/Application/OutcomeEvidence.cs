using System.Text.Json;
using RulesGate.Core.Governance;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Application;

/// <summary>Trade outcomes into governance: recorded, then handed to the strategies' maturity ladders as evidence.</summary>
public static class OutcomeEvidence
{
    /// <summary>
    /// Records trade outcomes, then hands each strategy's figures to its maturity-ladder instance as <c>trades</c>
    /// evidence, so that its level moves as outcomes arrive.
    /// </summary>
    /// <returns>The intake, and the instances that moved.</returns>
    public static (OutcomeIntake Intake, IReadOnlyList<WorkflowInstance> Moved) Ingest(GovernanceJournal journal, IReadOnlyList<TradeOutcome> outcomes, WorkflowRuntime? workflows)
    {
        var intake = journal.Record(outcomes);
        var moved = new List<WorkflowInstance>();
        if (workflows is null || intake.Added == 0)
        {
            return (intake, moved);
        }

        foreach (var strategy in intake.Strategies)
        {
            using var figures = JsonDocument.Parse(strategy.FiguresJson(journal.Settings.BaseEquity));
            var outcome = workflows.Evidence(strategy.Strategy, MaturityGate.EvidenceKind, figures.RootElement, key: $"outcomes:{strategy.Strategy}:{strategy.Trades}:{strategy.LastOutcome}");
            moved.AddRange(outcome.Moved);
        }

        return (intake, moved);
    }
}
