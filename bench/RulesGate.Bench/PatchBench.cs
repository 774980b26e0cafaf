using System.Diagnostics;
using RulesGate.Core.Application;
using RulesGate.Core.Journal;
using RulesGate.Core.Patches;

namespace RulesGate.Bench;

/// <summary>The config-patch loop at volume, for <c>rulesgate bench patches</c>.</summary>
public static class PatchBench
{
    /// <summary>
    /// <paramref name="count"/> patches (the seed's, cycled, each with an id of its own) judged alone, then judged,
    /// journaled and proposed in manual_only into <paramref name="store"/> and <paramref name="folder"/>.
    /// </summary>
    public static PatchBenchResult Run(PatchJudge judge, IReadOnlyList<ConfigPatch> seed, int count, JournalStore store, string folder)
    {
        var patches = Enumerable.Range(0, count).Select(i => seed[i % seed.Count] with { Id = $"{seed[i % seed.Count].Id}-{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}" }).ToList();
        var clock = Stopwatch.StartNew();
        judge.Judge(patches, PatchMode.ManualOnly);
        var judged = clock.Elapsed.TotalSeconds;
        clock.Restart();
        new PatchProposer(judge, store).Propose(patches, PatchMode.ManualOnly, new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero), folder, Path.Combine(folder, "auto.toml"));
        new PatchProposals(store).WriteFilesAsync(null).GetAwaiter().GetResult();
        return new PatchBenchResult(count, judged, clock.Elapsed.TotalSeconds);
    }
}
