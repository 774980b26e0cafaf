using RulesGate.Core.Rules;

namespace RulesGate.Core.Gate;

/// <summary>
/// Turns the rules of a <c>CapitalPolicy</c> bundle that fire for an order intent into ALLOW, MODIFY or DENY.
/// Every rule is evaluated; a rule whose id starts with <c>SYS-</c> fails closed and decides alone, in either
/// mode; in enforce mode, rules that all carry a <c>modify_qty</c> effect reduce the order instead of denying it.
/// Two things the gate enforces itself, whatever the file says: an expression that throws denies the order
/// (<see cref="EvaluationFailedRule"/>, in either mode), and a latched kill switch denies every order in
/// enforce mode (<see cref="KillSwitchRule"/>).
/// </summary>
public sealed class CapitalGate
{
    /// <summary>The effect that turns a violation into a smaller order.</summary>
    public const string ModifyEffect = "modify_qty";

    /// <summary>The rule id of a denial because a rule's expression threw.</summary>
    public const string EvaluationFailedRule = "SYS-002";

    /// <summary>The rule id of a denial because the kill switch is latched.</summary>
    public const string KillSwitchRule = "KILL-001";

    private const int StackRules = 256;

    private readonly RuleEvaluator<CapitalContext> evaluator;
    private readonly RuleFactPlan plan;
    private readonly bool[] system;
    private readonly bool[] modifiable;
    private readonly bool[] trips;
    private readonly int modifyEffect;
    private readonly TimeProvider time;

    /// <param name="bundle">A compiled <c>CapitalPolicy</c> file.</param>
    /// <param name="time">Times each evaluation for <see cref="CapitalDecision.EvalMicros"/>; the system clock by default.</param>
    public CapitalGate(RuleBundle bundle, TimeProvider? time = null)
    {
        evaluator = bundle.Evaluator<CapitalContext>();
        plan = bundle.Facts;
        this.time = time ?? TimeProvider.System;
        var rules = bundle.File.Rules;
        var tripOn = Param(bundle.File, "kill_switch.trip_on_rules") as IReadOnlyList<string> ?? [];
        system = [.. rules.Select(rule => rule.Id.StartsWith("SYS-", StringComparison.Ordinal))];
        modifiable = [.. rules.Select(rule => rule.Effects.ContainsKey(ModifyEffect))];
        trips = [.. rules.Select(rule => tripOn.Contains(rule.Id))];
        modifyEffect = bundle.Kind.Effects.ToList().FindIndex(effect => effect.Key == ModifyEffect);
        Policy = PolicyIdentity.Of(bundle.File);
        Mode = bundle.File.Mode;
        TripAfterViolations = Param(bundle.File, "kill_switch.trip_after_n_violations") as int?;
        LotSize = Param(bundle.File, "exposure.lot_size") as double? ?? DefaultLotSize;
        ViolationWindow = TimeSpan.FromSeconds(Param(bundle.File, "kill_switch.violation_window_seconds") switch
        {
            double seconds => seconds,
            int seconds => seconds,
            _ => 0,
        });
    }

    public RuleBundle Bundle => evaluator.Bundle;

    public PolicyIdentity Policy { get; }

    public RuleMode Mode { get; }

    public int RuleCount => modifiable.Length;

    /// <summary>In a stream, this many violations within <see cref="ViolationWindow"/> trip the kill switch; null never.</summary>
    public int? TripAfterViolations { get; }

    public TimeSpan ViolationWindow { get; }

    /// <summary>The quantity step a reduced quantity is rounded down to (<c>params.exposure.lot_size</c>).</summary>
    public double LotSize { get; }

    /// <summary>The lot size when no file sets one: PolicyGate's.</summary>
    public const double DefaultLotSize = 1e-8;

