using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Governance;

/// <summary>What governance knows of a strategy, as <c>governance show</c> prints it.</summary>
/// <param name="SizingCap">The cap in force: its standing's, or else its level's by the maturity file; null without either.</param>
public sealed record StrategyReport(
    string Strategy,
    string Level,
    double? SizingCap,
    HealthView Health,
    StrategyOutcomes Outcomes,
    double Drawdown,
    DriftView Drift,
    IReadOnlyList<DriftAlert> Alerts,
    IReadOnlyList<ExecutionToken> Tokens,
    IReadOnlyList<string> CanaryPaused)
{
    /// <summary>Where its maturity ladder goes next on its latest trades, and what keeps it where it is; null without a ladder or trades.</summary>
    public MaturityStep? Next { get; init; }

    /// <summary>Its one record of where it stands on each of its ladders; null before any workflow placed it.</summary>
    public SubjectStanding? Standing { get; init; }

    /// <summary>What set <see cref="SizingCap"/>, in words.</summary>
    public string? CapSetBy { get; init; }
}

/// <summary>How many outcomes an intake recorded, how many it had seen before, and each strategy's state after it.</summary>
public sealed record OutcomeIntake(int Added, int Duplicates, IReadOnlyList<StrategyOutcomes> Strategies);

/// <summary>
/// Governance's state in the journal: trade outcomes add up into the strategy's <c>health</c> projection (a
/// <c>governance.health</c> event on <c>outcomes:{strategy}</c> per strategy per intake, each outcome recorded once by
/// its id, with a fingerprint of its content); drift alerts and decisions are <c>governance.drift_alert</c> and
/// <c>governance.decision</c> events on <c>governance:{strategy}</c>. The
/// strategy's maturity level is its maturity-ladder workflow instance's state; tokens and the canary keep their own.
/// </summary>
public sealed class GovernanceJournal(JournalStore store, GovernanceSettings settings, TimeProvider? time = null)
{
    public const string HealthProjection = "health";
    public const string OutcomeProjection = "outcome";
    public const string HealthType = EventTypes.GovernanceHealth;
    public const string DriftType = EventTypes.GovernanceDriftAlert;
    public const string DecisionType = EventTypes.GovernanceDecision;

    /// <summary>The evidence kinds drift compares: the backtest's figures and the live ones.</summary>
    public const string BaselineKind = "baseline";
    public const string PerformanceKind = "performance";

    /// <summary>The workflow whose instance about a strategy holds its maturity level.</summary>
    public const string MaturityWorkflow = "maturity-ladder";

    /// <summary>The stream of a strategy's decisions and drift alerts.</summary>
    public static string Stream(string strategy) => $"governance:{strategy}";

    /// <summary>The stream of a strategy's outcome intakes: each of its events sets the strategy's health document.</summary>
    public static string OutcomeStream(string strategy) => $"outcomes:{strategy}";

    public JournalStore Store => store;

    public GovernanceSettings Settings => settings;

    public TokenLedger Tokens { get; } = new(store, settings.Tokens, time);

    public CanaryMonitor Canary { get; } = new(store, settings.Canary);

    /// <summary>The strategy's outcomes as recorded; a fresh record when it has none.</summary>
    public StrategyOutcomes Outcomes(string strategy)
    {
        strategy = Identities.Id(strategy, "strategy");
        return Read(store.Load(HealthProjection, strategy), strategy);
    }

    private static StrategyOutcomes Read(StoredProjection? document, string strategy) =>
        document is null ? StrategyOutcomes.Fresh(strategy) : JournalException.Parsed(document.Key, () => RecordJson.Read<StrategyOutcomes>(document.Value));

