using RulesGate.Core.Gate;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Governance;

/// <summary>A metric's drift alert: its deviation and what it asks for.</summary>
public sealed record DriftAlert(string Metric, double DeviationPct, GovernanceAction Action);

/// <summary>The figures every component gave for one order, as the decision reports them.</summary>
/// <param name="Derived">The file's derived values by name, in file order (the impact score and tier among them).</param>
/// <param name="TokenRequired">The file's <c>TokenRequired</c>; null when it derives none.</param>
public sealed record GovernanceComponents(
    GovernanceStrategy Strategy,
    GovernanceOrder Order,
    CanaryView Canary,
    double ImpactScore,
    string ImpactTier,
    IReadOnlyList<DriftAlert> DriftAlerts,
    bool? TokenRequired,
    IReadOnlyList<KeyValuePair<string, object?>> Derived);

/// <summary>The governance gate's answer to one order.</summary>
/// <param name="Rule">The rule that decided; null when none could (the file's rules threw, or none fired).</param>
/// <param name="Reason">The deciding rule's message, such as <c>all_checks_passed</c>.</param>
/// <param name="SizeMultiplier">The share of the order's size that may go, rounded to 4 decimals; 0 unless it goes.</param>
/// <param name="Demotion">The maturity step down the strategy's own figures call for, when the request gave them; null otherwise.</param>
public sealed record GovernanceDecision(
    GovernanceAction Action,
    string? Rule,
    string Reason,
    double SizeMultiplier,
    GovernanceComponents Components,
    PolicyIdentity Policy,
    MaturityStep? Demotion = null);

/// <summary>
/// Judges orders by a <c>GovernancePolicy</c> bundle: every rule is evaluated, the first that fires (in file order)
/// decides, its id naming the action and its message the reason; a rule that lets the order go gives the share of
/// it with <c>size_multiplier</c>. The thresholds, weights and the order of the checks are the file's.
/// </summary>
public sealed class GovernanceGate
{
    /// <summary>The reason when the file's expressions threw: the order does not go.</summary>
    public const string EvaluationFailed = "governance_evaluation_failed";

    /// <summary>The reason when no rule fired: the order does not go.</summary>
    public const string NoRuleFired = "no_governance_rule_fired";

    private const int StackRules = 128;

    private readonly RuleEvaluator<GovernanceContext> evaluator;
    private readonly GovernanceAction[] actions;
    private readonly int impactScore;
    private readonly int impactTier;
    private readonly int tokenRequired;

    /// <exception cref="ArgumentException">The bundle is not a GovernancePolicy.</exception>
    /// <exception cref="FormatException">The file derives no <c>ImpactScore</c> (a number) or <c>ImpactTier</c>, or a parameter the engine reads is wrong; names the file.</exception>
    public GovernanceGate(RuleBundle bundle, MaturityLadder? maturity = null)
    {
        if (bundle.Kind is not GovernancePolicyKind)
        {
            throw new ArgumentException($"{bundle.File.Path} is a {bundle.Kind.Name} file, not a GovernancePolicy file.", nameof(bundle));
        }

        Bundle = bundle;
        Maturity = maturity;
        Settings = GovernanceSettings.Of(bundle.File);
        evaluator = bundle.Evaluator<GovernanceContext>();
        actions = [.. bundle.File.Rules.Select(rule => GovernanceActions.OfRule(rule.Id)!.Value)];
        var names = bundle.File.Derive.Select(derive => derive.Name).ToList();
        impactScore = names.IndexOf("ImpactScore");
        impactTier = names.IndexOf("ImpactTier");
        tokenRequired = names.IndexOf("TokenRequired");
        if (impactScore < 0 || impactTier < 0)
        {
            throw new FormatException($"{bundle.File.Path}: derive ImpactScore and ImpactTier, the order's impact score and tier; the decision reports them.");
        }

        Policy = PolicyIdentity.Of(bundle.File);
    }

    public RuleBundle Bundle { get; }

    /// <summary>The maturity ladder whose sizing caps the levels have; null when caps come with each request.</summary>
    public MaturityLadder? Maturity { get; }

    public GovernanceSettings Settings { get; }

    public PolicyIdentity Policy { get; }

    /// <summary>The maturity file's identity; null without one.</summary>
    public PolicyIdentity? MaturityPolicy => Maturity is { } ladder ? PolicyIdentity.Of(ladder.Bundle.File) : null;

