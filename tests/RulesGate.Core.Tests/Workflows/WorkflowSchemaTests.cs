using System.Text.Json;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Workflows;

/// <summary>docs/schemas/workflow.schema.json lists exactly the keys the loader accepts, where it accepts them.</summary>
public sealed class WorkflowSchemaTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse(File.ReadAllText(Repo.PathOf("docs", "schemas", "workflow.schema.json"))).RootElement;

    private static IEnumerable<string> Keys(JsonElement node) => node.GetProperty("properties").EnumerateObject().Select(property => property.Name).Order(StringComparer.Ordinal);

    private static JsonElement State => Schema.GetProperty("$defs").GetProperty("state");

    [Fact]
    public void TopLevelKeys() => Assert.Equal(WorkflowLoader.TopKeys.Order(StringComparer.Ordinal), Keys(Schema));

    [Fact]
    public void StateKeys() => Assert.Equal(WorkflowLoader.StateKeys.Order(StringComparer.Ordinal), Keys(State));

    [Fact]
    public void ApprovalKeys() => Assert.Equal(WorkflowLoader.ApprovalKeys.Order(StringComparer.Ordinal), Keys(State.GetProperty("properties").GetProperty("approval")));

    [Fact]
    public void Activities() => Assert.Equal(WorkflowLoader.Activities.Order(StringComparer.Ordinal), Keys(State.GetProperty("properties").GetProperty("on_entry").GetProperty("items")));

    [Fact]
    public void Subjects() => Assert.Equal(WorkflowLoader.Subjects, Schema.GetProperty("properties").GetProperty("subject").GetProperty("enum").EnumerateArray().Select(subject => subject.GetString()!));

    [Fact]
    public void RolesFile_AKeyBesideRoles_IsRefusedWithItsPlace()
    {
        var path = Path.Combine(Path.GetTempPath(), $"roles-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "roles:\n  risk: [rhea]\nrole:\n  compliance: [carla]\n");
        try
        {
            var refused = Assert.Throws<FormatException>(() => WorkflowRoles.Load(path));
            Assert.Equal($"{path}:3:1: unknown key 'role'; a roles file has 'roles:' and 'keys:'.", refused.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RolesFile_ARoleSpelledTwice_IsRefusedNotReplaced()
    {
        var path = Path.Combine(Path.GetTempPath(), $"roles-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "roles:\n  risk: [rhea]\n  Risk: [mallory]\n");
        try
        {
            var refused = Assert.Throws<FormatException>(() => WorkflowRoles.Load(path));
            Assert.Equal($"{path}:3:3: role 'risk' is declared twice; give it one list of people.", refused.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
