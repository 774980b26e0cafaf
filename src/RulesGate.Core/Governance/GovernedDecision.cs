using RulesGate.Core.Gate;

namespace RulesGate.Core.Governance;

/// <summary>
/// An order judged by both gates: the most restrictive action wins (KILL &gt; PAUSE &gt; BLOCK/DENY &gt; DEMOTE &gt;
/// REDUCE_SIZE/MODIFY &gt; ALLOW), and the quantity is the smaller of the capital gate's and the governance share
/// rounded down to the lot size; nothing left to send is a BLOCK, except under a DEMOTE, which stays one with what goes.
/// </summary>
/// <param name="Reason">The reason of the gate that decided; <see cref="BelowLot"/> when the share rounds to nothing.</param>
/// <param name="Capital">The capital gate's decision; null when the order was judged by governance alone.</param>
public sealed record GovernedDecision(GovernanceAction Action, string Reason, OrderIntent Intent, double Qty, GovernanceDecision Governance, CapitalDecision? Capital)
{
    /// <summary>The reason when what may go rounds down to less than one lot.</summary>
    public const string BelowLot = "size_below_lot";

    /// <summary>Both gates' answers as one; the capital decision may be absent.</summary>
    public static GovernedDecision Of(GovernanceDecision governance, CapitalDecision? capital, OrderIntent intent, double lotSize)
    {
        var (capitalAction, capitalQty) = capital is null ? (GovernanceAction.Allow, intent.Qty) : Rank(capital, intent);
        var (action, qty) = Combine(governance.Action, governance.SizeMultiplier, capitalAction, capitalQty, intent.Qty, lotSize);
        var reason = GovernanceActions.Goes(governance.Action) && GovernanceActions.Goes(capitalAction) && action == GovernanceAction.Block ? BelowLot
            : capital is null || action == governance.Action || action != capitalAction ? governance.Reason
            : $"capital_{capital.Decision.ToString().ToLowerInvariant()}{(capital.Violations.Count > 0 ? ": " + string.Join(", ", capital.Violations.Select(violation => violation.RuleId)) : "")}";
        return new GovernedDecision(action, reason, intent, qty, governance, capital);
    }

    /// <summary>The capital gate's verdict on the governance scale: DENY is BLOCK, or KILL when the kill switch is tripped or latched; MODIFY is REDUCE_SIZE.</summary>
    public static (GovernanceAction Action, double Qty) Rank(CapitalDecision capital, OrderIntent intent) =>
        Rank(capital.Decision, capital.ModifiedIntent?.Qty ?? 0, capital.KillSwitchTriggered || capital.Violations.Any(violation => violation.RuleId == CapitalGate.KillSwitchRule), intent.Qty);

    /// <summary>The hot path of <see cref="Rank(CapitalDecision, OrderIntent)"/>: from what <see cref="CapitalGate.Judge"/> returns.</summary>
    public static (GovernanceAction Action, double Qty) Rank(CapitalVerdict verdict, double allowedQty, bool kill, double requested) => verdict switch
    {
        CapitalVerdict.Allow => (GovernanceAction.Allow, requested),
        CapitalVerdict.Modify => (GovernanceAction.ReduceSize, allowedQty),
        _ => (kill ? GovernanceAction.Kill : GovernanceAction.Block, 0),
    };

    /// <summary>The hot path of the composition: the action and the quantity that goes (0 unless it goes).</summary>
    public static (GovernanceAction Action, double Qty) Combine(GovernanceAction governance, double multiplier, GovernanceAction capital, double capitalQty, double requested, double lotSize)
    {
        var action = governance > capital ? governance : capital;
        if (!GovernanceActions.Goes(action))
        {
            return (action, 0);
        }

        var qty = Floor(Math.Min(capitalQty, requested * multiplier), lotSize);
        return action == GovernanceAction.Demote ? (action, qty)      // a demotion says so, whatever goes at the level it falls to
            : qty <= 0 ? (GovernanceAction.Block, 0)
            : qty < requested ? (GovernanceAction.ReduceSize, qty)
            : (action, qty);
    }

    /// <summary><paramref name="qty"/> rounded down to a whole number of lots, in decimal so that 0.3 stays 0.3.</summary>
    private static double Floor(double qty, double lotSize)
    {
        if (!(lotSize > 0) || qty is < 0 or > 1e15 || lotSize < 1e-12)
        {
            return Math.Max(0, qty);
        }

        var lot = (decimal)lotSize;
        return (double)(Math.Floor((decimal)qty / lot) * lot);
    }
}