    public int RuleCount => actions.Length;

    /// <summary>The sizing cap of a level, by the maturity file; null without one.</summary>
    public Func<string, double>? CapOf => Maturity is { } ladder ? level => ladder.SizingCaps[level] : null;

    /// <summary>
    /// The hot path: the action, the deciding rule (-1 when none) and the share of the order that may go, without
    /// allocating. An expression that throws, no rule firing, or a size multiplier that is not a number blocks.
    /// </summary>
    public GovernanceAction Judge(GovernanceContext context, Span<bool> fired, out int rule, out double multiplier)
    {
        rule = -1;
        multiplier = 0;
        if (evaluator.TryEvaluate(context, fired) < 0)
        {
            return GovernanceAction.Block;
        }

        rule = fired.IndexOf(true);
        if (rule < 0)
        {
            return GovernanceAction.Block;
        }

        var action = actions[rule];
        if (!GovernanceActions.Goes(action))
        {
            return action;
        }

        try
        {
            multiplier = evaluator.TryEffect(rule, 0, context, out var share) ? share : 1;
        }
        catch (RuleEvaluationException)
        {
            multiplier = double.NaN;
        }

        if (!double.IsFinite(multiplier))
        {
            rule = -1;
            multiplier = 0;
            return GovernanceAction.Block;
        }

        // A share never enlarges an order, and is what the seed rounds: 4 decimals.
        multiplier = Math.Round(Math.Clamp(multiplier, 0, 1), 4);
        return action;
    }

    /// <summary>
    /// Judges the order and reports every component's figures; off the hot path. With a <paramref name="demotion"/>
    /// the strategy's figures call for, the action is DEMOTE and the order is judged at the level it falls to (its
    /// sizing cap, and whatever else that level decides), in this same decision: nothing goes when that level does not trade.
    /// </summary>
    public GovernanceDecision Decide(GovernanceContext context, MaturityStep? demotion = null)
    {
        if (demotion is { Change: "demotion" } step && CapOf is { } capOf)
        {
            var strategy = context.Strategy;
            var fallen = strategy with { Level = step.To, LevelIndex = MaturityPolicyKind.IndexOf(step.To), SizingCap = Math.Min(strategy.SizingCap, capOf(step.To)) };
            var at = Decide(new GovernanceContext(context.Enabled, context.Intent, context.Portfolio, context.Market, fallen, context.Order, context.Canary));
            var share = GovernanceActions.Goes(at.Action) ? at.SizeMultiplier : 0;
            return at with { Action = GovernanceAction.Demote, SizeMultiplier = share, Reason = $"demoted_to_{step.To}: {step.Reasons[0]} At {step.To}: {at.Reason}", Demotion = step };
        }

        Span<bool> fired = RuleCount <= StackRules ? stackalloc bool[RuleCount] : new bool[RuleCount];
        var action = Judge(context, fired, out var rule, out var multiplier);
        string reason;
        try
        {
            reason = rule >= 0 ? evaluator.Message(rule, context) : fired.Contains(true) || evaluator.Failures(context).Count > 0 ? EvaluationFailed : NoRuleFired;
        }
        catch (RuleEvaluationException)
        {
            (action, rule, multiplier, reason) = (GovernanceAction.Block, -1, 0, EvaluationFailed);
        }

        return new GovernanceDecision(action, rule >= 0 ? Bundle.File.Rules[rule].Id : null, reason, multiplier, Components(context), Policy, demotion);
    }

    /// <summary>What each component says of the order: the file's derived values, and each tracked metric's drift alert.</summary>
    public GovernanceComponents Components(GovernanceContext context)
    {
        object?[] derived;
        try
        {
            derived = evaluator.Derived(context);
        }
        catch (RuleEvaluationException)
        {
            derived = new object?[Bundle.File.Derive.Count];
        }

        return new GovernanceComponents(
            context.Strategy,
            context.Order,
            context.Canary,
            derived[impactScore] is double score ? score : double.NaN,
            derived[impactTier]?.ToString() ?? "",
            Settings.DriftAlerts(context.Strategy.Drift),
            tokenRequired >= 0 && derived[tokenRequired] is bool required ? required : null,
            [.. Bundle.File.Derive.Select((derive, i) => new KeyValuePair<string, object?>(derive.Name, derived[i]))]);
    }
}
