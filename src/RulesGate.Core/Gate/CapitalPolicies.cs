using RulesGate.Core.Rules;

namespace RulesGate.Core.Gate;

/// <summary>Loads the policy a gate runs: a RulesGate <c>CapitalPolicy</c> file or a PolicyGate policy.</summary>
public static class CapitalPolicies
{
    /// <summary>Reads, translates when needed, and compiles; every problem comes back as a diagnostic.</summary>
    public static RuleResult<RuleBundle> Load(RuleEngine engine, string path) => Load(engine, path, InputFile.ReadAtMost(path, Rules.YamlLimits.MaxBytes));

    /// <summary>As <see cref="Load(RuleEngine, string)"/>, from the file's bytes as read already (a server's reload).</summary>
    public static RuleResult<RuleBundle> Load(RuleEngine engine, string path, byte[] bytes)
    {
        if (PolicyGatePolicy.Recognize(bytes))
        {
            var translated = PolicyGatePolicy.Translate(path, bytes);
            if (translated.Value is null)
            {
                return RuleResult<RuleBundle>.Failure(translated.Diagnostics);
            }

            bytes = translated.Value;
        }

        return Compile(engine, path, bytes);
    }

    /// <summary>Compiles the bytes of a <c>CapitalPolicy</c> rule file (as stored in the journal, for replay).</summary>
    public static RuleResult<RuleBundle> Compile(RuleEngine engine, string path, byte[] bytes)
    {
        var loaded = engine.Loader.Parse(path, bytes);
        var file = loaded.Value ?? loaded.Partial;
        if (file is not null && file.Kind != CapitalPolicyKind.Instance.Name)
        {
            var source = new SourceText(path, System.Text.Encoding.UTF8.GetString(bytes));
            return RuleResult<RuleBundle>.Failure(RuleDiagnostic.At(source, 1, 1, "RG1005", "kind", $"{path} is a {file.Kind} file; the gate needs a {CapitalPolicyKind.Instance.Name}.", "Pass a capital policy, such as rules/capital/default.yaml."));
        }

        return engine.Compile(loaded);
    }
}
