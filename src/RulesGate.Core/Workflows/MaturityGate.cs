using RulesGate.Core.Governance;

namespace RulesGate.Core.Workflows;

/// <summary>
/// A workflow whose <c>gates:</c> file is a MaturityPolicy: its states are the ladder's levels and take their sizing
/// caps from the file; <c>gate: promote</c> on evidence passes when the file raises the instance's level to the
/// exit's state, and <c>demote: [ { gate: demote } ]</c> lowers it to the level the file's first firing demote rule
/// gives. Only <c>trades</c> evidence is judged (<c>trades</c>, <c>win_rate</c>, <c>profit_factor</c>,
/// <c>drawdown</c>, <c>loss_streak</c>); a figure it does not give is NaN, which the file's rules treat as not met.
/// </summary>
internal static class MaturityGate
{
    public const string Promote = "promote";
    public const string Demote = "demote";
    public const string EvidenceKind = "trades";

    /// <summary>The file's step for an instance in <paramref name="state"/> on the evidence that woke it; null when that is not trades evidence.</summary>
    public static MaturityStep? Judge(MaturityLadder ladder, string state, EvidenceContext context)
    {
        var index = MaturityPolicyKind.IndexOf(state);
        if (context.Kind != EvidenceKind || index < 0)
        {
            return null;
        }

        var latest = context.Latest;
        return ladder.Judge(new MaturityContext(context.Subject, state, index, latest.Number("trades"), latest.Number("win_rate"), latest.Number("profit_factor"), latest.Number("drawdown"), latest.Number("loss_streak")));
    }
}
