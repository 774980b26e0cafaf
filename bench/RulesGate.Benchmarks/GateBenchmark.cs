using System.Text.Json;
using BenchmarkDotNet.Attributes;
using RulesGate.Core;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;

namespace RulesGate.Benchmarks;

/// <summary>
/// The baseline for the gate: the nine standard capital rules of rules/capital/default.yaml, with its limits
/// and overrides, written by hand in C# — what a team would write without a rule engine.
/// </summary>
internal static class HandWrittenGate
{
    public static CapitalVerdict Judge(CapitalContext context, Span<bool> fired, out double allowedQty)
    {
        var intent = context.Intent;
        var metrics = context.Metrics;
        var execution = context.Execution;
        var price = context.Market.Price(intent.Symbol);
        var maxPositionPct = intent.Symbol == "AAPL" ? 0.05 : 0.10;
        var maxByStrategy = intent.StrategyId == "mean-revert" ? 10 : 20;
        allowedQty = 0;
        fired.Clear();
        if (!double.IsFinite(price) || price <= 0)
        {
            fired[0] = true;
            return CapitalVerdict.Deny;
        }

        fired[1] = execution.KillSwitchActive;
        fired[2] = metrics.DailyReturn <= -0.02;
        fired[3] = metrics.Drawdown >= 0.10;
        fired[4] = execution.OrdersLast60sGlobal >= 60;
        fired[5] = execution.OrdersLast60s(intent.StrategyId) >= maxByStrategy;
        fired[6] = metrics.NewPositionPct > maxPositionPct;
        fired[7] = metrics.GrossExposureX > 2.0;
        fired[8] = metrics.NetExposureX > 1.0;
        var others = fired[1] || fired[2] || fired[3] || fired[4] || fired[5] || fired[7] || fired[8];
        if (!others && !fired[6])
        {
            return CapitalVerdict.Allow;
        }

        if (!others)
        {
            var cap = maxPositionPct * context.Portfolio.Equity / price;
            var room = intent.Side == OrderSide.Buy ? cap - metrics.CurrentQty : metrics.CurrentQty + cap;
            allowedQty = Math.Min(intent.Qty, Math.Max(0, Math.Floor(room / 1e-8) * 1e-8));
            if (allowedQty > 0)
            {
                return CapitalVerdict.Modify;
            }
        }

        allowedQty = 0;
        return CapitalVerdict.Deny;
    }
}

/// <summary>The compiled standard rules against the hand-written ones, over the sample requests (a mix of verdicts).</summary>
[MemoryDiagnoser]
public class GateBenchmark
{
    private readonly bool[] fired = new bool[9];
    private CapitalGate gate = null!;
    private CapitalContext[] contexts = null!;

    public static string Root { get; set; } = ".";

    [GlobalSetup]
    public void Setup()
    {
        gate = new CapitalGate(new RuleEngine(BuiltInKinds.Registry).Load(Path.Combine(Root, "rules", "capital", "default.yaml")).Value!);
        contexts = [.. File.ReadLines(Path.Combine(Root, "samples", "capital", "requests.jsonl")).Select(line => CapitalContextJson.ReadRequest(JsonDocument.Parse(line).RootElement))];
        for (var i = 0; i < contexts.Length; i++)
        {
            var compiled = gate.Judge(contexts[i], fired, out var compiledQty, out _);
            var handWritten = HandWrittenGate.Judge(contexts[i], fired, out var handQty);
            if (compiled != handWritten || compiledQty != handQty)
            {
                throw new InvalidOperationException($"Request {i}: compiled {compiled} {compiledQty}, hand-written {handWritten} {handQty}.");
            }
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 19)]
    public int HandWritten()
    {
        var allowed = 0;
        foreach (var context in contexts)
        {
            allowed += (int)HandWrittenGate.Judge(context, fired, out _);
        }

        return allowed;
    }

    [Benchmark(OperationsPerInvoke = 19)]
    public int Compiled()
    {
        var allowed = 0;
        foreach (var context in contexts)
        {
            allowed += (int)gate.Judge(context, fired, out _, out _);
        }

        return allowed;
    }
}
