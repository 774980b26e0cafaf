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
    public void Schema_RuleKeysAreTheCommonOnesAndEveryKindsEffects()
    {
        var keys = Schema.GetProperty("$defs").GetProperty("rule").GetProperty("properties").EnumerateObject().Select(p => p.Name);
        var effects = BuiltInKinds.Registry.Names.SelectMany(name => BuiltInKinds.Registry.Find(name)!.Effects).Select(e => e.Key);

        Assert.Equal(((string[])["id", "severity", "when", "message"]).Concat(effects).Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Schema_KindsAreEveryKindAnAuthorWrites()
    {
        var kinds = Schema.GetProperty("properties").GetProperty("kind").GetProperty("enum").EnumerateArray().Select(kind => kind.GetString()!);

        // WorkflowConditions is the kind of a workflow file's own conditions, never of a rule file.
        Assert.Equal(BuiltInKinds.Registry.Names.Where(name => name != "WorkflowConditions").Append("RuleTests").Order(StringComparer.Ordinal), kinds.Order(StringComparer.Ordinal));
    }
}
