using System.Runtime.CompilerServices;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Rules;

public sealed class RuleRegistryTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("rulesgate-registry-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static string Policy(double cap, int version = 1) =>
        Some.PolicyYaml("  - id: R-1\n    severity: HIGH\n    when: Metrics.NewPositionPct > Params.Exposure.MaxPositionPct\n    message: x\n", $"  exposure: {{ max_position_pct: {cap.ToString(System.Globalization.CultureInfo.InvariantCulture)} }}\n")
            .Replace("version: 1", $"version: {version}", StringComparison.Ordinal);

    [Fact]
    public void Refresh_ChangedFile_SwapsToTheNewVersion()
    {
        var path = Path.Combine(directory, "policy.yaml");
        File.WriteAllText(path, Policy(0.5));
        using var registry = new RuleRegistry(Compiled.Engine, directory);
        registry.Refresh();
        var context = Some.Context(Some.Intent(qty: 50));                 // 20 % of equity
        Assert.Empty(registry.Find("test-policy")!.Evaluator<CapitalContext>().Fired(context));

        File.WriteAllText(path, Policy(0.1, version: 2));
        var report = registry.Refresh();

        Assert.Equal(["R-1"], registry.Find("test-policy")!.Evaluator<CapitalContext>().Fired(context));
        Assert.Single(report.Loaded);
        Assert.StartsWith("test-policy@2#", report.Loaded[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Refresh_BrokenFile_KeepsThePreviousVersionLiveAndSaysWhy()
    {
        var path = Path.Combine(directory, "policy.yaml");
        File.WriteAllText(path, Policy(0.5));
        using var registry = new RuleRegistry(Compiled.Engine, directory);
        registry.Refresh();
        var live = registry.Find("test-policy");

        File.WriteAllText(path, Policy(0.5).Replace("Metrics.NewPositionPct", "Metrics.Nope", StringComparison.Ordinal));
        var report = registry.Refresh();

        Assert.Same(live, registry.Find("test-policy"));
        var (failedPath, diagnostics) = Assert.Single(report.Failed);
        Assert.Equal(path, failedPath);
        Assert.Equal("CS1061", diagnostics[0].Code);
    }

    [Fact]
    public void Refresh_UnchangedFile_IsNotRecompiled()
    {
        File.WriteAllText(Path.Combine(directory, "policy.yaml"), Policy(0.5));
        using var registry = new RuleRegistry(Compiled.Engine, directory);
        registry.Refresh();
        var live = registry.Find("test-policy");

        var report = registry.Refresh();

        Assert.Equal(1, report.Unchanged);
        Assert.Same(live, registry.Find("test-policy"));
    }

    [Fact]
    public void Refresh_SwappedOutVersion_IsReallyFreed()
    {
        var path = Path.Combine(directory, "policy.yaml");
        File.WriteAllText(path, Policy(0.5));
        using var registry = new RuleRegistry(Compiled.Engine, directory);
        registry.Refresh();
        var old = WeakContextOfLive(registry);

        File.WriteAllText(path, Policy(0.1, version: 2));
        registry.Refresh();
        for (var i = 0; i < 20 && old.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(old.IsAlive, "the unloaded version's AssemblyLoadContext is still reachable");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference WeakContextOfLive(RuleRegistry registry)
    {
        var bundle = registry.Find("test-policy")!;
        bundle.Evaluator<CapitalContext>().Fired(Some.Context());
        return bundle.WeakContext();
    }
}
