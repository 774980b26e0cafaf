using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Reports;

/// <summary>One UTC day of a strategy's orders: the capital gate's verdicts, the governance gate's actions, and the kill switch trips its orders caused.</summary>
/// <param name="Verdicts">Capital verdicts (ALLOW, MODIFY, DENY) and how many of each, in ordinal order.</param>
/// <param name="Actions">Governance actions (ALLOW, REDUCE, BLOCK, …) and how many of each, in ordinal order; empty when no order was governed.</param>
public sealed record TimelineDay(string Day, int Decisions, IReadOnlyList<KeyValuePair<string, int>> Verdicts, IReadOnlyList<KeyValuePair<string, int>> Actions, int Trips);

/// <summary>
/// Everything that happened to one strategy between two times: its orders summarized per UTC day (from the first time's
/// day to the second's), newest first, and every change the changelog holds about it between them (its ladders' moves with their evidence
/// and votes, its ledger record and overrides, config patches whose target it heads: <c>trend.max_qty</c>), oldest first.
/// </summary>
public sealed record StrategyTimeline(string Strategy, DateTimeOffset Since, DateTimeOffset Until, IReadOnlyList<TimelineDay> Days, IReadOnlyList<ChangeRow> Changes)
{
    /// <summary>How many days a timeline shows unless asked.</summary>
    public const int DefaultDays = 30;

    /// <summary>A number of days as asked (<c>?days=7</c>): from 1 to 366; <see cref="DefaultDays"/> when not asked.</summary>
    /// <exception cref="FormatException">It is not such a number; says what to write.</exception>
    public static int DaysOf(string? asked) =>
        string.IsNullOrEmpty(asked) ? DefaultDays
        : int.TryParse(asked, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= 366 ? days
        : throw new FormatException($"days: '{asked}' is not a number of days; write one from 1 to 366.");

    /// <summary>The start of the last <paramref name="days"/> UTC days up to <paramref name="now"/>: today and the days before it.</summary>
    public static DateTimeOffset Start(DateTimeOffset now, int days) => new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1 - days);

    /// <param name="digest">The journal's decisions digested so far (<see cref="DecisionDigest"/>), caught up here; a fresh one reads them all.</param>
    /// <param name="until">The window's end, included: the changes up to it, and the orders of its day and those before.</param>
    public static StrategyTimeline Of(JournalStore store, string strategy, DateTimeOffset since, DateTimeOffset until, DecisionDigest? digest = null)
    {
        digest = (digest ?? new DecisionDigest()).CatchUp(store);
        var changes = Changelog.Rows(store, digest).Select(pair => pair.Row)
            .Where(row => (row.Subject == strategy || row.Subject.StartsWith(strategy + ".", StringComparison.Ordinal)) && JsonFields.Timestamp(row.At, row.Subject) is var at && at >= since && at <= until)
            .ToList();
        return new StrategyTimeline(strategy, since, until, digest.Days(strategy, since, until), changes);
    }
}
