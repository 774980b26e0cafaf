using System.Text.Json;
using RulesGate.Core.Governance;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Application;

/// <summary>What an intake of trade outcomes did: what it recorded, the ladders it started and moved, and why each other ladder stayed.</summary>
/// <param name="Held">Each maturity ladder of the strategies that stayed where it is, with its blockers as the gates file words them.</param>
public sealed record OutcomeIngest(OutcomeIntake Intake, IReadOnlyList<WorkflowInstance> Moved, IReadOnlyList<WorkflowInstance> Started, IReadOnlyList<HeldInstance> Held);

/// <summary>Trade outcomes into governance: recorded, then handed to the strategies' maturity ladders as evidence.</summary>
public static class OutcomeEvidence
{
    /// <summary>
    /// Records trade outcomes, then hands each strategy's figures to its maturity-ladder instance as <c>trades</c>
    /// evidence, so that its level moves as outcomes arrive; a workflow that starts on <c>trades</c> evidence gets an
    /// instance for a strategy that has none first. A ladder that stays says why.
    /// </summary>
    public static OutcomeIngest Ingest(GovernanceJournal journal, IReadOnlyList<TradeOutcome> outcomes, WorkflowRuntime? workflows)
    {
        var intake = journal.Record(outcomes);
        var (moved, started, held) = (new List<WorkflowInstance>(), new List<WorkflowInstance>(), new List<HeldInstance>());
        if (workflows is null || intake.Added == 0)
        {
            return new OutcomeIngest(intake, moved, started, held);
        }

        foreach (var strategy in intake.Strategies)
        {
            using var figures = JsonDocument.Parse(strategy.FiguresJson(journal.Settings.BaseEquity));
            var outcome = workflows.Evidence(strategy.Strategy, MaturityGate.EvidenceKind, figures.RootElement, key: $"outcomes:{strategy.Strategy}:{strategy.Trades}:{strategy.LastOutcome}");
            moved.AddRange(outcome.Moved);
            started.AddRange(outcome.Started);
            held.AddRange(outcome.Held);
        }

        return new OutcomeIngest(intake, moved, started, held);
    }
}
