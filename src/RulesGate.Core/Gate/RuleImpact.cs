using System.Globalization;
using RulesGate.Core.Journal;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Gate;

/// <summary>One kind of change and how much of it: its decisions and their notional (quantity × limit or market price).</summary>
public sealed record ImpactCount(string Name, int Decisions, double Notional);

/// <summary>A journaled decision the candidate would have decided otherwise: before is the recorded rule file's, after the candidate's.</summary>
public sealed record ImpactExample(string Change, long Seq, string Time, string IntentId, string StrategyId, string Symbol, string RecordedBundle, string Before, string After);

/// <summary>
/// What a candidate rule file would have changed on the journal's decisions in a window: how many were judged, how
/// many change, and the changes by verdict transition, by rule, by strategy and by symbol, with the first examples
/// of each transition. Every list is ordered by decisions, most first, then by name, so the same journal and
/// candidate give the same report.
/// </summary>
public sealed record ImpactReport(
    string Candidate,
    string PolicyId,
    DateTimeOffset? Since,
    DateTimeOffset? Until,
    int Judged,
    int OtherPolicies,
    int Malformed,
    int Changed,
    double Notional,
    IReadOnlyList<ImpactCount> Transitions,
    IReadOnlyList<ImpactCount> Rules,
    IReadOnlyList<ImpactCount> Strategies,
    IReadOnlyList<ImpactCount> Symbols,
    IReadOnlyList<ImpactExample> Examples);

/// <summary>
/// Judges every journaled capital decision of the candidate's policy (the same <c>id</c>, any version) again under
/// the candidate, on the request the journal holds, and compares it with the decision of the rule file that made it
/// (the journal's copy, checked against its hash; <c>journal replay</c> checks that this reproduces the journal).
/// A decision changes when its verdict does, when a MODIFY's quantity does, or when the rules that fire do.
/// Decisions are judged a chunk at a time on every core; the counts are taken in journal order.
/// </summary>
public static class RuleImpact
{
    private const int Chunk = 8192;

    /// <summary>How many examples each transition keeps.</summary>
    public const int ExamplesPerChange = 3;

    /// <param name="since">The first moment of the window (inclusive), or null for the journal's start.</param>
    /// <param name="until">The end of the window (exclusive), or null for its end.</param>
    public static ImpactReport Run(JournalStore store, RuleEngine engine, RuleBundle candidate, DateTimeOffset? since = null, DateTimeOffset? until = null)
    {
        var policyId = candidate.File.Metadata.Id;
        var after = new CapitalGate(candidate);
        var gates = new Dictionary<string, CapitalGate>(StringComparer.Ordinal);
        var tally = new Tally();
        var (judged, others, malformed) = (0, 0, 0);
        foreach (var chunk in store.Read(new EventFilter(null, [GateJournal.DecisionType, GateJournal.MalformedType])).Chunk(Chunk))
        {
            var wanted = new List<CapitalReplay.Recorded>(chunk.Length);
            foreach (var e in chunk)
            {
                if (!Within(e, since, until))
                {
                    continue;
                }

                if (e.Type != GateJournal.DecisionType)
                {
                    malformed++;
                    continue;
                }

                var recorded = CapitalReplay.Recorded.Of(e);
                if (IdOf(recorded.Bundle!) != policyId)
                {
                    others++;
                    continue;
                }

                CapitalReplay.Gate(store.Blob, engine, gates, recorded.Bundle!, recorded.BundleHash!);
                wanted.Add(recorded);
            }

            foreach (var change in CapitalReplay.InOrder(wanted, recorded => Compare(recorded, gates[recorded.BundleHash!], after)))
            {
                tally.Add(change);
            }

            judged += wanted.Count;
        }

        return new ImpactReport(candidate.Identity, policyId, since, until, judged, others, malformed, tally.Changed, tally.Notional,
            Tally.Ordered(tally.Transitions), Tally.Ordered(tally.Rules), Tally.Ordered(tally.Strategies), Tally.Ordered(tally.Symbols), tally.Examples);
    }

    /// <summary>The policy id of a rule file's identity, <c>id@version#hash</c>.</summary>
    private static string IdOf(string identity) => identity[..Math.Max(0, identity.LastIndexOf('@'))];