    /// <summary>
    /// The hot path: evaluates every rule into <paramref name="fired"/> and returns the verdict. When a system
    /// rule fires, <paramref name="fired"/> is left holding that rule alone.
    /// </summary>
    /// <param name="fired">One slot per rule (<see cref="RuleCount"/>).</param>
    /// <param name="allowedQty">For MODIFY, the quantity that may be sent.</param>
    /// <param name="tripsKillSwitch">A violated rule is listed in <c>params.kill_switch.trip_on_rules</c>.</param>
    /// <remarks>
    /// When a rule's expression throws, or the kill switch is latched in enforce mode with no rule of the file
    /// firing, the verdict is DENY with no rule left in <paramref name="fired"/>; <see cref="Explain"/> says why.
    /// </remarks>
    public CapitalVerdict Judge(CapitalContext context, Span<bool> fired, out double allowedQty, out bool tripsKillSwitch)
    {
        allowedQty = 0;
        tripsKillSwitch = false;
        var count = evaluator.TryEvaluate(context, fired);
        if (count < 0)
        {
            fired.Clear();
            return CapitalVerdict.Deny;
        }

        var latched = context.Execution.KillSwitchActive && Mode == RuleMode.Enforce;
        if (count == 0)
        {
            return latched ? CapitalVerdict.Deny : CapitalVerdict.Allow;
        }

        var onlyModifiable = true;
        for (var i = 0; i < fired.Length; i++)
        {
            if (!fired[i])
            {
                continue;
            }

            if (system[i])
            {
                fired.Clear();
                fired[i] = true;
                tripsKillSwitch = trips[i];
                return CapitalVerdict.Deny;
            }

            onlyModifiable &= modifiable[i];
            tripsKillSwitch |= trips[i];
        }

        if (Mode == RuleMode.Monitor)
        {
            return CapitalVerdict.Allow;
        }

        if (onlyModifiable && !latched)
        {
            if (!TryReduce(context, fired, out allowedQty))
            {
                fired.Clear();
                tripsKillSwitch = false;
                return CapitalVerdict.Deny;
            }

            // A reduction never increases the order, and nothing left to send is a denial.
            if (allowedQty > 0)
            {
                return CapitalVerdict.Modify;
            }
        }

        allowedQty = 0;
        return CapitalVerdict.Deny;
    }

    /// <summary>The smallest quantity the fired rules' effects allow; false (and 0) when an effect threw.</summary>
    private bool TryReduce(CapitalContext context, ReadOnlySpan<bool> fired, out double allowedQty)
    {
        allowedQty = context.Intent.Qty;
        try
        {
            for (var i = 0; i < fired.Length; i++)
            {
                if (fired[i] && evaluator.TryEffect(i, modifyEffect, context, out var qty))
                {
                    allowedQty = Math.Min(allowedQty, qty);
                }
            }

            return true;
        }
        catch (RuleEvaluationException)
        {
            allowedQty = 0;
            return false;
        }
    }

    /// <summary>Judges the intent and explains the verdict: the violations with their values, and the evidence.</summary>
    public CapitalDecision Decide(CapitalContext context)
    {
        Span<bool> fired = RuleCount <= StackRules ? stackalloc bool[RuleCount] : new bool[RuleCount];
        var start = time.GetTimestamp();
        var verdict = Judge(context, fired, out var allowedQty, out var trips);
        var micros = time.GetElapsedTime(start).TotalMicroseconds;
        return Explain(context, fired, verdict, allowedQty, trips, micros);
    }

