using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Workflows;

/// <summary>Who holds which approval role: <c>workflows/roles.yaml</c>, <c>roles: { role: [person, …] }</c>.</summary>
public sealed class WorkflowRoles(IReadOnlyDictionary<string, IReadOnlySet<string>> holders)
{
    public const string DefaultPath = "workflows/roles.yaml";

    public bool Holds(string actor, string role) => holders.TryGetValue(role.Trim().ToLowerInvariant(), out var people) && people.Contains(actor.Trim().ToLowerInvariant());

    /// <exception cref="FormatException">The file is not <c>roles: { role: [person, …] }</c>; names the file.</exception>
    public static WorkflowRoles Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        var roles = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode root && root.Children.TryGetValue(new YamlScalarNode("roles"), out var node) && node is YamlMappingNode map
            ? map
            : throw new FormatException($"{path}: expected 'roles:' mapping each role to a list of people.");
        var holders = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var (role, people) in roles.Children)
        {
            holders[((YamlScalarNode)role).Value!.Trim().ToLowerInvariant()] = people is YamlSequenceNode list
                ? list.Children.OfType<YamlScalarNode>().Select(person => person.Value!.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal)
                : throw new FormatException($"{path}:{role.Start.Line}: role '{role}' needs a list of people, such as [rhea, raj].");
        }

        return new WorkflowRoles(holders);
    }
}
