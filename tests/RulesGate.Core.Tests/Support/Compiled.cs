using System.Text;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Tests.Support;

/// <summary>Loads and compiles YAML text in memory; Roslyn's start-up cost is paid once per test run.</summary>
internal static class Compiled
{
    public static RuleEngine Engine { get; } = new(BuiltInKinds.Registry);

    public static RuleResult<RuleFile> Load(string yaml, string path = "test.yaml") =>
        Engine.Loader.Parse(path, Encoding.UTF8.GetBytes(yaml));

    public static RuleResult<RuleBundle> Compile(string yaml, string path = "test.yaml")
    {
        return Engine.Compile(Load(yaml, path));
    }

    public static RuleBundle Bundle(string yaml)
    {
        var result = Compile(yaml);
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return result.Value!;
    }

    public static IReadOnlyList<RuleDiagnostic> Errors(string yaml)
    {
        var result = Compile(yaml);
        Assert.False(result.Succeeded, "expected diagnostics, but the file compiled");
        return result.Diagnostics;
    }
}
