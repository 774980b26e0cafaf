using RulesGate.Core.Rules;

namespace RulesGate.Core.Promotion;

/// <summary>Loading the gates: a <c>PromotionGate</c> file, by default <see cref="DefaultPath"/> or, where there is none, the copy built into RulesGate.</summary>
public static class PromotionGates
{
    public const string DefaultPath = "rules/promotion/alpha-trade.yaml";

    public static RuleResult<RuleBundle> Load(RuleEngine engine, string? path)
    {
        if (path is not null || File.Exists(DefaultPath))
        {
            return Checked(engine.Load(path ?? DefaultPath), path ?? DefaultPath);
        }

        using var stream = typeof(PromotionGates).Assembly.GetManifestResourceStream("RulesGate.StandardPromotionGates.yaml")
            ?? throw new InvalidOperationException("The built-in promotion gates are missing from this build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var file = engine.Loader.Parse("alpha-trade.yaml (built in)", copy.ToArray());
        return Checked(engine.Compile(file), DefaultPath);
    }

    private static RuleResult<RuleBundle> Checked(RuleResult<RuleBundle> loaded, string path) =>
        loaded.Value is { Kind: not PromotionGateKind } bundle
            ? throw new FormatException($"{path}: a {bundle.Kind.Name} file, not a PromotionGate file.")
            : loaded;
}