    /// <summary>
    /// Records outcomes, oldest first within each strategy; an outcome already recorded (by its id) is skipped.
    /// One transaction per strategy.
    /// </summary>
    /// <exception cref="FormatException">An outcome closed before the strategy's last recorded one, or an id was recorded with other content; nothing of that strategy was written.</exception>
    /// <exception cref="JournalConflictException">Another intake of the strategy was recorded meanwhile; nothing of that strategy was written.</exception>
    public OutcomeIntake Record(IReadOnlyList<TradeOutcome> outcomes)
    {
        // Every outcome is checked before anything is written, so a refused intake leaves every strategy as it was.
        var duplicates = 0;
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var plans = new List<(StoredProjection? Document, StrategyOutcomes State, List<TradeOutcome> Fresh)>();
        foreach (var batch in outcomes.GroupBy(outcome => outcome.StrategyId, StringComparer.Ordinal).OrderBy(group => group.Key, StringComparer.Ordinal))
        {
            var document = store.Load(HealthProjection, batch.Key);
            var state = Read(document, batch.Key);
            var fresh = new List<TradeOutcome>();
            foreach (var outcome in batch.OrderBy(outcome => outcome.ClosedAt))
            {
                var recorded = store.Load(OutcomeProjection, outcome.OutcomeId)?.Value ?? seen.GetValueOrDefault(outcome.OutcomeId);
                if (recorded is not null)
                {
                    // A repeated id is the same trade sent again, or a conflict: never a second value under one key.
                    if (recorded != outcome.Fingerprint)
                    {
                        throw new FormatException($"outcome {outcome.OutcomeId} was recorded with other content; an outcome id names one trade, so send a new id for a new trade.");
                    }

                    duplicates++;
                    continue;
                }

                if (state.LastClosedAt is { } last && outcome.ClosedAt < last)
                {
                    throw new FormatException($"outcome {outcome.OutcomeId} of {batch.Key} closed at {JsonText.Timestamp(outcome.ClosedAt)}, before the last recorded one ({state.LastOutcome}, {JsonText.Timestamp(last)}); health adds outcomes oldest first, so send them in the order they closed.");
                }

                seen[outcome.OutcomeId] = outcome.Fingerprint;
                state = state.After(outcome, settings.Health);
                fresh.Add(outcome);
            }

            plans.Add((document, state, fresh));
        }

        foreach (var (document, state, fresh) in plans.Where(plan => plan.Fresh.Count > 0))
        {
            using var figures = System.Text.Json.JsonDocument.Parse(state.FiguresJson(settings.BaseEquity));
            var stream = OutcomeStream(state.Strategy);
            var recorded = new HealthRecorded(state.Strategy, [.. fresh.Select(outcome => outcome.OutcomeId)], state.Debt, state.Credit, state.Health.Score(settings.Health), state.Health.Multiplier(settings.Health), figures.RootElement);
            store.Append([EventPayload.Entry(stream, recorded)], project: (scope, events) =>
            {
                scope.Store(HealthProjection, state.Strategy, RecordJson.Write(state), events[0].Seq);
                foreach (var outcome in fresh)
                {
                    scope.Store(OutcomeProjection, outcome.OutcomeId, outcome.Fingerprint, events[0].Seq);
                }
            }, expected: (stream, document?.Seq ?? 0));     // every event of the stream sets the health document
        }

        return new OutcomeIntake(plans.Sum(plan => plan.Fresh.Count), duplicates, [.. plans.Select(plan => plan.State)]);
    }

    /// <summary>The strategy's one record of where it stands; null before any workflow placed it on a ladder.</summary>
    public SubjectStanding? Standing(string strategy) => SubjectStanding.Read(store, SubjectKind, Identities.Id(strategy, "strategy"));

    /// <summary>The kind of subject a strategy is, in workflows and standing records.</summary>
    public const string SubjectKind = "strategy";

    /// <summary>Every strategy the journal knows: by its standing, health, tokens or evidence, in ordinal order.</summary>
    public SortedSet<string> Strategies() => StrategiesOf(store);

    /// <summary>Every strategy <paramref name="store"/> knows: by its standing, health, tokens or evidence, in ordinal order.</summary>
    public static SortedSet<string> StrategiesOf(JournalStore store) =>
        new(store.Starting(SubjectStanding.Projection, $"{SubjectKind}:").Select(document => document.Id[(SubjectKind.Length + 1)..])
            .Concat(store.All(HealthProjection).Select(document => document.Id))
            .Concat(store.All(TokenLedger.Projection).Select(document => document.Id))
            .Concat(store.All(WorkflowRuntime.EvidenceProjection).Select(document => document.Id)), StringComparer.Ordinal);

    /// <summary>The strategy's maturity level by its standing; L0_shadow before it has one.</summary>
    public static string Level(SubjectStanding? standing) =>
        standing?.Level is { } level && MaturityPolicyKind.IndexOf(level) >= 0 ? level : MaturityPolicyKind.Levels[0];

    /// <summary>Everything the journal says of the strategy for one order of <paramref name="symbol"/> and <paramref name="qty"/>.</summary>
    /// <param name="tokenSecret">The execution token the order presents, checked and not used; null for none.</param>
    public GovernanceInputs Inputs(string strategy, string symbol, double qty, string? tokenSecret)
    {
        strategy = Identities.Id(strategy, "strategy");
        var (baseline, live) = Drift(strategy);
        var standing = Standing(strategy);
        return new GovernanceInputs(
            Level: Level(standing),
            SizingCap: standing?.SizingCap,
            Health: Outcomes(strategy).Health,
            Baseline: baseline,
            Live: live,
            Token: Tokens.Check(tokenSecret, strategy, symbol, qty),
            CanaryPaused: PausedComponents());
    }

