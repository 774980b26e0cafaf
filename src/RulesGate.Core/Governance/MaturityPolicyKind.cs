using System.Text.Json;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Governance;

/// <summary>
/// <c>kind: MaturityPolicy</c>: the maturity ladder's levels with their sizing caps, and when a strategy moves on
/// it. A rule <c>demote.NAME</c> fires when the strategy must fall, to the level its <c>demote_to</c> expression
/// gives (a demotion never raises a strategy); the rules are checked in order and the first that fires decides. A
/// rule <c>promote.NAME</c> fires when a promotion criterion is not met, its message the blocker; with none firing
/// the strategy rises one level.
/// </summary>
public sealed class MaturityPolicyKind : RuleKind<MaturityContext>
{
    /// <summary>The ladder, lowest first.</summary>
    public static IReadOnlyList<string> Levels => LevelNames;

    private static readonly string[] LevelNames = ["L0_shadow", "L1_paper", "L2_gated", "L3_constrained", "L4_autonomous"];

    // After Levels: the instance's schema is built from them.
    public static MaturityPolicyKind Instance { get; } = new();

    /// <summary>The level's place on the ladder, or -1 when there is no such level.</summary>
    public static int IndexOf(string level) => Array.IndexOf(LevelNames, level);

    public override string Name => "MaturityPolicy";

    public override IReadOnlyDictionary<string, ParamSpec> ParamSchema { get; } = Schema();

    public override IReadOnlyList<RuleEffectSpec> Effects { get; } =
    [
        new("demote_to", "The level a demote rule sends the strategy to, by its place on the ladder (0 for L0_shadow … 4); never higher than where it is."),
    ];

    private static Dictionary<string, ParamSpec> Schema()
    {
        var schema = Levels.ToDictionary(level => $"sizing_cap.{level.ToLowerInvariant()}", level => new ParamSpec(ParamType.Number, Min: 0, Max: 1, Description: $"The largest share of the requested size a strategy at {level} may trade."), StringComparer.Ordinal);
        schema["promotion.min_trades"] = new(ParamType.Integer, Min: 0, Description: "Trades a strategy needs before it can rise a level.");
        schema["promotion.min_win_rate"] = new(ParamType.Number, Min: 0, Max: 1, Description: "The smallest share of winning trades to rise.");
        schema["promotion.min_profit_factor"] = new(ParamType.Number, Min: 0, Description: "The smallest gross profit over gross loss to rise.");
        schema["demotion.max_drawdown"] = new(ParamType.Number, Min: 0, Max: 1, Description: "The drawdown from the peak beyond which a strategy falls.");
        schema["demotion.max_loss_streak"] = new(ParamType.Integer, Min: 1, Description: "Losses in a row at which a strategy falls.");
        return schema;
    }

    public override string? CheckRuleId(string id) =>
        id.Split('.', 2) is ["promote" or "demote", { Length: > 0 }]
            ? null
            : "A MaturityPolicy rule id is promote.NAME (a blocker of the next level) or demote.NAME (a reason to fall), such as demote.drawdown.";

    public override object ReadContext(JsonElement json)
    {
        var fields = new JsonFields(json, "context", "strategy", "level", "trades", "win_rate", "profit_factor", "drawdown", "loss_streak");
        var level = fields.String("level");
        var index = IndexOf(level) is var found and >= 0 ? found : throw new FormatException($"context.level: '{level}' is not a level; write one of {string.Join(", ", Levels)}.");
        return new MaturityContext(
            fields.Has("strategy") ? fields.String("strategy") : "test", level, index,
            fields.Number("trades", double.NaN), fields.Number("win_rate", double.NaN), fields.Number("profit_factor", double.NaN), fields.Number("drawdown", double.NaN), fields.Number("loss_streak", double.NaN));
    }
}
