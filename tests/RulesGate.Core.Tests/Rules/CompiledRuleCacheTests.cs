using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Rules;

public sealed class CompiledRuleCacheTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("rulesgate-cache-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static RuleFile File() =>
        Compiled.Load(Some.PolicyYaml("  - id: R-1\n    severity: HIGH\n    when: Metrics.NewPositionPct > 0.15\n    message: x\n")).Value!;

    [Fact]
    public void Compile_SecondEngineOnTheSameCache_LoadsWithoutCompiling()
    {
        var first = new RuleEngine(BuiltInKinds.Registry, directory).Compile(File()).Value!;
        var second = new RuleEngine(BuiltInKinds.Registry, directory).Compile(File()).Value!;

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(["R-1"], second.Evaluator<CapitalContext>().Fired(Some.Context(Some.Intent(qty: 50))));
    }

    [Fact]
    public void Compile_CorruptCacheEntry_IsRecompiled()
    {
        new RuleEngine(BuiltInKinds.Registry, directory).Compile(File());
        foreach (var entry in Directory.EnumerateFiles(directory))
        {
            System.IO.File.WriteAllText(entry, "not an assembly");
        }

        var bundle = new RuleEngine(BuiltInKinds.Registry, directory).Compile(File()).Value!;

        Assert.False(bundle.FromCache);
        Assert.Empty(bundle.Evaluator<CapitalContext>().Fired(Some.Context()));
    }
}
