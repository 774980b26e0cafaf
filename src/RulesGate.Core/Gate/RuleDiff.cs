using System.Globalization;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Gate;

/// <summary>
/// A stretch of one input where two rule files decide differently: from a base order (<see cref="Base"/>), the input
/// <see cref="Input"/> set anywhere from <see cref="From"/> to <see cref="To"/> (the values tried there), with what each
/// file decides at <see cref="From"/>.
/// </summary>
public sealed record DiffRegion(string Base, string Input, double From, double To, int Points, string Old, string New);

/// <summary>What <see cref="RuleDiff.Compare"/> found: how much it tried, and where the two files disagree.</summary>
public sealed record DiffReport(string Old, string New, int Inputs, int Boundaries, IReadOnlyList<DiffRegion> Regions)
{
    public bool Differ => Regions.Count > 0;
}

/// <summary>
/// Where two capital rule files decide differently, found by search rather than history, so a change nobody's orders
/// have exercised yet is still seen. From base orders (a plain one, and one per symbol and per strategy either file
/// overrides, each bought and sold), every input the rules read is moved on its own: whole counts through every
/// whole number either file names (and one either side), continuous figures over a wide grid, and wherever either
/// file's decision changes between two grid points, bisected down to the two adjacent doubles where it turns, where
/// both files are asked again. A `&gt;` that became `&gt;=` differs only at that point, and is found there. Decisions are
/// compared as <see cref="RuleImpact"/> does: verdict, a MODIFY's quantity, and the rules that fire. This searches
/// one input at a time; it is evidence, not a proof.
/// </summary>
public static class RuleDiff
{
    private const int GridPoints = 96;
    private const string Symbol = "ACME";
    private const string Strategy = "base";
    private const double Price = 100, Equity = 1_000_000, Quantity = 10;
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 15, 0, 0, TimeSpan.Zero);

    /// <summary>One input the rules read: tried at <paramref name="Values"/> when given (whole counts, a switch), else over a grid from low to high and bisected.</summary>
    private sealed record Input(string Name, IReadOnlyList<double>? Values, double Low, double High, Func<Order, double, Order> Set);

    /// <summary>What both files decide at one value: in full (<see cref="RuleImpact.Summary"/>), and as verdict and rules alone, whose changes are the boundaries.</summary>
    private sealed record Point(string Old, string New, string OldKind, string NewKind);

    /// <summary>The order the inputs are set on, from which a context is made.</summary>
    private sealed record Order(string Symbol, string Strategy, OrderSide Side, double Qty, double Price, double Equity, double StartOfDay, double Peak, double Position, int Global, int ByStrategy, int Violations, bool KillSwitch)
    {
        public CapitalContext Context() => new(
            new OrderIntent("diff", Now, Strategy, "DIFF", Symbol, "equity", Side, OrderType.Market, Qty, null),
            new PortfolioState(Equity, StartOfDay, Peak, Position == 0 ? new Dictionary<string, double>() : new Dictionary<string, double> { [Symbol] = Position }, 0, 0),
            new MarketSnapshot(Now, new Dictionary<string, double> { [Symbol] = Price }),
            new ExecutionState(Global, new Dictionary<string, int> { [Strategy] = ByStrategy }, Violations, KillSwitch));
    }

    public static DiffReport Compare(RuleBundle old, RuleBundle candidate)
    {
        var (before, after) = (new CapitalGate(old), new CapitalGate(candidate));
        var wholes = Numbers(old.File).Concat(Numbers(candidate.File))
            .Where(n => n >= 0 && n <= 1_000_000 && Math.Abs(n - Math.Round(n)) < 1e-9)
            .SelectMany(n => new[] { n - 1, n, n + 1 }).Append(0).Append(1).Where(n => n >= 0).Distinct().Order().ToList();
        Input[] inputs =
        [
            new("intent.qty", null, 1e-4, 1e9, (o, v) => o with { Qty = v }),
            new("market price", null, 1e-4, 1e7, (o, v) => o with { Price = v }),
            new("portfolio.equity", null, 1, 1e10, (o, v) => o with { Equity = v, StartOfDay = v, Peak = v }),
            new("portfolio.start_of_day_equity", null, Equity * 0.5, Equity * 1.5, (o, v) => o with { StartOfDay = v }),
            new("portfolio.peak_equity", null, Equity, Equity * 2, (o, v) => o with { Peak = v }),
            new("position held (long)", null, 1e-4, 1e8, (o, v) => o with { Position = v }),
            new("position held (short)", null, 1e-4, 1e8, (o, v) => o with { Position = -v }),
            new("execution.orders_last_60s_global", wholes, 0, 0, (o, v) => o with { Global = (int)v }),
            new("execution.orders_last_60s_by_strategy", wholes, 0, 0, (o, v) => o with { ByStrategy = (int)v }),
            new("execution.violations_last_window", wholes, 0, 0, (o, v) => o with { Violations = (int)v }),
            new("execution.kill_switch_active", [0, 1], 0, 0, (o, v) => o with { KillSwitch = v > 0 }),
        ];

        var regions = new List<DiffRegion>();
        var (judged, boundaries) = (0, 0);
        foreach (var (label, order) in Bases(old.File, candidate.File))
        {
            foreach (var input in inputs)
            {
                var values = input.Values ?? Grid(input.Low, input.High);
                var points = new SortedDictionary<double, Point>();
                Point At(double value)
                {
                    if (!points.TryGetValue(value, out var point))
                    {
                        var context = input.Set(order, value).Context();
                        var (was, now) = (before.Decide(context), after.Decide(context));
                        point = new Point(RuleImpact.Summary(was), RuleImpact.Summary(now), Kind(was), Kind(now));
                        points[value] = point;
                    }

                    return point;
                }

                foreach (var value in values)
                {
                    At(value);
                }

                if (input.Values is null)
                {
                    // Where either file's verdict or rules turn between two grid points, bisect to the adjacent doubles they turn between.
                    for (var i = 1; i < values.Count; i++)
                    {
                        var (low, high) = (At(values[i - 1]), At(values[i]));
                        if (low.OldKind != high.OldKind)
                        {
                            boundaries++;
                            Bisect(values[i - 1], values[i], value => At(value).OldKind);
                        }

                        if (low.NewKind != high.NewKind)
                        {
                            boundaries++;
                            Bisect(values[i - 1], values[i], value => At(value).NewKind);
                        }
                    }
                }

                judged += points.Count;
                regions.AddRange(Regions(label, input.Name, points));
            }
        }

        return new DiffReport(old.Identity, candidate.Identity, judged, boundaries, regions);
    }

    /// <summary>A decision's verdict and the rules that fired, without the quantity a MODIFY leaves (which moves with most inputs).</summary>
    private static string Kind(CapitalDecision decision) =>
        $"{CapitalJson.Verdict(decision.Decision)} ({string.Join(", ", decision.Violations.Select(v => v.RuleId))})";

    /// <summary>Narrows [low, high], whose ends <paramref name="outcome"/> tells apart, to two adjacent doubles (every value tried is kept).</summary>
    private static void Bisect(double low, double high, Func<double, string> outcome)
    {
        var at = outcome(low);
        while (Math.BitIncrement(low) < high)
        {
            var middle = low + ((high - low) / 2);
            if (middle <= low || middle >= high)
            {
                middle = Math.BitIncrement(low);
            }

            if (outcome(middle) == at)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }
    }

    /// <summary>Consecutive values tried where the files disagree, as one region each.</summary>
    private static IEnumerable<DiffRegion> Regions(string label, string input, SortedDictionary<double, Point> points)
    {
        DiffRegion? open = null;
        foreach (var (value, (old, candidate, _, _)) in points)
        {
            if (old == candidate)
            {
                if (open is not null)
                {
                    yield return open;
                    open = null;
                }

                continue;
            }

            open = open is null ? new DiffRegion(label, input, value, value, 1, old, candidate) : open with { To = value, Points = open.Points + 1 };
        }

        if (open is not null)
        {
            yield return open;
        }
    }

    /// <summary><see cref="GridPoints"/> values from <paramref name="low"/> to <paramref name="high"/>: evenly on a log scale when the range spans decades, else evenly.</summary>
    private static List<double> Grid(double low, double high)
    {
        var logarithmic = high / low > 100;
        return [.. Enumerable.Range(0, GridPoints).Select(i => logarithmic
            ? Math.Exp(Math.Log(low) + ((Math.Log(high) - Math.Log(low)) * i / (GridPoints - 1)))
            : low + ((high - low) * i / (GridPoints - 1)))];
    }

    /// <summary>The plain order, and one per symbol and strategy either file overrides; each bought and sold.</summary>
    private static IEnumerable<(string Label, Order Order)> Bases(RuleFile old, RuleFile candidate)
    {
        var plain = new Order(Symbol, Strategy, OrderSide.Buy, Quantity, Price, Equity, Equity, Equity, 0, 0, 0, 0, false);
        var orders = new List<(string, Order)> { ($"{Symbol} ({Strategy})", plain) };
        orders.AddRange(old.Overrides.Symbols.Keys.Union(candidate.Overrides.Symbols.Keys).Order(StringComparer.Ordinal).Select(symbol => ($"{symbol} ({Strategy})", plain with { Symbol = symbol })));
        orders.AddRange(old.Overrides.Strategies.Keys.Union(candidate.Overrides.Strategies.Keys).Order(StringComparer.Ordinal).Select(strategy => ($"{Symbol} ({strategy})", plain with { Strategy = strategy })));
        return orders.SelectMany(pair => new[] { ($"buy {pair.Item1}", pair.Item2), ($"sell {pair.Item1}", pair.Item2 with { Side = OrderSide.Sell }) });
    }

    /// <summary>Every number a rule file names in its params and overrides.</summary>
    private static IEnumerable<double> Numbers(RuleFile file) =>
        file.Params.Leaves.Select(leaf => leaf.Value)
            .Concat(file.Overrides.Symbols.Values.Concat(file.Overrides.Strategies.Values).SelectMany(list => list).Select(o => o.Value))
            .Select(value => value switch
            {
                double d => d,
                int i => i,
                long l => l,
                decimal m => (double)m,
                _ => double.NaN,
            })
            .Where(double.IsFinite);

    /// <summary>A value as the report writes it: the shortest text that reads back as the same double.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
