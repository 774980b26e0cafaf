using System.Diagnostics;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Orders;

namespace RulesGate.Bench;

/// <summary>Single-threaded gate throughput on pre-parsed requests, for <c>rulesgate bench gate</c>.</summary>
public static class GateBench
{
    /// <summary>Times the verdict (<see cref="CapitalGate.Judge"/>) alone, for <paramref name="budget"/>, then samples latency.</summary>
    public static GateBenchResult InMemory(CapitalGate gate, CapitalContext[] contexts, TimeSpan budget)
    {
        var fired = new bool[gate.RuleCount];
        Warm(gate, contexts, fired);
        return Measure(() =>
        {
            foreach (var context in contexts)
            {
                gate.Judge(context, fired, out _, out _);
            }
        }, contexts.Length, budget);
    }

    /// <summary>
    /// Times orders through the pipeline as <c>serve</c> takes them (<see cref="OrderPipeline"/> into a
    /// <see cref="GroupCommitSink"/>): the full decision, its record and the durable commit, counting only what was acknowledged.
    /// </summary>
    /// <param name="store">Owned by the bench from now on.</param>
    public static GateBenchResult Journaled(CapitalGate gate, CapitalContext[] contexts, TimeSpan budget, JournalStore store)
    {
        var fired = new bool[gate.RuleCount];
        Warm(gate, contexts, fired);
        var pipeline = new OrderPipeline(gate);
        OrderRecord Next(CapitalContext context)
        {
            var (judged, decision) = pipeline.Judge(context, latched: false);
            return pipeline.Complete(judged, decision, GovernanceInputs.None, state: null, record: true, "bench").Record!;
        }

        // Steady state, as a long-running host has it: the decision, its record and its segment's encoding compiled
        // by the JIT's optimizing tier before the clock starts (nothing of this warm-up is appended).
        var warm = new List<JournalEntry>(4096);
        for (var i = 0; warm.Count < 4096; i++)
        {
            warm.Add(Next(contexts[i % contexts.Length]).Entries[0]);
        }

        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 2500; i++)
            {
                Next(contexts[i % contexts.Length]);
            }

            store.Prepare(warm[..(round % 4 == 0 ? 4096 : 100)], (0, JournalEvent.Genesis));
        }

        var writer = new JournalWriter(store);
        var sink = new GroupCommitSink(writer);
        var latencies = new List<double>();
        Task<JournalEvent>? last = null;
        long appended = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < budget)
        {
            foreach (var context in contexts)
            {
                if (writer.Full)
                {
                    // A producer faster than the disk waits for room (a host's requests wait for their acknowledgement).
                    writer.Room().Wait();
                }

                var start = Stopwatch.GetTimestamp();
                last = sink.Commit(Next(context));
                appended++;
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds);
            }
        }

        // Only what is durable counts: wait for every acknowledgement before stopping the clock.
        // Batches commit in order, so the last acknowledgement comes after every other; a failed batch is not counted.
        // (Only the last task is kept: holding every acknowledged event would make the bench measure the collector.)
        last?.ContinueWith(_ => { }, TaskScheduler.Default).Wait();
        var rate = writer.Acknowledged / clock.Elapsed.TotalSeconds;
        if (writer.Acknowledged != appended)
        {
            throw new InvalidOperationException($"{appended - writer.Acknowledged} of {appended} journal entries were not acknowledged.");
        }

        var commits = writer.Commits;
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return Result(rate, latencies, journaled: true, commits);
    }

    /// <summary>
    /// Times both gates on each order as a host judges it: the order's figures and the governance context built,
    /// the governance verdict, the capital verdict and their composition. Each strategy's state (level, health,
    /// drift, token, canary) is read once beforehand, as a host keeps it between orders.
    /// </summary>
    public static GateBenchResult Governed(GovernanceGate governance, CapitalGate capital, GovernanceRequest[] requests, TimeSpan budget)
    {
        var prepared = requests.Select(request => request.Inputs.Context(request.Capital, governance.Settings, governance.CapOf)).ToArray();
        var governanceFired = new bool[governance.RuleCount];
        var capitalFired = new bool[capital.RuleCount];
        var lot = capital.LotSize;
        void Pass()
        {
            for (var i = 0; i < requests.Length; i++)
            {
                var order = requests[i].Capital;
                var state = prepared[i];
                var context = new GovernanceContext(state.Enabled, order.Intent, order.Portfolio, order.Market, state.Strategy, GovernanceOrder.Of(order.Intent, order.Portfolio, order.Market, state.Order.Leverage, state.Order.ReduceOnly, state.Order.OpenPositions), state.Canary);
                var action = governance.Judge(context, governanceFired, out _, out var multiplier);
                var verdict = capital.Judge(order, capitalFired, out var allowed, out var trips);
                var (capitalAction, capitalQty) = GovernedDecision.Rank(verdict, allowed, trips || order.Execution.KillSwitchActive, order.Intent.Qty);
                GovernedDecision.Combine(action, multiplier, capitalAction, capitalQty, order.Intent.Qty, lot);
            }
        }

        for (var warm = 0; warm < Math.Max(1, 20_000 / requests.Length); warm++)
        {
            Pass();
        }

        return Measure(Pass, requests.Length, budget);
    }

    /// <summary>
    /// Runs <paramref name="pass"/> (<paramref name="perPass"/> decisions) for <paramref name="budget"/> for the rate,
    /// then samples latency: the clock ticks too coarsely to time one decision, so each sample is a pass, per decision.
    /// </summary>
    private static GateBenchResult Measure(Action pass, int perPass, TimeSpan budget)
    {
        long decisions = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < budget)
        {
            pass();
            decisions += perPass;
        }

        var rate = decisions / clock.Elapsed.TotalSeconds;
        var latencies = new List<double>();
        var sampling = Stopwatch.StartNew();
        while (sampling.Elapsed < budget / 3 || latencies.Count < 100)
        {
            var start = Stopwatch.GetTimestamp();
            pass();
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds / perPass);
        }

        return Result(rate, latencies, journaled: false, commits: null);
    }

    private static void Warm(CapitalGate gate, CapitalContext[] contexts, bool[] fired)
    {
        for (var i = 0; i < 20_000; i++)
        {
            gate.Judge(contexts[i % contexts.Length], fired, out _, out _);
        }
    }

    private static GateBenchResult Result(double rate, List<double> latencies, bool journaled, long? commits)
    {
        latencies.Sort();
        return new GateBenchResult(rate, latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)], journaled, commits);
    }
}
