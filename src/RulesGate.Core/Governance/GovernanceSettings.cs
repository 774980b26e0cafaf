using RulesGate.Core.Rules;

namespace RulesGate.Core.Governance;

/// <summary>What governance does with an order, most restrictive last; the composition with the capital gate keeps the most restrictive.</summary>
public enum GovernanceAction
{
    Allow,
    ReduceSize,

    /// <summary>The strategy's own figures call for a demotion: the order is sized at the level it falls to, in the same decision.</summary>
    Demote,
    Block,
    Pause,
    Kill,
}

public static class GovernanceActions
{
    /// <summary>ALLOW, REDUCE_SIZE, DEMOTE, BLOCK, PAUSE, KILL.</summary>
    public static string Name(GovernanceAction action) => action switch
    {
        GovernanceAction.Allow => "ALLOW",
        GovernanceAction.ReduceSize => "REDUCE_SIZE",
        GovernanceAction.Demote => "DEMOTE",
        GovernanceAction.Block => "BLOCK",
        GovernanceAction.Pause => "PAUSE",
        _ => "KILL",
    };

    /// <summary>Whether the order may go (whole or in part): a DEMOTE goes at the size of the level it falls to, which may be none.</summary>
    public static bool Goes(GovernanceAction action) => action <= GovernanceAction.Demote;

    /// <summary>The action a GovernancePolicy rule id names by its prefix; null when it names none.</summary>
    public static GovernanceAction? OfRule(string id) => id.Split('.', 2) switch
    {
        ["allow", { Length: > 0 }] => GovernanceAction.Allow,
        ["reduce", { Length: > 0 }] => GovernanceAction.ReduceSize,
        ["block", { Length: > 0 }] => GovernanceAction.Block,
        ["pause", { Length: > 0 }] => GovernanceAction.Pause,
        ["kill", { Length: > 0 }] => GovernanceAction.Kill,
        _ => null,
    };
}

/// <summary>
/// The parameters of a GovernancePolicy file that the engine itself uses (the rules read theirs as <c>Params</c>):
/// how health counts, which metrics drift compares and from where an alert is raised, how tokens and the canary
/// behave, and the equity a strategy's drawdown is measured from. A parameter the file leaves out has the seed's value.
/// </summary>
public sealed record GovernanceSettings(
    bool Enabled,
    HealthParams Health,
    IReadOnlyList<string> DriftMetrics,
    double DriftReducePct,
    double DriftPausePct,
    TokenParams Tokens,
    CanaryParams Canary,
    double BaseEquity)
{
    public static GovernanceSettings Default { get; } = new(
        true, new HealthParams(), ["win_rate", "avg_rr", "sharpe", "profit_factor"], 30, 50, TokenParams.Default, new CanaryParams(), 100_000);

    /// <exception cref="FormatException">canary.action is not kill, pause or alert; names the file.</exception>
    public static GovernanceSettings Of(RuleFile file)
    {
        var d = Default;
        double Number(string path, double fallback) => file.Params.Find(path)?.Value is double value ? value : fallback;
        decimal Money(string path, decimal fallback) => file.Params.Find(path)?.Value is double value ? (decimal)value : fallback;
        var action = file.Params.Find("canary.action")?.Value as string ?? "alert";
        return new GovernanceSettings(
            file.Params.Find("enabled")?.Value as bool? ?? d.Enabled,
            new HealthParams(Money("health.debt_per_loss", d.Health.DebtPerLoss), Money("health.max_debt", d.Health.MaxDebt), Money("health.credit_per_win", d.Health.CreditPerWin), Money("health.recovery_rate", d.Health.RecoveryRate), Money("health.min_sizing_multiplier", d.Health.MinSizingMultiplier)),
            file.Params.Find("drift.metrics")?.Value as IReadOnlyList<string> ?? d.DriftMetrics,
            Number("drift.reduce_pct", d.DriftReducePct),
            Number("drift.pause_pct", d.DriftPausePct),
            new TokenParams(TimeSpan.FromSeconds(Number("tokens.ttl_seconds", d.Tokens.Ttl.TotalSeconds)), file.Params.Find("tokens.max_active_per_strategy")?.Value as int? ?? d.Tokens.MaxActivePerStrategy),
            new CanaryParams(
                file.Params.Find("canary.failure_threshold")?.Value as int? ?? d.Canary.FailureThreshold,
                action switch
                {
                    "kill" => CanaryAction.Kill,
                    "pause" => CanaryAction.Pause,
                    "alert" => CanaryAction.Alert,
                    _ => throw new FormatException($"{file.Path}: params.canary.action is '{action}'; write kill, pause or alert."),
                },
                file.Params.Find("canary.report_every_seconds")?.Value is double every ? TimeSpan.FromSeconds(every) : d.Canary.ReportEvery),
            Number("outcomes.base_equity", d.BaseEquity));
    }

    /// <summary>The alert of each compared metric at or past <c>drift.reduce_pct</c>: PAUSE from <c>drift.pause_pct</c>, REDUCE_SIZE below it.</summary>
    public IReadOnlyList<DriftAlert> DriftAlerts(DriftView drift) =>
        [.. drift.Metrics
            .Where(metric => metric.DeviationPct >= DriftReducePct)
            .Select(metric => new DriftAlert(metric.Metric, metric.DeviationPct, metric.DeviationPct >= DriftPausePct ? GovernanceAction.Pause : GovernanceAction.ReduceSize))];
}
