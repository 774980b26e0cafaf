using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

/// <summary>
/// Gates strategy status changes on a <c>PromotionGuard</c> rule file: the status's ledger stage, no audit gaps
/// there, diary coverage of the required regimes and, for limited_live, the paper green span. An allowed change
/// is journaled (<c>strategy.status</c>) with the <c>strategy:{id}</c> projection.
/// </summary>
public sealed class PromotionGuard
{
    public const string DefaultPath = "rules/promotion/guard.yaml";
    public const string StatusType = EventTypes.StrategyStatus;

    /// <summary>The projection of each strategy's recorded status, by strategy; also the prefix of its streams.</summary>
    public const string Projection = "strategy";

    private readonly RuleEvaluator<GuardContext> evaluator;
    private readonly Func<string, string?> environment;

    /// <param name="bundle">A compiled <c>PromotionGuard</c> file.</param>
    /// <param name="environment">Reads RULESGATE_REQUIRED_REGIMES and RULESGATE_MIN_REGIME_COUNT; the process environment by default.</param>
    public PromotionGuard(RuleBundle bundle, Func<string, string?>? environment = null)
    {
        evaluator = bundle.Evaluator<GuardContext>();
        this.environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <summary>The guard file: <paramref name="path"/>, else RULESGATE_GUARD_CONFIG (or AlphaTrade's PROMOTION_GUARD_CONFIG), else <see cref="DefaultPath"/>.</summary>
    /// <exception cref="FormatException">A variable is set but empty, both are set and differ, or the file is not a PromotionGuard.</exception>
    public static RuleResult<RuleBundle> Load(RuleEngine engine, string? path, Func<string, string?>? environment = null)
    {
        var file = path ?? Settings.ReadEither("RULESGATE_GUARD_CONFIG", "PROMOTION_GUARD_CONFIG", environment) ?? DefaultPath;
        var loaded = engine.Load(file);
        return loaded.Value is { Kind: not PromotionGuardKind } bundle ? throw new FormatException($"{file}: a {bundle.Kind.Name} file, not a PromotionGuard file.") : loaded;
    }

    /// <summary>The sentences that refuse the change, in rule order; empty when it may go ahead.</summary>
    public IReadOnlyList<string> Check(JournalStore store, string strategy, string policyId, string status) =>
        Blockers(Context(store, strategy, policyId, status));

    private List<string> Blockers(GuardContext context)
    {
        Span<bool> fired = stackalloc bool[evaluator.Rules.Count];
        evaluator.Evaluate(context, fired);
        var blockers = new List<string>();
        for (var i = 0; i < fired.Length; i++)
        {
            if (fired[i])
            {
                blockers.Add(evaluator.Message(i, context));
            }
        }

        return blockers;
    }

    /// <summary>Sets the strategy's status when the guard allows it.</summary>
    /// <exception cref="PromotionRefusedException">The guard refuses; the message names every blocker.</exception>
    public void SetStatus(JournalStore store, string strategy, string policyId, string status, string actor)
    {
        strategy = Identities.Id(strategy, "strategy");
        policyId = Identities.Id(policyId, "policy id");
        actor = Identities.Name(actor, "actor");
        var context = Context(store, strategy, policyId, status);
        var blockers = Blockers(context);
        if (blockers.Count > 0)
        {
            throw new PromotionRefusedException(strategy, string.Join(" ", blockers));
        }

        var key = $"{Projection}:{strategy}";
        var entry = EventPayload.Entry(key, new StrategyStatusSet(strategy, policyId, context.Status, actor, evaluator.Bundle.Identity, context.RequiredRegimes, context.MinRegimeCount));
        store.Append([entry], project: (scope, events) => scope.Store(Projection, strategy, entry.Payload, events[0].Seq));
    }

    /// <summary>A strategy's recorded status, or null.</summary>
    public static string? Status(JournalStore store, string strategy)
    {
        if (store.Load(Projection, Identities.Id(strategy, "strategy"))?.Value is not { } json)
        {
            return null;
        }

        return JournalException.Parsed($"{Projection}:{strategy}", () => JsonSerializer.Deserialize(json, StrategyStatusSet.Json)?.Status ?? throw new JsonException("null"));
    }

    /// <summary>The statuses the guard file declares (<c>params.statuses</c>), normalized.</summary>
    public IReadOnlyList<string> Statuses =>
        [.. (evaluator.Bundle.File.Params.Find("statuses")?.Value as IReadOnlyList<string> ?? []).Select(declared => Identities.Name(declared, "declared status"))];

    /// <summary>
    /// <paramref name="status"/> normalized, if the guard file declares it; statuses are a closed set, so a typo
    /// (or an invisible character) is refused rather than let past a guard that does not know it.
    /// </summary>
    /// <exception cref="PromotionRefusedException">The status is not declared; says which are, or which was meant.</exception>
    public string Normalize(string status)
    {
        var normalized = Identities.Name(status, "status");
        var statuses = Statuses;
        if (statuses.Contains(normalized, StringComparer.Ordinal))
        {
            return normalized;
        }

        var guess = Naming.Closest(normalized, statuses);
        throw new PromotionRefusedException(normalized, statuses.Count == 0
            ? $"{evaluator.Bundle.File.Path} declares no statuses; add params.statuses, such as [candidate, approved, active, paused, retired]."
            : $"'{normalized}' is not a status {evaluator.Bundle.File.Path} declares; {(guess is null ? $"write one of {string.Join(", ", statuses)}" : $"did you mean '{guess}'?")}");
    }

    private GuardContext Context(JournalStore store, string strategy, string policyId, string status)
    {
        var file = evaluator.Bundle.File;
        status = Normalize(status);
        var required = file.Params.Find($"status_stages.{status}")?.Value as string ?? "";
        if (required.Length > 0 && !PromotionStages.TryParse(required, out _))
        {
            throw new FormatException($"{file.Path}: status_stages.{status} is '{required}', not a stage; write one of experiment, paper, pilot, limited_live.");
        }

        var regimes = Settings.ReadEither("RULESGATE_REQUIRED_REGIMES", "PROMOTION_REQUIRED_REGIMES", environment) is { } listed
            ? [.. listed.Split(',').Select(regime => regime.Trim().ToLowerInvariant()).Where(regime => regime.Length > 0).Distinct(StringComparer.Ordinal)]
            : (file.Params.Find("required_regimes")?.Value as IReadOnlyList<string> ?? []).Select(regime => regime.ToLowerInvariant()).ToList();
        var minimum = Settings.ReadEither("RULESGATE_MIN_REGIME_COUNT", "PROMOTION_MIN_REGIME_COUNT", environment) is { } text
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : throw new FormatException($"RULESGATE_MIN_REGIME_COUNT (or PROMOTION_MIN_REGIME_COUNT) is '{text}'; write a whole number ≥ 0.")
            : file.Params.Find("min_regime_count")?.Value switch { double value => (int)value, int value => value, _ => 0 };
        var metrics = DecisionDiary.Metrics(store, policyId, DiaryWindow.All);
        return new GuardContext(strategy.Trim(), status, policyId.Trim(), required.Trim().ToLowerInvariant(), PolicyLedger.Read(store, policyId.Trim()),
            DecisionDiary.Regimes(store, policyId.Trim(), DiaryWindow.All), regimes, minimum, metrics.PaperGreenSpanDays);
    }

}
