using RulesGate.Core.Gate;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Tests.Support;

/// <summary>The shipped standard capital rules, compiled once, and variants of them with one line changed.</summary>
internal static class Standard
{
    private static readonly Lazy<CapitalGate> Default = new(() => Variant());

    public static string Text { get; } = File.ReadAllText(Repo.PathOf("rules", "capital", "default.yaml"));

    public static CapitalGate Gate => Default.Value;

    /// <summary>The standard file with each (old, new) replacement applied; every old text must be present.</summary>
    public static CapitalGate Variant(params (string Old, string New)[] changes)
    {
        var text = Text;
        foreach (var (old, replacement) in changes)
        {
            Assert.Contains(old, text, StringComparison.Ordinal);
            text = text.Replace(old, replacement, StringComparison.Ordinal);
        }

        return new CapitalGate(Compiled.Bundle(text));
    }
}
