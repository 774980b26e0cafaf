using System.Text.Json;
using RulesGate.Core.Governance;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Application;

/// <summary>Trade outcomes into governance: recorded, then handed to the strategies' maturity ladders as evidence.</summary>
public static class OutcomeEvidence
{
    /// <summary>
    /// Records trade outcomes, then hands each strategy's figures to its maturity-ladder instance as <c>trades</c>
    /// evidence, so that its level moves as outcomes arrive; a workflow that starts on <c>trades</c> evidence gets an
    /// instance for a strategy that has none first.
    /// </summary>
    /// <returns>The intake, the instances that moved, and those the evidence started.</returns>
    public static (OutcomeIntake Intake, IReadOnlyList<WorkflowInstance> Moved, IReadOnlyList<WorkflowInstance> Started) Ingest(GovernanceJournal journal, IReadOnlyList<TradeOutcome> outcomes, WorkflowRuntime? workflows)
    {
        var intake = journal.Record(outcomes);
        var moved = new List<WorkflowInstance>();
        var started = new List<WorkflowInstance>();
        if (workflows is null || intake.Added == 0)
        {
            return (intake, moved, started);
        }

        foreach (var strategy in intake.Strategies)
        {
            using var figures = JsonDocument.Parse(strategy.FiguresJson(journal.Settings.BaseEquity));
            var outcome = workflows.Evidence(strategy.Strategy, MaturityGate.EvidenceKind, figures.RootElement, key: $"outcomes:{strategy.Strategy}:{strategy.Trades}:{strategy.LastOutcome}");
            moved.AddRange(outcome.Moved);
            started.AddRange(outcome.Started);
        }

        return (intake, moved, started);
    }
}
