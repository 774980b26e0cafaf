using System.Text.Json;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Gate;

/// <summary>
/// <c>kind: CapitalPolicy</c>: pre-trade rules over an order intent and the account, market and execution
/// state. The standard parameters are declared here with their ranges; any other parameter is inferred.
/// </summary>
internal sealed class CapitalPolicyKind : RuleKind<CapitalContext>
{
    public static CapitalPolicyKind Instance { get; } = new();

    public override string Name => "CapitalPolicy";

    public override IReadOnlyDictionary<string, ParamSpec> ParamSchema { get; } = new Dictionary<string, ParamSpec>(StringComparer.Ordinal)
    {
        ["exposure.max_position_pct"] = new(ParamType.Number, Min: 0, MinExclusive: true, Max: 1, Description: "Largest |position × price| / equity for one symbol."),
        ["exposure.max_gross_exposure_x"] = new(ParamType.Number, Min: 0, MinExclusive: true, Max: 100, Description: "Largest Σ|qty × price| / equity."),
        ["exposure.max_net_exposure_x"] = new(ParamType.Number, Nullable: true, Min: 0, MinExclusive: true, Max: 100, Description: "Largest |Σ qty × price| / equity; null switches EXP-003 off."),
        ["exposure.lot_size"] = new(ParamType.Number, Min: 0, MinExclusive: true, Description: "Quantity step that a reduced quantity is rounded down to."),
        ["loss.daily_loss_limit_pct"] = new(ParamType.Number, Min: 0, MinExclusive: true, Max: 1, Description: "Largest loss today as a fraction of start-of-day equity."),
        ["loss.max_drawdown_pct"] = new(ParamType.Number, Min: 0, MinExclusive: true, Max: 1, Description: "Largest fall from peak equity as a fraction of it."),
        ["execution.max_orders_per_minute_global"] = new(ParamType.Integer, Min: 1, Description: "Orders in the last 60 s, all strategies, at which new orders stop."),
        ["execution.max_orders_per_minute_by_strategy"] = new(ParamType.Integer, Min: 1, Description: "Orders in the last 60 s of one strategy at which its new orders stop."),
        ["market.max_price_age_seconds"] = new(ParamType.Number, Nullable: true, Min: 0, MinExclusive: true, Description: "Oldest market snapshot accepted at the intent's time; null accepts any."),
        ["kill_switch.trip_on_rules"] = new(ParamType.StringList, Description: "Rule ids whose violation trips the kill switch."),
        ["kill_switch.trip_after_n_violations"] = new(ParamType.Integer, Nullable: true, Min: 1, Description: "Violations within the window that trip the kill switch; null never."),
        ["kill_switch.violation_window_seconds"] = new(ParamType.Number, Min: 0, MinExclusive: true, Description: "The window for trip_after_n_violations."),
    };

    public override IReadOnlyList<RuleEffectSpec> Effects { get; } =
    [
        new("modify_qty", "The reduced quantity a MODIFY decision sends instead of the requested one."),
    ];

    public override IReadOnlySet<string> ComputedMembers { get; } = new HashSet<string>(StringComparer.Ordinal) { nameof(CapitalContext.Metrics) };

    public override object ReadContext(JsonElement json) => CapitalContextJson.ReadRequest(json);

    public override (string Symbol, string Strategy)? OverrideKeys => ("Intent.Symbol", "Intent.StrategyId");
}