    private static bool Within(JournalEvent e, DateTimeOffset? since, DateTimeOffset? until)
    {
        if (since is null && until is null)
        {
            return true;
        }

        var time = DateTimeOffset.Parse(e.Time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        return (since is null || time >= since) && (until is null || time < until);
    }

    /// <summary>A decision that changes, with what the tally counts worked out where it is judged, on every core.</summary>
    private sealed record Change(string Name, CapitalReplay.Recorded Recorded, CapitalContext Context, CapitalDecision Before, CapitalDecision After, double Notional, IReadOnlyList<string> Rules);

    private static Change? Compare(CapitalReplay.Recorded recorded, CapitalGate before, CapitalGate after)
    {
        var context = recorded.Context();
        var (was, now) = (before.Decide(context), after.Decide(context));
        var (fired, firing) = (Fired(was), Fired(now));
        var name = was.Decision != now.Decision ? $"{CapitalJson.Verdict(was.Decision)} → {CapitalJson.Verdict(now.Decision)}"
            : was.ModifiedIntent?.Qty != now.ModifiedIntent?.Qty ? $"{CapitalJson.Verdict(now.Decision)}, quantity changed"
            : !fired.SetEquals(firing) ? $"{CapitalJson.Verdict(now.Decision)}, other rules"
            : null;
        if (name is null)
        {
            return null;
        }

        var intent = context.Intent;
        var price = intent.LimitPrice ?? context.Market.Price(intent.Symbol);
        var notional = double.IsFinite(price) ? Math.Abs(intent.Qty * price) : 0;
        var rules = firing.Except(fired).Select(rule => $"{rule} now fires").Concat(fired.Except(firing).Select(rule => $"{rule} no longer fires")).ToList();
        return new Change(name, recorded, context, was, now, notional, rules);
    }

    private static HashSet<string> Fired(CapitalDecision decision) => [.. decision.Violations.Select(v => v.RuleId)];

    /// <summary>The counts, kept in journal order so the examples are the first of each change.</summary>
    private sealed class Tally
    {
        public Dictionary<string, (int Decisions, double Notional)> Transitions { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (int Decisions, double Notional)> Rules { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (int Decisions, double Notional)> Strategies { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (int Decisions, double Notional)> Symbols { get; } = new(StringComparer.Ordinal);

        public List<ImpactExample> Examples { get; } = [];

        public int Changed { get; private set; }

        public double Notional { get; private set; }

        public void Add(Change? change)
        {
            if (change is null)
            {
                return;
            }

            Changed++;
            Notional += change.Notional;
            Count(Transitions, change.Name, change.Notional);
            foreach (var rule in change.Rules)
            {
                Count(Rules, rule, change.Notional);
            }

            Count(Strategies, change.Context.Intent.StrategyId, change.Notional);
            Count(Symbols, change.Context.Intent.Symbol, change.Notional);
            if (Transitions[change.Name].Decisions <= ExamplesPerChange)
            {
                var e = change.Recorded.Event;
                Examples.Add(new ImpactExample(change.Name, e.Seq, e.Time, change.Context.Intent.IntentId, change.Context.Intent.StrategyId, change.Context.Intent.Symbol,
                    change.Recorded.Bundle!, Summary(change.Before), Summary(change.After)));
            }
        }

        public static IReadOnlyList<ImpactCount> Ordered(Dictionary<string, (int Decisions, double Notional)> counts) =>
            [.. counts.OrderByDescending(pair => pair.Value.Decisions).ThenBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new ImpactCount(pair.Key, pair.Value.Decisions, pair.Value.Notional))];

        private static void Count(Dictionary<string, (int Decisions, double Notional)> counts, string name, double notional)
        {
            var (decisions, sum) = counts.GetValueOrDefault(name);
            counts[name] = (decisions + 1, sum + notional);
        }
    }

    /// <summary>A decision in a few words: its verdict, the quantity a MODIFY leaves, and the rules that fired.</summary>
    public static string Summary(CapitalDecision decision)
    {
        var verdict = CapitalJson.Verdict(decision.Decision);
        var quantity = decision.ModifiedIntent is { } modified ? string.Create(CultureInfo.InvariantCulture, $" to {modified.Qty:0.########}") : "";
        var rules = decision.Violations.Count == 0 ? "" : $" ({string.Join(", ", decision.Violations.Select(v => v.RuleId))})";
        return verdict + quantity + rules;
    }
}
