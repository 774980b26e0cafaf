using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Reports;

/// <summary>One UTC day of a strategy's orders: the capital gate's verdicts, the governance gate's actions, and the kill switch trips its orders caused.</summary>
/// <param name="Verdicts">Capital verdicts (ALLOW, MODIFY, DENY) and how many of each, in ordinal order.</param>
/// <param name="Actions">Governance actions (ALLOW, REDUCE, BLOCK, …) and how many of each, in ordinal order; empty when no order was governed.</param>
public sealed record TimelineDay(string Day, int Decisions, IReadOnlyList<KeyValuePair<string, int>> Verdicts, IReadOnlyList<KeyValuePair<string, int>> Actions, int Trips);

/// <summary>
/// Everything that happened to one strategy since a time: its orders summarized per UTC day, newest first, and every
/// change the changelog holds about it (its ladders' moves with their evidence and votes, its ledger record and
/// overrides, config patches whose target it heads: <c>trend.max_qty</c>), oldest first.
/// </summary>
public sealed record StrategyTimeline(string Strategy, DateTimeOffset Since, IReadOnlyList<TimelineDay> Days, IReadOnlyList<ChangeRow> Changes)
{
    private static readonly string[] DecisionTypes = [GateJournal.DecisionType, EventTypes.GovernanceDecision];

    public static StrategyTimeline Of(JournalStore store, string strategy, DateTimeOffset since)
    {
        var days = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        foreach (var e in store.Read(new EventFilter(Types: DecisionTypes)))
        {
            var at = JsonFields.Timestamp(e.Time, $"event {e.Seq}");
            if (at < since || Order(e) is not { } order || order.Strategy != strategy)
            {
                continue;
            }

            var key = at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (!days.TryGetValue(key, out var day))
            {
                days[key] = day = new Tally();
            }

            if (e.Type == GateJournal.DecisionType)
            {
                day.Decisions++;
                day.Verdicts[order.Verdict] = day.Verdicts.GetValueOrDefault(order.Verdict) + 1;
                day.Trips += order.Tripped ? 1 : 0;
            }
            else
            {
                day.Actions[order.Verdict] = day.Actions.GetValueOrDefault(order.Verdict) + 1;
            }
        }

        var changes = Changelog.Rows(store).Select(pair => pair.Row)
            .Where(row => (row.Subject == strategy || row.Subject.StartsWith(strategy + ".", StringComparison.Ordinal)) && JsonFields.Timestamp(row.At, row.Subject) >= since)
            .ToList();
        return new StrategyTimeline(strategy, since,
            [.. days.Reverse().Select(pair => new TimelineDay(pair.Key, pair.Value.Decisions, [.. pair.Value.Verdicts], [.. pair.Value.Actions], pair.Value.Trips))],
            changes);
    }

    private sealed class Tally
    {
        public int Decisions { get; set; }

        public int Trips { get; set; }

        public SortedDictionary<string, int> Verdicts { get; } = new(StringComparer.Ordinal);

        public SortedDictionary<string, int> Actions { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The strategy of a decision and what was decided (the capital verdict, or the governance action); null for a payload of another shape.</summary>
    private static (string Strategy, string Verdict, bool Tripped)? Order(JournalEvent e)
    {
        try
        {
            using var document = JsonDocument.Parse(e.Payload);
            var root = document.RootElement;
            var strategy = root.GetProperty("request").GetProperty("intent").GetProperty("strategy_id").GetString() ?? "";
            var decision = root.GetProperty("decision");
            return e.Type == GateJournal.DecisionType
                ? (strategy, decision.GetProperty("decision").GetString() ?? "", decision.TryGetProperty("kill_switch_triggered", out var trip) && trip.ValueKind == JsonValueKind.True)
                : (strategy, decision.GetProperty("action").GetString() ?? "", false);
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
