using RulesGate.Core.Signing;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Workflows;

/// <summary>
/// Who holds which approval role, and the public keys that prove who is who: <c>workflows/roles.yaml</c>,
/// <c>roles: { role: [person, …] }</c> and <c>keys: { person: KEY or [KEY, …] }</c> (see <see cref="PersonKeys"/>).
/// </summary>
public sealed class WorkflowRoles(IReadOnlyDictionary<string, IReadOnlySet<string>> holders, IReadOnlyDictionary<string, IReadOnlyList<byte[]>>? keys = null, string source = WorkflowRoles.DefaultPath)
{
    public const string DefaultPath = "workflows/roles.yaml";

    private readonly IReadOnlyDictionary<string, IReadOnlyList<byte[]>> keys = keys ?? new Dictionary<string, IReadOnlyList<byte[]>>();

    /// <summary>No roles and no keys: what a host whose callers it authenticates itself needs for an act that no role gates.</summary>
    public static WorkflowRoles None { get; } = new(new Dictionary<string, IReadOnlySet<string>>());

    /// <summary>The file the roles were read from, as messages name it.</summary>
    public string Source { get; } = source;

    /// <summary>The public keys (SubjectPublicKeyInfo) listed for <paramref name="person"/>; none when they have none.</summary>
    public IReadOnlyList<byte[]> KeysOf(string person) => keys.TryGetValue(Identities.Name(person, "actor"), out var theirs) ? theirs : [];

    /// <summary>The people with a public key, in ordinal order.</summary>
    public IReadOnlyList<string> People => [.. keys.Keys.Order(StringComparer.Ordinal)];

    /// <summary>These roles with <paramref name="person"/>'s public key added (a demo's own cast).</summary>
    public WorkflowRoles WithKey(string person, byte[] publicKey)
    {
        var more = keys.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        more[Identities.Name(person, "actor")] = [.. KeysOf(person), publicKey];
        return new WorkflowRoles(holders, more, Source);
    }

    public bool Holds(string actor, string role) => holders.TryGetValue(Identities.Name(role, "role"), out var people) && people.Contains(Identities.Name(actor, "actor"));

    /// <summary>Whether <paramref name="role"/> is declared, however it is spelled.</summary>
    public bool Declares(string role) => holders.ContainsKey(Identities.Name(role, "role"));

    /// <summary>How many distinct people hold at least one of <paramref name="names"/>.</summary>
    public int HoldersOf(IEnumerable<string> names) =>
        names.SelectMany(name => holders.TryGetValue(Identities.Name(name, "role"), out var people) ? people : Enumerable.Empty<string>()).Distinct(StringComparer.Ordinal).Count();

    /// <summary>Who holds <paramref name="role"/>, in ordinal order; nobody when it is not declared.</summary>
    public IReadOnlyList<string> Holders(string role) =>
        holders.TryGetValue(Identities.Name(role, "role"), out var people) ? [.. people.Order(StringComparer.Ordinal)] : [];

    /// <summary>The declared roles, normalized, in ordinal order.</summary>
    public IReadOnlyList<string> Roles => [.. holders.Keys.Order(StringComparer.Ordinal)];

    /// <exception cref="FormatException">The file is not <c>roles: { role: [person, …] }</c> with an optional <c>keys:</c>; names the file.</exception>
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
        if (root.Children.Keys.FirstOrDefault(key => (key as YamlScalarNode)?.Value is not ("roles" or "keys")) is { } unknown)
        {
            throw new FormatException($"{path}:{unknown.Start.Line}:{unknown.Start.Column}: unknown key '{unknown}'; a roles file has 'roles:' and 'keys:'.");
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

        return new WorkflowRoles(holders, root.Children.TryGetValue(new YamlScalarNode("keys"), out var keysNode) ? Keys(path, keysNode) : null, path);
    }

    /// <summary><c>keys: { person: KEY or [KEY, …] }</c>: each checked, and no key listed for two people.</summary>
    private static Dictionary<string, IReadOnlyList<byte[]>> Keys(string path, YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            throw new FormatException($"{path}:{node.Start.Line}:{node.Start.Column}: 'keys:' maps each person to their public key, such as rhea: MFkwEwYH…");
        }

        var keys = new Dictionary<string, IReadOnlyList<byte[]>>(StringComparer.Ordinal);
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (person, value) in map.Children)
        {
            var name = Identities.Name((person as YamlScalarNode)?.Value, $"person at {path}:{person.Start.Line}");
            IEnumerable<YamlNode> written = value is YamlSequenceNode list ? list.Children : [value];
            var theirs = new List<byte[]>();
            foreach (var item in written)
            {
                var where = $"{path}:{item.Start.Line}:{item.Start.Column}: the key of {name}";
                var key = PersonKeys.Parse((item as YamlScalarNode)?.Value, where);
                if (!owners.TryAdd(PersonKeys.Id(key), name))
                {
                    // One key, two people: a signature could not say whose it is.
                    throw new FormatException($"{where} is already listed for {owners[PersonKeys.Id(key)]}; every person needs a key of their own.");
                }

                theirs.Add(key);
            }

            if (!keys.TryAdd(name, theirs))
            {
                throw new FormatException($"{path}:{person.Start.Line}:{person.Start.Column}: the keys of {name} are listed twice; give them one entry (a list for several).");
            }
        }

        return keys;
    }
}
