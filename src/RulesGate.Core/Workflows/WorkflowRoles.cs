using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Workflows;

/// <summary>Who holds which approval role: <c>workflows/roles.yaml</c>, <c>roles: { role: [person, …] }</c>.</summary>
public sealed class WorkflowRoles(IReadOnlyDictionary<string, IReadOnlySet<string>> holders)
{
    public const string DefaultPath = "workflows/roles.yaml";

    public bool Holds(string actor, string role) => holders.TryGetValue(Identities.Name(role, "role"), out var people) && people.Contains(Identities.Name(actor, "actor"));

    /// <summary>Whether <paramref name="role"/> is declared, however it is spelled.</summary>
    public bool Declares(string role) => holders.ContainsKey(Identities.Name(role, "role"));

    /// <summary>How many distinct people hold at least one of <paramref name="names"/>.</summary>
    public int HoldersOf(IEnumerable<string> names) =>
        names.SelectMany(name => holders.TryGetValue(Identities.Name(name, "role"), out var people) ? people : Enumerable.Empty<string>()).Distinct(StringComparer.Ordinal).Count();

    /// <summary>The declared roles, normalized, in ordinal order.</summary>
    public IReadOnlyList<string> Roles => [.. holders.Keys.Order(StringComparer.Ordinal)];

    /// <exception cref="FormatException">The file is not <c>roles: { role: [person, …] }</c>; names the file.</exception>
    public static WorkflowRoles Load(string path)
    {
        var text = System.Text.Encoding.UTF8.GetString(InputFile.ReadAtMost(path, Rules.YamlLimits.MaxBytes));
        if (Rules.YamlLimits.Check(text) is var (where, problem, _))
        {
            throw new FormatException($"{path}:{where.Line}:{where.Column}: {problem}");
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException error)
        {
            throw new FormatException($"{path}:{error.Start.Line}:{error.Start.Column}: not valid YAML: {error.Message}", error);
        }
        catch (InvalidOperationException error)
        {
            throw new FormatException($"{path}: not valid YAML: the parser could not read it; check its brackets and quotes.", error);
        }

        var roles = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode root && root.Children.TryGetValue(new YamlScalarNode("roles"), out var node) && node is YamlMappingNode map
            ? map
            : throw new FormatException($"{path}: expected 'roles:' mapping each role to a list of people.");
        if (root.Children.Keys.FirstOrDefault(key => (key as YamlScalarNode)?.Value != "roles") is { } unknown)
        {
            throw new FormatException($"{path}:{unknown.Start.Line}:{unknown.Start.Column}: unknown key '{unknown}'; a roles file has only 'roles:'.");
        }
        var holders = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var (role, people) in roles.Children)
        {
            var name = Identities.Name((role as YamlScalarNode)?.Value, $"role at {path}:{role.Start.Line}");
            var holding = people is YamlSequenceNode list
                ? list.Children.Select(person => Identities.Name((person as YamlScalarNode)?.Value, $"person at {path}:{person.Start.Line}")).ToHashSet(StringComparer.Ordinal)
                : throw new FormatException($"{path}:{role.Start.Line}: role '{role}' needs a list of people, such as [rhea, raj].");

            // Spelled twice (Risk and risk are one role), the second list would silently replace the first.
            if (!holders.TryAdd(name, holding))
            {
                throw new FormatException($"{path}:{role.Start.Line}:{role.Start.Column}: role '{name}' is declared twice; give it one list of people.");
            }
        }

        return new WorkflowRoles(holders);
    }
}
