using System.Text.Json;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Governance;

/// <summary>
/// <c>kind: GovernancePolicy</c>: whether a strategy may send an order and at what share of its size, from its
/// maturity, health, drift, execution token, the order's impact and the canary. The rules are the verdict, checked
/// in file order, the first that fires deciding; a rule id names its action (<c>allow.NAME</c>, <c>reduce.NAME</c>,
/// <c>block.NAME</c>, <c>pause.NAME</c>, <c>kill.NAME</c>) and its message is the reason. A rule that lets the order go
/// says how much of it with <c>size_multiplier</c>.
/// </summary>
public sealed class GovernancePolicyKind : RuleKind<GovernanceContext>
{
    public static GovernancePolicyKind Instance { get; } = new();

    public override string Name => "GovernancePolicy";

    public override IReadOnlyDictionary<string, ParamSpec> ParamSchema { get; } = new Dictionary<string, ParamSpec>(StringComparer.Ordinal)
    {
        ["enabled"] = new(ParamType.Bool, Description: "Whether governance judges orders at all; a request may say otherwise for itself."),
        ["health.debt_per_loss"] = new(ParamType.Number, Min: 0, Description: "Debt a loss adds, per R lost (at least one R)."),
        ["health.max_debt"] = new(ParamType.Number, Description: "The most debt a strategy can owe, and what a score of 0 means; 0 or less: health never limits."),
        ["health.credit_per_win"] = new(ParamType.Number, Min: 0, Description: "What a win earns before the recovery rate."),
        ["health.recovery_rate"] = new(ParamType.Number, Min: 0, Max: 1, Description: "The part of a win's credit that is earned; it pays debt down first."),
        ["health.min_sizing_multiplier"] = new(ParamType.Number, Min: 0, Max: 1, Description: "The floor of the health sizing multiplier."),
        ["drift.metrics"] = new(ParamType.StringList, Description: "The live metrics compared with the backtest baseline."),
        ["drift.reduce_pct"] = new(ParamType.Number, Min: 0, Description: "Deviation in percent from which a metric's alert reduces the size."),
        ["drift.pause_pct"] = new(ParamType.Number, Min: 0, Description: "Deviation in percent from which a metric's alert pauses the strategy."),
        ["tokens.ttl_seconds"] = new(ParamType.Number, Min: 0, MinExclusive: true, Description: "How long an execution token stays valid after it is issued."),
        ["tokens.max_active_per_strategy"] = new(ParamType.Integer, Min: 1, Description: "Execution tokens one strategy may hold at once."),
        ["tokens.required_at_levels"] = new(ParamType.StringList, Description: "Maturity levels at which every order needs a valid execution token."),
        ["tokens.require_tokens"] = new(ParamType.Bool, Description: "Whether every order at every level needs a valid execution token."),
        ["canary.failure_threshold"] = new(ParamType.Integer, Min: 1, Description: "Consecutive failed checks of a component that raise its alert."),
        ["canary.report_every_seconds"] = new(ParamType.Number, Min: 0, MinExclusive: true, Description: "How often each component must report a check; a component silent for longer counts one failed check per interval missed (absent: silence is not watched)."),
        ["canary.action"] = new(ParamType.String, Description: "What the alert does: kill (trip the kill switch), pause (pause the strategies) or alert."),
        ["outcomes.base_equity"] = new(ParamType.Number, Min: 0, MinExclusive: true, Description: "The equity a strategy's drawdown is measured from: base plus its cumulative P&L."),
    };

    public override IReadOnlyList<RuleEffectSpec> Effects { get; } =
    [
        new(SizeMultiplier, "The share of the requested size an allow or reduce rule lets through (1 when absent)."),
    ];

    public const string SizeMultiplier = "size_multiplier";

    public override IReadOnlySet<string> ComputedMembers { get; } = new HashSet<string>(StringComparer.Ordinal) { nameof(GovernanceContext.Order), nameof(GovernanceContext.Strategy), nameof(GovernanceContext.Canary) };

    public override string? CheckRuleId(string id) =>
        GovernanceActions.OfRule(id) is not null
            ? null
            : "A GovernancePolicy rule id names its action: allow.NAME, reduce.NAME, block.NAME, pause.NAME or kill.NAME, such as block.maturity.";

    public override object ReadContext(JsonElement json) => ReadContext(json, GovernanceSettings.Default);

    public override object ReadContext(JsonElement json, RuleFile file) => ReadContext(json, GovernanceSettings.Of(file));

    private static GovernanceContext ReadContext(JsonElement json, GovernanceSettings settings)
    {
        var request = GovernanceRequest.Read(json);
        return request.Inputs.Context(request.Capital, settings, capOf: null);
    }
}