    /// <summary>Everything governance knows of the strategy now.</summary>
    /// <param name="capOf">The sizing cap of a level (the maturity file's); null without one.</param>
    /// <exception cref="FormatException">The journal knows nothing of the strategy (no standing, outcome, token or evidence); names those it knows.</exception>
    /// <param name="runtime">The runtime that judges the strategy's maturity ladder for <see cref="StrategyReport.Next"/>; null: not judged.</param>
    public StrategyReport Report(string strategy, Func<string, double>? capOf, WorkflowRuntime? runtime = null)
    {
        strategy = Identities.Id(strategy, "strategy");
        var known = Strategies();
        if (!known.Contains(strategy))
        {
            throw new FormatException($"The journal knows no strategy '{strategy}'{(known.Count == 0 ? "; it has no standing, outcome, token or evidence of any." : $"; it knows {string.Join(", ", known.Take(10))}{(known.Count > 10 ? ", …" : "")}.")}");
        }

        return Report(strategy, capOf, runtime, PausedComponents());
    }

    /// <summary>What governance knows of every strategy the journal knows, in ordinal order; what they share (the canary) read once.</summary>
    public IReadOnlyList<StrategyReport> Reports(Func<string, double>? capOf, WorkflowRuntime? runtime = null)
    {
        var paused = PausedComponents();
        return [.. Strategies().Select(strategy => Report(strategy, capOf, runtime, paused))];
    }

    private StrategyReport Report(string strategy, Func<string, double>? capOf, WorkflowRuntime? runtime, IReadOnlyList<string> paused)
    {
        var outcomes = Outcomes(strategy);
        var standing = Standing(strategy);
        var level = Level(standing);
        var (baseline, live) = Drift(strategy);
        var drift = baseline is null || live is null ? DriftView.None : DriftView.Of(settings.DriftMetrics, baseline, live);
        var cap = standing?.SizingCap ?? capOf?.Invoke(level);
        return new StrategyReport(
            strategy, level, cap, HealthView.Of(outcomes.Health, settings.Health), outcomes, outcomes.Drawdown(settings.BaseEquity),
            drift, settings.DriftAlerts(drift), Tokens.Active(strategy), paused)
        {
            Standing = standing,
            CapSetBy = standing?.CapSetBy ?? (cap is null ? null : $"{level} by the maturity file"),
            Next = runtime is not null && standing?.Ladders.FirstOrDefault(ladder => ladder.Maturity) is { } ladder && runtime.Find(ladder.Instance) is { } instance ? runtime.NextStep(instance) : null,
        };
    }

    /// <summary>The components whose failures pause trading now: at or past the threshold, when the canary's action is pause.</summary>
    public IReadOnlyList<string> PausedComponents() =>
        settings.Canary.Action != CanaryAction.Pause ? [] :
        [.. store.All(CanaryMonitor.Projection).Where(document => CanaryMonitor.Failures(document) >= settings.Canary.FailureThreshold).Select(document => document.Id)];

    /// <summary>The strategy's latest <c>baseline</c> and <c>performance</c> evidence: their numeric fields by name.</summary>
    public (IReadOnlyDictionary<string, double>? Baseline, IReadOnlyDictionary<string, double>? Live) Drift(string strategy)
    {
        if (store.Load(WorkflowRuntime.EvidenceProjection, Identities.Id(strategy, "strategy")) is not { } document)
        {
            return (null, null);
        }

        using var json = JournalException.Parsed(document.Key, () => JsonDocument.Parse(document.Value));
        static Dictionary<string, double>? Numbers(JsonElement root, string kind) =>
            root.TryGetProperty(kind, out var fields) && fields.ValueKind == JsonValueKind.Object
                ? fields.EnumerateObject().Where(field => field.Value.ValueKind == JsonValueKind.Number).ToDictionary(field => field.Name, field => field.Value.GetDouble(), StringComparer.Ordinal)
                : null;
        return (Numbers(json.RootElement, BaselineKind), Numbers(json.RootElement, PerformanceKind));
    }

    /// <summary>Journals the strategy's drift alerts as they stand now, when it has any; returns them.</summary>
    public IReadOnlyList<DriftAlert> RecordDrift(string strategy)
    {
        strategy = Identities.Id(strategy, "strategy");
        var (baseline, live) = Drift(strategy);
        var alerts = baseline is null || live is null ? [] : settings.DriftAlerts(DriftView.Of(settings.DriftMetrics, baseline, live));
        if (alerts.Count > 0)
        {
            store.Append([new JournalEntry(Stream(strategy), DriftType, JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("strategy"u8, strategy);
                GovernanceJson.WriteAlerts(writer, alerts);
                writer.WriteEndObject();
            }, pretty: false))]);
        }

        return alerts;
    }
}
