using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Reports;

/// <summary>
/// What the changelog and a strategy's timeline need from every decision, kept as the journal is read: the first
/// decision under each rule file, and each strategy's orders per UTC day (the capital gate's verdicts, the governance
/// gate's actions, the kill switch trips). Decisions are most of a journal and reading them is most of the cost: a
/// digest caught up once reads, the next time, only the decisions added since. One digest follows one journal; it
/// is safe to share between threads (one catches up at a time).
/// </summary>
public sealed class DecisionDigest
{
    private static readonly string[] DecisionTypes = [GateJournal.DecisionType, EventTypes.GovernanceDecision];

    private readonly Lock gate = new();
    private readonly List<(long Seq, string Time, string Bundle)> firsts = [];
    private readonly HashSet<string> bundles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<string, Tally>> days = new(StringComparer.Ordinal);
    private long read;

    /// <summary>Reads the decisions <paramref name="store"/> holds past those already digested.</summary>
    public DecisionDigest CatchUp(JournalStore store)
    {
        lock (gate)
        {
            foreach (var e in store.Read(new EventFilter(Types: DecisionTypes, From: read + 1)))
            {
                Take(e);
                read = e.Seq;
            }
        }

        return this;
    }

    /// <summary>Takes one event a reader of the whole journal came across, in order: a decision past those digested is digested; anything else is passed over.</summary>
    internal void Add(JournalEvent e)
    {
        lock (gate)
        {
            if (e.Seq > read && DecisionTypes.Contains(e.Type))
            {
                Take(e);
                read = e.Seq;
            }
        }
    }

    /// <summary>The first decision under each rule file (<c>id@version#sha</c>), in journal order.</summary>
    public IReadOnlyList<(long Seq, string Time, string Bundle)> FirstDecisions
    {
        get
        {
            lock (gate)
            {
                return [.. firsts];
            }
        }
    }

    /// <summary>A strategy's orders on each UTC day from <paramref name="from"/>'s day to <paramref name="to"/>'s, both included, newest first.</summary>
    public IReadOnlyList<TimelineDay> Days(string strategy, DateTimeOffset from, DateTimeOffset to)
    {
        var (first, last) = (Day(from), Day(to));
        lock (gate)
        {
            return days.TryGetValue(strategy, out var known)
                ? [.. known.Where(pair => string.CompareOrdinal(pair.Key, first) >= 0 && string.CompareOrdinal(pair.Key, last) <= 0).Reverse()
                    .Select(pair => new TimelineDay(pair.Key, pair.Value.Decisions, [.. pair.Value.Verdicts], [.. pair.Value.Actions], pair.Value.Trips))]
                : [];
        }
    }

    private void Take(JournalEvent e)
    {
        var (bundle, order) = Read(e);
        if (e.Type == GateJournal.DecisionType && bundle is not null && bundles.Add(bundle))
        {
            firsts.Add((e.Seq, e.Time, bundle));
        }

        if (order is not { } known)
        {
            return;     // a payload of another shape (an older RulesGate): counted for no strategy, failing nothing
        }

        var key = Day(JsonFields.Timestamp(e.Time, $"event {e.Seq}"));
        if (!days.TryGetValue(known.Strategy, out var byDay))
        {
            days[known.Strategy] = byDay = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        }

        if (!byDay.TryGetValue(key, out var day))
        {
            byDay[key] = day = new Tally();
        }

        if (e.Type == GateJournal.DecisionType)
        {
            day.Decisions++;
            day.Verdicts[known.Verdict] = day.Verdicts.GetValueOrDefault(known.Verdict) + 1;
            day.Trips += known.Tripped ? 1 : 0;
        }
        else
        {
            day.Actions[known.Verdict] = day.Actions.GetValueOrDefault(known.Verdict) + 1;
        }
    }

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// A decision's rule file (<c>bundle</c>, when it names one), and its strategy and what was decided (the capital
    /// verdict, or the governance action); the order is null for a payload of another shape.
    /// </summary>
    private static (string? Bundle, (string Strategy, string Verdict, bool Tripped)? Order) Read(JournalEvent e)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(e.Payload);
        }
        catch (JsonException)
        {
            return (null, null);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            var bundle = root.TryGetProperty("bundle", out var named) && named.ValueKind == JsonValueKind.String ? named.GetString() : null;
            try
            {
                var strategy = root.GetProperty("request").GetProperty("intent").GetProperty("strategy_id").GetString() ?? "";
                var decision = root.GetProperty("decision");
                return e.Type == GateJournal.DecisionType
                    ? (bundle, (strategy, decision.GetProperty("decision").GetString() ?? "", decision.TryGetProperty("kill_switch_triggered", out var trip) && trip.ValueKind == JsonValueKind.True))
                    : (bundle, (strategy, decision.GetProperty("action").GetString() ?? "", false));
            }
            catch (Exception error) when (error is KeyNotFoundException or InvalidOperationException)
            {
                return (bundle, null);
            }
        }
    }

    private sealed class Tally
    {
        public int Decisions { get; set; }

        public int Trips { get; set; }

        public SortedDictionary<string, int> Verdicts { get; } = new(StringComparer.Ordinal);

        public SortedDictionary<string, int> Actions { get; } = new(StringComparer.Ordinal);
    }
}
