using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Application;

/// <summary>
/// Orders through both gates, and evidence into governance: what the CLI and every host call. Without a journal, a
/// request's <c>governance</c> block states the strategy's state, so a case is judged from files alone; with one, the
/// state is the journal's and the request gives only its order's figures and a token's secret: a decision that lets
/// the order go uses that token, and both gates' decisions are journaled in one transaction with the rule files they used.
/// </summary>
public sealed class GovernanceDesk(GovernanceGate gate, CapitalGate? capital = null, GovernanceJournal? journal = null)
{
    public GovernanceGate Gate => gate;

    /// <summary>Judges one request by both gates (governance alone without a capital gate), and journals it when there is a journal.</summary>
    /// <param name="runId">The run the decision belongs to, for its stream; null for a single decision.</param>
    public GovernedDecision Judge(GovernanceRequest request, string? runId = null)
    {
        var capitalContext = request.Capital;
        if (journal is not null && GateJournal.State(journal.Store).Active && !capitalContext.Execution.KillSwitchActive)
        {
            capitalContext = new CapitalContext(capitalContext.Intent, capitalContext.Portfolio, capitalContext.Market, capitalContext.Execution with { KillSwitchActive = true });
        }

        var capitalDecision = capital?.Decide(capitalContext);
        var (governed, entry) = Govern(capitalContext, capitalDecision, request.Inputs, runId);
        if (entry is null)
        {
            return governed;
        }

        if (capital is not null && capitalDecision is not null)
        {
            GateJournal.Record(journal!.Store, capital, capitalContext, capitalDecision, runId, also: [entry], alsoBlobs: Blobs);
        }
        else
        {
            journal!.Store.Append([entry], Blobs);
        }

        return governed;
    }

    /// <summary>
    /// Governance on an order the capital gate has judged already (a run judges it in its own stream), composed with
    /// that decision; with a journal, a valid token it presented is used when the order goes, and the entry to append
    /// with the capital decision is returned (with <see cref="Blobs"/>, the rule files it names).
    /// </summary>
    public (GovernedDecision Decision, JournalEntry? Entry) Govern(CapitalContext capitalContext, CapitalDecision? capitalDecision, GovernanceInputs given, string? runId)
    {
        var intent = capitalContext.Intent;
        if (journal is not null && given.StateField() is { } field)
        {
            // A request describes its order; it does not get to say what level, health or token its strategy has.
            throw new FormatException($"governance.{field}: with a journal, the strategy's state is the journal's; a request may give only order{{leverage, reduce_only, open_positions}} and token (its secret). Leave {field} out, or judge the case without a journal.");
        }

        var under = journal is not null ? journal.Inputs(intent.StrategyId, intent.Symbol, intent.Qty, given.TokenSecret)
            : given.TokenSecret is not null ? new GovernanceInputs(Token: new TokenView(true, false, null, "no journal to check the token against; give --journal, or the token as { \"valid\": true } in a case judged from files"))
            : GovernanceInputs.None;
        var context = given.Over(under).Context(capitalContext, gate.Settings, gate.CapOf);
        var governed = GovernedDecision.Of(gate.Decide(context, Demotion(context, given)), capitalDecision, intent, LotSize);
        if (journal is null)
        {
            return (governed, null);
        }

        if (GovernanceActions.Goes(governed.Action) && context.Strategy.Token.Valid && given.TokenSecret is { } secret)
        {
            try
            {
                journal.Tokens.Consume(secret, intent.StrategyId, intent.Symbol, governed.Qty);
            }
            catch (TokenRefusedException refused)
            {
                // Used or revoked since it was checked: the order does not go.
                governed = governed with { Action = GovernanceAction.Block, Qty = 0, Reason = $"missing_or_invalid_execution_token: {refused.Message}" };
            }
        }

        return (governed, Entry(capitalContext, governed, runId));
    }

    /// <summary>The rule files a governance decision names, under their hashes: kept with the first decision that used them.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> Blobs =>
        gate.Maturity is { } maturity
            ? [new(gate.Bundle.File.Hash, gate.Bundle.File.Bytes), new(maturity.Bundle.File.Hash, maturity.Bundle.File.Bytes)]
            : [new(gate.Bundle.File.Hash, gate.Bundle.File.Bytes)];

    /// <summary>The lot size a governed quantity is rounded down to: the capital file's, or PolicyGate's without one.</summary>
    public double LotSize => capital?.LotSize ?? CapitalGate.DefaultLotSize;

    /// <summary>The maturity step down the strategy's figures call for now, when a ladder judges them and there are figures.</summary>
    private MaturityStep? Demotion(GovernanceContext context, GovernanceInputs given)
    {
        if (gate.Maturity is not { } ladder)
        {
            return null;
        }

        MaturityContext figures;
        var strategy = context.Strategy;
        if (given.Outcomes is { Count: > 0 } outcomes)
        {
            // The request's R-multiples stand for the P&L too; without an equity curve there is no drawdown.
            var sum = outcomes.Aggregate(StrategyOutcomes.Fresh(strategy.Id), (state, r) => state.After(new TradeOutcome("", strategy.Id, default, r, r), gate.Settings.Health));
            figures = new MaturityContext(strategy.Id, strategy.Level, strategy.LevelIndex, sum.Trades, sum.WinRate, sum.ProfitFactor, double.NaN, sum.LossStreak);
        }
        else if (journal?.Outcomes(strategy.Id) is { Trades: > 0 } recorded)
        {
            figures = new MaturityContext(strategy.Id, strategy.Level, strategy.LevelIndex, recorded.Trades, recorded.WinRate, recorded.ProfitFactor, recorded.Drawdown(gate.Settings.BaseEquity), recorded.LossStreak);
        }
        else
        {
            return null;
        }

        return ladder.Judge(figures) is { Change: "demotion" } step ? step : null;
    }

    private JournalEntry Entry(CapitalContext capitalContext, GovernedDecision governed, string? runId) =>
        new(runId is null ? GovernanceJournal.Stream(governed.Intent.StrategyId) : $"run:{runId}", GovernanceJournal.DecisionType, Serialization.JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            Serialization.JsonText.Optional(writer, "run_id"u8, runId);
            writer.WriteString("governance_bundle"u8, gate.Bundle.Identity);
            Serialization.JsonText.Optional(writer, "maturity_bundle"u8, gate.Maturity?.Bundle.Identity);
            Serialization.JsonText.Optional(writer, "capital_bundle"u8, capital?.Bundle.Identity);
            writer.WritePropertyName("request"u8);
            CapitalJson.WriteRequest(writer, capitalContext);
            writer.WritePropertyName("decision"u8);
            GovernanceJson.WriteDecision(writer, governed, gate.MaturityPolicy);
            writer.WriteEndObject();
        }, pretty: false));

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
