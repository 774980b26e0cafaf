using System.Globalization;
using System.Text.RegularExpressions;

namespace RulesGate.Core.Promotion;

/// <summary>
/// A promotion gate's blocker codes (<c>paper_forced_ratio_exceeds:0.40&gt;0.25</c>, the reference format the ledger
/// and <c>promote</c> keep) as a sentence a risk officer reads, with their numbers: "forced decisions are 40% of the
/// paper diary; at most 25% allowed". A code of another shape (a gate file's own) is returned as it is.
/// </summary>
public static partial class Blockers
{
    public static string Sentence(string code)
    {
        if (Known().Match(code) is not { Success: true } match)
        {
            return code;
        }

        string G(string name) => match.Groups[name].Value;
        string Stage() => G("stage");
        return G("what") switch
        {
            "stage_decisions_insufficient" => $"{G("a")} decisions in the {Stage()} diary; {G("b")} needed",
            "stage_alerts_present" => $"{G("a")} {(G("a") == "1" ? "alert" : "alerts")} in the {Stage()} diary; none allowed",
            "forced_ratio_exceeds" => $"forced decisions are {Percent(G("a"))} of the {Stage()} diary; at most {Percent(G("b"))} allowed",
            "warn_ratio_exceeds" => $"warnings are {Percent(G("a"))} of the {Stage()} diary; at most {Percent(G("b"))} allowed",
            "normal_ratio_below" => $"normal decisions are {Percent(G("a"))} of the {Stage()} diary; at least {Percent(G("b"))} needed",
            "normal_streak_below" => $"{G("a")} normal decisions in a row in {Stage()}; {G("b")} needed",
            "green_gate_duration_below" => $"{Stage()} has been green for {Days(G("a"))}; {Days(G("b"))} needed",
            "approvals_required" => $"{G("b")} {(G("b") == "1" ? "approval" : "approvals")} on the ledger; {G("a")} needed",
            "audit_gaps_present" => $"the ledger record lacks {string.Join(", ", G("a").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Gap))}",
            _ => code,
        };
    }

    /// <summary>An audit gap (<see cref="PolicyLedgerRecord.AuditGaps"/>) in words.</summary>
    public static string Gap(string gap) => gap switch
    {
        "missing_evidence" => "evidence",
        "missing_approvals" => "an approval",
        "additional_approval_needed" => "a second approval",
        _ when gap.StartsWith("missing_", StringComparison.Ordinal) => $"the checklist item {gap["missing_".Length..].Replace('_', ' ')}",
        _ => gap,
    };

    private static string Percent(string ratio) =>
        double.TryParse(ratio, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? Application.DeskNumbers.Percent(value) : ratio;

    private static string Days(string days) =>
        double.TryParse(days, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value.ToString("0.#", CultureInfo.InvariantCulture) + (value == 1 ? " day" : " days") : days;

    [GeneratedRegex(@"^(?:(?<stage>experiment|paper|pilot)_(?<what>stage_decisions_insufficient|normal_streak_below):(?<a>\d+)/(?<b>\d+)|(?<stage>experiment|paper|pilot)_(?<what>stage_alerts_present):(?<a>\d+)|(?<stage>experiment|paper|pilot)_(?<what>forced_ratio_exceeds|warn_ratio_exceeds):(?<a>[0-9.]+)>(?<b>[0-9.]+)|(?<stage>experiment|paper|pilot)_(?<what>normal_ratio_below|green_gate_duration_below):(?<a>[0-9.]+)<(?<b>[0-9.]+)|(?<what>approvals_required):(?<a>\d+)_have:(?<b>\d+)|(?<what>audit_gaps_present):(?<a>[a-z0-9_,]*))$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Known();
}
