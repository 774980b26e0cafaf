using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Rules;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CompiledRuleCacheTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("rulesgate-cache-").FullName;
    private readonly StringWriter warnings = new();

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Cache => Path.Combine(root, "cache");

    private string KeyFile => Path.Combine(root, "config", "cache.key");

    private RuleEngine Engine() => new(BuiltInKinds.Registry, Cache, KeyFile, warnings);

    private static RuleFile Strict() =>
        Compiled.Load(Some.PolicyYaml("  - id: R-1\n    severity: HIGH\n    when: Metrics.NewPositionPct > 0.15\n    message: x\n")).Value!;

    private static RuleFile Lax() =>
        Compiled.Load(Some.PolicyYaml("  - id: R-1\n    severity: HIGH\n    when: 'false'\n    message: x\n")).Value!;

    private static CapitalContext Oversized => Some.Context(Some.Intent(qty: 50));

    [Fact]
    public void Compile_SecondEngineOnTheSameCache_LoadsWithoutCompiling()
    {
        var first = Engine().Compile(Strict()).Value!;
        var second = Engine().Compile(Strict()).Value!;

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(["R-1"], second.Evaluator<CapitalContext>().Fired(Oversized));
        Assert.Equal("", warnings.ToString());
    }

    [Fact]
    public void Compile_KeyIsCreatedPrivateOutsideTheCache()
    {
        Engine().Compile(Strict());

        Assert.Equal(32, File.ReadAllBytes(KeyFile).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Cache));
        Assert.DoesNotContain(Directory.EnumerateFiles(Cache), file => file.EndsWith(".key", StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_AnotherFilesEntryCopiedOverThisOne_IsRecompiledWithOneLine()
    {
        Engine().Compile(Strict());
        Engine().Compile(Lax());
        var entries = Directory.GetFiles(Cache);
        var strict = entries.Single(entry => entry.Contains(Strict().Hash, StringComparison.Ordinal));
        File.Copy(entries.Single(entry => entry != strict), strict, overwrite: true);

        var bundle = Engine().Compile(Strict()).Value!;

        Assert.False(bundle.FromCache);
        Assert.Equal(["R-1"], bundle.Evaluator<CapitalContext>().Fired(Oversized));
        Assert.Single(warnings.ToString().Trim().Split('\n'), line => line.Contains("failed authentication", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("raw")]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("other-key")]
    public void Compile_EntryNotAuthenticByThisKey_IsRecompiled(string tamper)
    {
        Engine().Compile(Strict());
        var entry = Assert.Single(Directory.GetFiles(Cache));
        var bytes = File.ReadAllBytes(entry);
        switch (tamper)
        {
            case "raw":
                File.WriteAllBytes(entry, bytes[32..]);
                break;
            case "flip":
                bytes[^100] ^= 1;
                File.WriteAllBytes(entry, bytes);
                break;
            case "truncate":
                File.WriteAllBytes(entry, bytes[..16]);
                break;
            default:
                File.WriteAllBytes(KeyFile, new byte[32]);
                break;
        }

        var bundle = Engine().Compile(Strict()).Value!;

        Assert.False(bundle.FromCache);
        Assert.Contains("failed authentication", warnings.ToString(), StringComparison.Ordinal);
        Assert.True(Engine().Compile(Strict()).Value!.FromCache);
    }

    [Fact]
    public void Compile_CacheFolderOthersCanWrite_IsNotUsed()
    {
        Directory.CreateDirectory(Cache);
        File.SetUnixFileMode(Cache, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupWrite | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        var first = Engine().Compile(Strict()).Value!;
        var second = Engine().Compile(Strict()).Value!;

        Assert.False(second.FromCache);
        Assert.Empty(Directory.GetFiles(Cache));
        Assert.Contains("can be written by group or others", warnings.ToString(), StringComparison.Ordinal);
        Assert.Equal(["R-1"], first.Evaluator<CapitalContext>().Fired(Oversized));
    }

    [Fact]
    public void Compile_KeyOthersCanRead_IsNotUsed()
    {
        Engine().Compile(Strict());
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        Assert.False(Engine().Compile(Strict()).Value!.FromCache);
        Assert.Contains("can be read or written by group or others", warnings.ToString(), StringComparison.Ordinal);
    }
}
