using System.Diagnostics;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BenchmarkDotNet.Running;
using RulesGate.Core;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Benchmarks;

// rulesgate benchmarks:
//   generate FILE          write the 200-rule CapitalPolicy file used below
//   startup FILE [CACHE]   time from a fresh process to a ready bundle (cold without CACHE, warm with a filled one)
//   reload FILE [N]        N hot reloads of a changing file; managed memory after GC, before and after
//   eval                   BenchmarkDotNet: compiled rules against the same conditions hand-written in C#
//   gate [ROOT]            BenchmarkDotNet: the standard capital gate against the nine rules hand-written in C#,
//                          on ROOT/samples/capital/requests.jsonl (run from the repository root)
//   diary JOURNAL [N] [ROOT]  fill JOURNAL with N diary entries of one policy (1,000,000 by default), then time
//                          five assessments against ROOT/rules/promotion/alpha-trade.yaml
//   seed JOURNAL [N] [ROOT]  add N config-patch-approval instances about one subject (100,000 by default) to JOURNAL
//   workflows JOURNAL [N] [ROOT]  N maturity-ladder instances (10,000 by default), then one evidence batch that
//                          moves them all: transitions per second
return args.FirstOrDefault() switch
{
    "generate" => Bench.Generate(args[1]),
    "startup" => Bench.Startup(args[1], args.ElementAtOrDefault(2)),
    "reload" => Bench.Reload(args[1], int.Parse(args.ElementAtOrDefault(2) ?? "500", CultureInfo.InvariantCulture)),
    "eval" => Run(),
    "gate" => Gate(args.ElementAtOrDefault(1)),
    "seed" => WorkflowBench.Seed(args[1], int.Parse(args.ElementAtOrDefault(2) ?? "100000", CultureInfo.InvariantCulture), args.ElementAtOrDefault(3) ?? "."),
    "workflows" => WorkflowBench.Run(args[1], int.Parse(args.ElementAtOrDefault(2) ?? "10000", CultureInfo.InvariantCulture), args.ElementAtOrDefault(3) ?? "."),
    "diary" => DiaryBench.Run(args[1], int.Parse(args.ElementAtOrDefault(2) ?? "1000000", CultureInfo.InvariantCulture), args.ElementAtOrDefault(3) ?? "."),
    _ => Usage(),
};

static int Run()
{
    BenchmarkRunner.Run<EvalBenchmark>(InProcess());
    return 0;
}

// The out-of-process toolchain rebuilds the project under this repository's warnings-as-errors and fails.
static IConfig InProcess() =>
    DefaultConfig.Instance.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));

static int Gate(string? root)
{
    GateBenchmark.Root = Path.GetFullPath(root ?? ".");
    BenchmarkRunner.Run<GateBenchmark>(InProcess());
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: generate FILE | startup FILE [CACHE] | reload FILE [N] | eval | gate [ROOT] | diary JOURNAL [N] [ROOT] | workflows JOURNAL [N] [ROOT]");
    return 2;
}

namespace RulesGate.Benchmarks
{
internal static class Bench
{
    public const int Rules = 200;

    private static readonly string[] Conditions =
    [
        "Metrics.NewPositionPct > Params.Limits.L{0}",
        "Metrics.GrossExposureX > Params.Limits.L{0} * 20",
        "Metrics.Drawdown >= Params.Limits.L{0}",
        "Execution.OrdersLast60sGlobal >= Params.Limits.L{0} * 1000",
    ];

    public static double Limit(int i) => 0.5 + (i * 0.001);

    public static string Yaml(int salt = 0)
    {
        var text = new StringBuilder($"apiVersion: rulesgate/v1\nkind: CapitalPolicy\nmetadata:\n  id: bench-200\n  version: {1 + salt}\nparams:\n  limits:\n");
        for (var i = 0; i < Rules; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"    l_{i}: {Limit(i).ToString("R", CultureInfo.InvariantCulture)}\n");
        }

        text.Append("rules:\n");
        for (var i = 0; i < Rules; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - id: R-{i:D3}\n    severity: HIGH\n    when: {string.Format(CultureInfo.InvariantCulture, Conditions[i % 4], i)}\n    message: \"Rule {i} at {{Metrics.NewPositionPct:F4}}\"\n");
        }

        return text.ToString();
    }

    public static int Generate(string path)
    {
        File.WriteAllText(path, Yaml());
        return 0;
    }

    public static int Startup(string path, string? cache)
    {
        var watch = Stopwatch.StartNew();
        var bundle = new RuleEngine(BuiltInKinds.Registry, cache).Load(path).Value ?? throw new InvalidOperationException("bench file did not compile");
        bundle.Evaluator<CapitalContext>().Fired(EvalBenchmark.Context());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(bundle.FromCache ? "warm" : "cold")} {watch.Elapsed.TotalMilliseconds:F0} ms"));
        return 0;
    }

    public static int Reload(string directory, int count)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "bench.yaml");
        File.WriteAllText(path, Yaml());
        using var registry = new RuleRegistry(new RuleEngine(BuiltInKinds.Registry), directory);
        registry.Refresh();
        var before = Settle();
        for (var i = 1; i <= count; i++)
        {
            File.WriteAllText(path, Yaml(i));
            if (registry.Refresh().Loaded.Count != 1)
            {
                throw new InvalidOperationException($"reload {i} failed");
            }
        }

        var after = Settle();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} reloads: managed memory {before / 1e6:F1} MB -> {after / 1e6:F1} MB (growth {(after - before) / 1e6:F1} MB)"));
        return 0;
    }

    private static long Settle()
    {
        for (var i = 0; i < 5; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

[MemoryDiagnoser]
public class EvalBenchmark
{
    private readonly bool[] fired = new bool[Bench.Rules];
    private readonly double[] limits = [.. Enumerable.Range(0, Bench.Rules).Select(Bench.Limit)];
    private RuleEvaluator<CapitalContext> evaluator = null!;
    private CapitalContext context = null!;

    public static CapitalContext Context() => new(
        new OrderIntent("b-1", new DateTimeOffset(2026, 1, 15, 15, 30, 0, TimeSpan.Zero), "trend", "acct", "MSFT", "equity", OrderSide.Buy, OrderType.Market, 10, null),
        new PortfolioState(100_000, 100_000, 100_000, new Dictionary<string, double> { ["AAPL"] = 50 }, 0, 0),
        new MarketSnapshot(null, new Dictionary<string, double> { ["MSFT"] = 400, ["AAPL"] = 200 }),
        ExecutionState.Idle);

    [GlobalSetup]
    public void Setup()
    {
        var file = new RuleFileLoader(BuiltInKinds.Registry).Parse("bench.yaml", Encoding.UTF8.GetBytes(Bench.Yaml())).Value!;
        evaluator = new RuleEngine(BuiltInKinds.Registry).Compile(file).Value!.Evaluator<CapitalContext>();
        context = Context();
    }

    [Benchmark(Baseline = true)]
    public bool HandWritten()
    {
        var m = context.Metrics;
        var e = context.Execution;
        var l = limits;
        var f = fired;
        for (var i = 0; i < Bench.Rules; i += 4)
        {
            f[i] = m.NewPositionPct > l[i];
            f[i + 1] = m.GrossExposureX > l[i + 1] * 20;
            f[i + 2] = m.Drawdown >= l[i + 2];
            f[i + 3] = e.OrdersLast60sGlobal >= l[i + 3] * 1000;
        }

        return f[0];
    }

    [Benchmark]
    public bool Compiled()
    {
        evaluator.Evaluate(context, fired);
        return fired[0];
    }
}
}