    /// <summary>The full decision for a verdict <see cref="Judge"/> returned; off the hot path.</summary>
    /// <remarks>A rule whose message or effect throws here turns the decision into a <see cref="EvaluationFailedRule"/> denial.</remarks>
    public CapitalDecision Explain(CapitalContext context, ReadOnlySpan<bool> fired, CapitalVerdict verdict, double allowedQty, bool tripsKillSwitch, double evalMicros)
    {
        var facts = evaluator.Facts(context);
        var violations = new List<CapitalViolation>();
        var failures = verdict == CapitalVerdict.Deny && !fired.Contains(true) ? evaluator.Failures(context) : [];
        for (var i = 0; i < fired.Length && failures.Count == 0; i++)
        {
            try
            {
                if (fired[i])
                {
                    violations.Add(Violation(i, context, facts));
                }
            }
            catch (RuleEvaluationException)
            {
                failures = evaluator.Failures(context);
            }
        }

        if (failures.Count > 0)
        {
            (verdict, allowedQty, tripsKillSwitch) = (CapitalVerdict.Deny, 0, false);
            violations = [.. failures.Select(Failed)];
        }
        else if (context.Execution.KillSwitchActive && Mode == RuleMode.Enforce && !violations.Any(violation => violation.RuleId == KillSwitchRule || violation.RuleId.StartsWith("SYS-", StringComparison.Ordinal)))
        {
            violations.Insert(0, new CapitalViolation(KillSwitchRule, RuleSeverity.Crit, "Kill switch is active: every order is denied until an attributed reset.", [new("kill_switch_active", true)], []));
        }

        // Each metric once, against the limit of a rule that fired on it, else of the first rule that measures it.
        var evidence = new List<CapitalEvidence>(plan.Measures.Count);
        for (var i = 0; i < plan.Measures.Count; i++)
        {
            var measure = plan.Measures[i];
            if (evidence.Exists(shown => shown.Metric == measure.Metric))
            {
                continue;
            }

            for (var j = i; j < plan.Measures.Count; j++)
            {
                if (plan.Measures[j].Metric == measure.Metric && fired[plan.Facts[plan.Measures[j].Value].Rule])
                {
                    measure = plan.Measures[j];
                    break;
                }
            }

            evidence.Add(new CapitalEvidence(measure.Metric, facts[measure.Value], facts[measure.Limit]));
        }

        if (context.Metrics.UnpricedSymbols.Count > 0)
        {
            evidence.Add(new CapitalEvidence("unpriced_symbols", context.Metrics.UnpricedSymbols, null));
        }

        var modified = verdict == CapitalVerdict.Modify ? context.Intent with { Qty = allowedQty } : null;
        return new CapitalDecision(verdict, context.Intent.IntentId, violations, evidence, modified, tripsKillSwitch, Mode, Policy, evalMicros);
    }

    private CapitalViolation Violation(int rule, CapitalContext context, object?[] facts)
    {
        var definition = evaluator.Rules[rule];
        var inputs = new List<KeyValuePair<string, object?>>();
        var computed = new List<KeyValuePair<string, object?>>();
        foreach (var index in plan.OfRule(rule))
        {
            var fact = plan.Facts[index];
            (fact.Role == RuleFactRole.Input ? inputs : computed).Add(new(fact.Name, facts[index]));
        }

        foreach (var effect in Bundle.Kind.Effects.Where(effect => definition.Effects.ContainsKey(effect.Key)))
        {
            computed.Add(new(effect.Key, evaluator.Effect(rule, effect.Key, context)));
        }

        return new CapitalViolation(definition.Id, definition.Severity, evaluator.Message(rule, context), inputs, computed);
    }

    private static CapitalViolation Failed(RuleEvaluationException failure) => new(
        EvaluationFailedRule,
        RuleSeverity.Crit,
        (failure.RuleId, failure.InnerException!) switch
        {
            ("*", RuleBudgetExceededException used) => $"The rules of {failure.Bundle} together {used.Message}; the order is denied.",
            (_, RuleBudgetExceededException used) => $"Rule {failure.RuleId} {used.Message}; the order is denied.",
            ("*", var inner) => $"The rules of {failure.Bundle} threw {inner.GetType().Name} together: {inner.Message}; the order is denied.",
            (_, var inner) => $"Rule {failure.RuleId} threw {inner.GetType().Name}: {inner.Message}; the order is denied.",
        },
        [new("rule", failure.RuleId), new("error", failure.InnerException!.Message)],
        []);

    private static object? Param(RuleFile file, string path) => file.Params.Find(path)?.Value;
}
