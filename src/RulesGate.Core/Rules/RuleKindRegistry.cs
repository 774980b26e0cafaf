namespace RulesGate.Core.Rules;

/// <summary>The kinds of rule file a host understands, by name.</summary>
public sealed class RuleKindRegistry
{
    private readonly Dictionary<string, RuleKind> kinds;

    public RuleKindRegistry(IEnumerable<RuleKind> kinds) =>
        this.kinds = kinds.ToDictionary(kind => kind.Name, StringComparer.Ordinal);

    public IEnumerable<string> Names => kinds.Keys.Order(StringComparer.Ordinal);

    public RuleKind? Find(string name) => kinds.GetValueOrDefault(name);
}
