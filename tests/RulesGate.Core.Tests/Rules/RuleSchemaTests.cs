using System.Text.Json;
using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Rules;

public sealed class RuleSchemaTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse(File.ReadAllText(Repo.PathOf("rules", "schema", "rulesgate-v1.schema.json"))).RootElement;

    [Fact]
    public void Schema_ListsExactlyTheTopLevelKeysTheLoaderAccepts()
    {
        var keys = Schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Where(k => k != "cases");

        Assert.Equal(RuleFileLoader.TopLevelKeys.Order(), keys.Order());
    }

    [Fact]
    public void Schema_RuleKeysMatchTheCapitalPolicyKind()
    {
        var keys = Schema.GetProperty("$defs").GetProperty("rule").GetProperty("properties").EnumerateObject().Select(p => p.Name);

        Assert.Equal(
            ((string[])["id", "severity", "when", "message"]).Concat(RulesGate.Core.Gate.CapitalPolicyKind.Instance.Effects.Select(e => e.Key)).Order(),
            keys.Order());
    }
}
