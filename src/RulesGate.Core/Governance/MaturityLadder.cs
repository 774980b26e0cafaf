using RulesGate.Core.Rules;

namespace RulesGate.Core.Governance;

/// <summary>A strategy's step on the ladder: from where to where, why, and whether it is a promotion, a demotion or no change.</summary>
/// <param name="Change"><c>promotion</c>, <c>demotion</c>, or null when the strategy stays.</param>
/// <param name="Reasons">The demotion's message; or the blockers that keep it where it is; empty for a promotion or at the top.</param>
public sealed record MaturityStep(string From, string To, string? Change, IReadOnlyList<string> Reasons);

/// <summary>
/// Judges a strategy's level by a <c>MaturityPolicy</c> bundle: demotion first (the first <c>demote.*</c> rule that
/// fires decides, and never raises the strategy), then promotion by one level when no <c>promote.*</c> rule
/// fires. The thresholds, the targets and the sizing caps are the file's; the ladder keeps none of its own.
/// </summary>
public sealed class MaturityLadder
{
    private readonly RuleEvaluator<MaturityContext> evaluator;
    private readonly int[] demotions;
    private readonly int[] promotions;

    /// <exception cref="ArgumentException">The bundle is not a MaturityPolicy.</exception>
    /// <exception cref="FormatException">A demote rule has no <c>demote_to</c>, or a level has no sizing cap; names the file.</exception>
    public MaturityLadder(RuleBundle bundle)
    {
        if (bundle.Kind is not MaturityPolicyKind)
        {
            throw new ArgumentException($"{bundle.File.Path} is a {bundle.Kind.Name} file, not a MaturityPolicy file.", nameof(bundle));
        }

        Bundle = bundle;
        evaluator = bundle.Evaluator<MaturityContext>();
        var rules = bundle.File.Rules;
        demotions = [.. Enumerable.Range(0, rules.Count).Where(i => rules[i].Id.StartsWith("demote.", StringComparison.Ordinal))];
        promotions = [.. Enumerable.Range(0, rules.Count).Where(i => rules[i].Id.StartsWith("promote.", StringComparison.Ordinal))];
        if (demotions.FirstOrDefault(i => !rules[i].Effects.ContainsKey("demote_to"), -1) is var missing and >= 0)
        {
            throw new FormatException($"{bundle.File.Path}: rule {rules[missing].Id} has no demote_to; write the level it falls to, such as demote_to: 1 or demote_to: LevelIndex - 1.");
        }

        SizingCaps = MaturityPolicyKind.Levels.ToDictionary(level => level, level =>
            bundle.File.Params.Find($"sizing_cap.{level.ToLowerInvariant()}")?.Value as double? ?? throw new FormatException($"{bundle.File.Path}: params.sizing_cap.{level.ToLowerInvariant()} is missing; every level needs its sizing cap."), StringComparer.Ordinal);
    }

    public RuleBundle Bundle { get; }

    /// <summary>Each level's sizing cap, as the file sets it.</summary>
    public IReadOnlyDictionary<string, double> SizingCaps { get; }

    public MaturityStep Judge(MaturityContext context)
    {
        Span<bool> fired = stackalloc bool[Bundle.File.Rules.Count];
        evaluator.Evaluate(context, fired);
        foreach (var rule in demotions)
        {
            if (fired[rule])
            {
                // The first demotion that fires decides, even when it finds the strategy at or below its target.
                var target = Math.Clamp((int)Math.Floor(evaluator.Effect(rule, "demote_to", context) ?? context.LevelIndex), 0, MaturityPolicyKind.Levels.Count - 1);
                return target < context.LevelIndex
                    ? new MaturityStep(context.Level, MaturityPolicyKind.Levels[target], "demotion", [evaluator.Message(rule, context)])
                    : new MaturityStep(context.Level, context.Level, null, [evaluator.Message(rule, context)]);
            }
        }

        var blockers = new List<string>();
        foreach (var rule in promotions)
        {
            if (fired[rule])
            {
                blockers.Add(evaluator.Message(rule, context));
            }
        }

        return blockers.Count == 0 && context.LevelIndex < MaturityPolicyKind.Levels.Count - 1
            ? new MaturityStep(context.Level, MaturityPolicyKind.Levels[context.LevelIndex + 1], "promotion", [])
            : new MaturityStep(context.Level, context.Level, null, blockers);
    }
}
