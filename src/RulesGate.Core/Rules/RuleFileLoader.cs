using System.Security.Cryptography;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Rules;

/// <summary>
/// Loads a rule file strictly: unknown keys, wrong types, out-of-range values, duplicate ids and non-UTC
/// timestamps are all reported together, each with file:line:col, the key path and what to write instead.
/// Loading never touches Roslyn; expressions are checked when the file is compiled.
/// </summary>
public sealed class RuleFileLoader(RuleKindRegistry kinds)
{
    public const string ApiVersion = "rulesgate/v1";

    /// <summary>The most rules one file may hold.</summary>
    public const int MaxRules = 5000;

    private static readonly string[] TopKeys = ["apiVersion", "kind", "metadata", "mode", "params", "overrides", "derive", "rules"];
    private static readonly string[] MetadataKeys = ["id", "version", "description"];
    private static readonly string[] OverrideKeys = ["symbols", "strategies"];
    private static readonly string[] Severities = ["INFO", "WARN", "HIGH", "CRIT"];
    private static readonly string[] Modes = ["enforce", "monitor"];

    /// <summary>The top-level keys of a rule file, for the published schema.</summary>
    public static IReadOnlyList<string> TopLevelKeys => TopKeys;

    public RuleResult<RuleFile> Load(string path) => Parse(path, InputFile.ReadAtMost(path, YamlLimits.MaxBytes));

    public RuleResult<RuleFile> Parse(string path, byte[] bytes)
    {
        var source = new SourceText(path, new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF'));
        var reader = new YamlReader(source);
        if (reader.ParseDocument() is not { } root)
        {
            return RuleResult<RuleFile>.Failure(reader.Diagnostics);
        }

        // A file of another kind is told so first, and alone: its keys are not this kind's, so nothing else said of them would help.
        if (root.Children.FirstOrDefault(pair => pair.Key is YamlScalarNode { Value: "kind" }).Value is YamlScalarNode { Value: { } named } kindScalar && kinds.Find(named) is null)
        {
            var other = named switch
            {
                "RuleTests" => "a rule-test file, not a rule file: 'rulesgate rules test' runs it, and 'rules check' checks it as one",
                "Workflow" => "a workflow, not a rule file: 'rulesgate workflow check' checks it",
                _ => null,
            };
            var guess = Naming.Closest(named, kinds.Names);
            reader.Error(kindScalar, "RG1005", "kind", other is null ? $"'{named}' is not a known kind." : $"This is {other}.", other is not null ? "" : guess is null ? $"Write one of: {Naming.OneOf(kinds.Names)}." : $"Did you mean '{guess}'?");
            return RuleResult<RuleFile>.Failure(reader.Diagnostics);
        }

        var top = reader.Entries(root, "", TopKeys, ["apiVersion", "kind", "metadata", "rules"]);
        if (top.TryGetValue("apiVersion", out var api) && reader.String(api, "apiVersion") is { } version && version != ApiVersion)
        {
            reader.Error(api, "RG1005", "apiVersion", $"'{version}' is not a supported apiVersion.", $"Write '{ApiVersion}'.");
        }

        RuleKind? kind = null;
        if (top.TryGetValue("kind", out var kindNode) && reader.String(kindNode, "kind") is { } kindName)
        {
            kind = kinds.Find(kindName);
            if (kind is null)
            {
                var guess = Naming.Closest(kindName, kinds.Names);
                reader.Error(kindNode, "RG1005", "kind", $"'{kindName}' is not a known kind.", guess is null ? $"Write one of: {Naming.OneOf(kinds.Names)}." : $"Did you mean '{guess}'?");
            }
        }

        var metadata = top.TryGetValue("metadata", out var metadataNode) ? Metadata(reader, metadataNode) : null;
        var mode = top.TryGetValue("mode", out var modeNode) && reader.Choice(modeNode, "mode", Modes) == "monitor" ? RuleMode.Monitor : RuleMode.Enforce;
        if (kind is null)
        {
            return RuleResult<RuleFile>.Failure(reader.Diagnostics);
        }

        var problemsBefore = reader.Diagnostics.Count;
        var parameters = top.TryGetValue("params", out var paramsNode) ? Params(reader, paramsNode, kind) : ParamTree.Empty;
        var overrides = top.TryGetValue("overrides", out var overridesNode) ? Overrides(reader, overridesNode, parameters) : ParamOverrides.None;
        if (overridesNode is not null && kind.OverrideKeys is null)
        {
            reader.Error(overridesNode, "RG1005", "overrides", $"A {kind.Name} has no symbol or strategy for overrides to apply to.", "Remove overrides: and write the values under params.");
        }

        var derive = top.TryGetValue("derive", out var deriveNode) ? Derive(reader, deriveNode, kind) : [];
        var namesRead = reader.Diagnostics.Count == problemsBefore;
        var rules = top.TryGetValue("rules", out var rulesNode) ? Rules(reader, rulesNode, kind) : [];
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (reader.HasErrors || metadata is null)
        {
            // A rule left out for its own problem cannot confuse the others, so the rest are still compiled for theirs;
            // a param or derived value left out would make every use of it a problem too, so then nothing is.
            return RuleResult<RuleFile>.Failure(reader.Diagnostics) with
            {
                Partial = namesRead ? new RuleFile(path, hash, kind.Name, metadata ?? new RuleMetadata("unread", 1, ""), mode, parameters, overrides, derive, rules) { Bytes = bytes } : null,
            };
        }

        return RuleResult<RuleFile>.Success(new RuleFile(path, hash, kind.Name, metadata, mode, parameters, overrides, derive, rules) { Bytes = bytes });
    }

    private static RuleMetadata? Metadata(YamlReader reader, YamlNode node)
    {
        if (reader.Mapping(node, "metadata") is not { } mapping)
        {
            return null;
        }

        var entries = reader.Entries(mapping, "metadata", MetadataKeys, ["id", "version"]);
        var id = entries.TryGetValue("id", out var idNode) ? reader.String(idNode, "metadata.id") : null;
        if (id is not null && !Naming.Id().IsMatch(id))
        {
            reader.Error(idNode!, "RG1005", "metadata.id", $"'{id}' is not a valid id.", "Use letters, digits, '-', '_', '.' or ':', such as capital-default.");
            id = null;
        }

        var version = entries.TryGetValue("version", out var versionNode) ? reader.Integer(versionNode, "metadata.version", 1) : null;
        var description = entries.TryGetValue("description", out var descriptionNode) ? reader.String(descriptionNode, "metadata.description", allowEmpty: true) : "";
        return id is null || version is null ? null : new RuleMetadata(id, version.Value, description ?? "");
    }

    private static ParamTree Params(YamlReader reader, YamlNode node, RuleKind kind)
    {
        var leaves = new List<ParamLeaf>();
        var root = ParamGroupOf(reader, node, "params", "", kind, leaves);
        return root is null ? ParamTree.Empty : new ParamTree(root, leaves);
    }

    private static ParamGroup? ParamGroupOf(YamlReader reader, YamlNode node, string name, string path, RuleKind kind, List<ParamLeaf> leaves)
    {
        var keyPath = path.Length == 0 ? "params" : $"params.{path}";
        if (reader.Mapping(node, keyPath) is not { } mapping)
        {
            return null;
        }

        var children = new List<ParamNode>();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (!Naming.SnakeCase().IsMatch(key))
            {
                reader.Error(keyNode, "RG1008", $"params.{childPath}", $"'{key}' is not a snake_case name.", "Use lower-case letters, digits and single underscores, such as max_position_pct.");
                continue;
            }

            if (valueNode is YamlMappingNode && !kind.ParamSchema.ContainsKey(childPath))
            {
                if (ParamGroupOf(reader, valueNode, key, childPath, kind, leaves) is { } group)
                {
                    children.Add(group);
                }

                continue;
            }

            // An invalid value is reported and still declared, so overrides of it are not reported twice.
            if (LeafSpec(reader, valueNode, $"params.{childPath}", kind.ParamSchema.GetValueOrDefault(childPath)) is { } spec)
            {
                reader.ParamValue(valueNode, $"params.{childPath}", spec, out var value);
                var leaf = new ParamLeaf(key, childPath, leaves.Count, spec, value);
                leaves.Add(leaf);
                children.Add(leaf);
            }
        }

        return new ParamGroup(name, path, children);
    }

    /// <summary>The schema's spec, or one inferred from the YAML value.</summary>
    private static ParamSpec? LeafSpec(YamlReader reader, YamlNode node, string path, ParamSpec? declared)
    {
        if (declared is not null)
        {
            return declared;
        }

        switch (node)
        {
            case YamlScalarNode scalar when YamlReader.IsNull(scalar):
                reader.Error(node, "RG1004", path, "The type of null cannot be inferred.", "Write a value (a number, true/false, text or a UTC timestamp); use a separate flag to switch a limit off.");
                return null;
            case YamlScalarNode scalar:
                return new ParamSpec(YamlReader.Infer(scalar));
            case YamlSequenceNode { Children.Count: > 0 } sequence when sequence.Children[0] is YamlScalarNode first:
                return new ParamSpec(YamlReader.Infer(first) == ParamType.Number ? ParamType.NumberList : ParamType.StringList);
            case YamlSequenceNode:
                return new ParamSpec(ParamType.StringList);
            default:
                reader.Error(node, "RG1004", path, $"Expected a value, a list or a mapping, found {YamlReader.Describe(node)}.", "Write a value, a list of values, or nested keys.");
                return null;
        }
    }

    private static ParamOverrides Overrides(YamlReader reader, YamlNode node, ParamTree parameters)
    {
        if (reader.Mapping(node, "overrides") is not { } mapping)
        {
            return ParamOverrides.None;
        }

        var entries = reader.Entries(mapping, "overrides", OverrideKeys, []);
        return new ParamOverrides(
            entries.TryGetValue("symbols", out var symbols) ? OverrideSet(reader, symbols, "overrides.symbols", parameters) : ParamOverrides.None.Symbols,
            entries.TryGetValue("strategies", out var strategies) ? OverrideSet(reader, strategies, "overrides.strategies", parameters) : ParamOverrides.None.Strategies);
    }

    private static Dictionary<string, IReadOnlyList<ParamOverride>> OverrideSet(YamlReader reader, YamlNode node, string path, ParamTree parameters)
    {
        var set = new Dictionary<string, IReadOnlyList<ParamOverride>>(StringComparer.Ordinal);
        if (reader.Mapping(node, path) is not { } mapping)
        {
            return set;
        }

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var written = ((YamlScalarNode)keyNode).Value ?? "";
            string name;
            try
            {
                // Matched against normalized symbols and strategies, so normalized the same way.
                name = Identities.Id(written, "override key");
            }
            catch (FormatException error)
            {
                reader.Error(keyNode, "RG1005", $"{path}.{written}", error.Message, "Write the symbol or strategy id as it appears in orders.");
                continue;
            }

            var values = new List<ParamOverride>();
            CollectOverrides(reader, valueNode, $"{path}.{name}", "", parameters, values);
            if (!set.TryAdd(name, values))
            {
                reader.Error(keyNode, "RG1006", $"{path}.{written}", $"'{written}' is '{name}' once normalized, which is already overridden.", "Write each symbol or strategy once.");
            }
        }

        return set;
    }

    private static void CollectOverrides(YamlReader reader, YamlNode node, string keyPath, string paramPath, ParamTree parameters, List<ParamOverride> values)
    {
        if (reader.Mapping(node, keyPath) is not { } mapping)
        {
            return;
        }

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            var childPath = paramPath.Length == 0 ? key : $"{paramPath}.{key}";
            var childKeyPath = $"{keyPath}.{key}";
            if (parameters.Find(childPath) is { } leaf)
            {
                if (reader.ParamValue(valueNode, childKeyPath, leaf.Spec, out var value))
                {
                    values.Add(new ParamOverride(leaf.Index, value));
                }
            }
            else if (parameters.Leaves.Any(candidate => candidate.Path.StartsWith(childPath + ".", StringComparison.Ordinal)))
            {
                CollectOverrides(reader, valueNode, childKeyPath, childPath, parameters, values);
            }
            else
            {
                var guess = Naming.Closest(childPath, parameters.Leaves.Select(candidate => candidate.Path));
                reader.Error(keyNode, "RG1009", childKeyPath, $"'{childPath}' is not a parameter in params.", guess is null ? "Overrides may only change values declared under params; declare it there first." : $"Did you mean '{guess}'?");
            }
        }
    }

    private static List<DeriveDefinition> Derive(YamlReader reader, YamlNode node, RuleKind kind)
    {
        var derive = new List<DeriveDefinition>();
        if (reader.Mapping(node, "derive") is not { } mapping)
        {
            return derive;
        }

        var reserved = kind.Members.Select(member => member.Name).Concat(["Params", "Derived"]).ToHashSet(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value ?? "";
            var path = $"derive.{name}";
            if (!Naming.PascalCase().IsMatch(name) || reserved.Contains(name))
            {
                reader.Error(keyNode, "RG1008", path, $"'{name}' cannot name a derived value.", "Use a PascalCase name, such as GrossNotional, that is not a context member, Params or Derived.");
                continue;
            }

            if (Expression(reader, valueNode, path) is { } expression)
            {
                derive.Add(new DeriveDefinition(name, expression));
            }
        }

        return derive;
    }

    private static List<RuleDefinition> Rules(YamlReader reader, YamlNode node, RuleKind kind)
    {
        var rules = new List<RuleDefinition>();
        if (reader.Sequence(node, "rules") is not { } sequence)
        {
            return rules;
        }

        if (sequence.Children.Count == 0)
        {
            reader.Error(node, "RG1005", "rules", "The file has no rules.", "Add at least one rule with id, severity, when and message.");
        }

        if (sequence.Children.Count > MaxRules)
        {
            reader.Error(node, "RG1008", "rules", $"The file has {sequence.Children.Count} rules, more than {MaxRules}.", "Split the rules over several files.");
            return rules;
        }

        string[] allowed = ["id", "severity", "when", "message", .. kind.Effects.Select(effect => effect.Key)];
        var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        for (var index = 0; index < sequence.Children.Count; index++)
        {
            var path = $"rules[{index}]";
            if (reader.Mapping(sequence.Children[index], path) is not { } mapping)
            {
                continue;
            }

            var entries = reader.Entries(mapping, path, allowed, ["id", "severity", "when", "message"]);
            var id = entries.TryGetValue("id", out var idNode) ? reader.String(idNode, $"{path}.id") : null;
            if (id is not null && !Naming.Id().IsMatch(id))
            {
                reader.Error(idNode!, "RG1005", $"{path}.id", $"'{id}' is not a valid rule id.", "Use letters, digits, '-', '_', '.' or ':', such as EXP-001.");
                id = null;
            }
            else if (id is not null && kind.CheckRuleId(id) is { } hint)
            {
                reader.Error(idNode!, "RG1005", $"{path}.id", $"'{id}' is not a {kind.Name} rule id.", hint);
                id = null;
            }
            else if (id is not null && !seen.TryAdd(id, idNode!))
            {
                var first = seen[id].Start;
                reader.Error(idNode!, "RG1006", $"{path}.id", $"Rule id '{id}' is already used at line {first.Line}.", "Give every rule of a file its own id.");
                id = null;
            }

            var severity = entries.TryGetValue("severity", out var severityNode) ? reader.Choice(severityNode, $"{path}.severity", Severities) : null;
            var when = entries.TryGetValue("when", out var whenNode) ? Expression(reader, whenNode, $"{path}.when") : null;
            var message = entries.TryGetValue("message", out var messageNode) ? Message(reader, messageNode, $"{path}.message") : null;
            var effects = new Dictionary<string, RuleExpression>(StringComparer.Ordinal);
            foreach (var effect in kind.Effects)
            {
                if (entries.TryGetValue(effect.Key, out var effectNode) && Expression(reader, effectNode, $"{path}.{effect.Key}") is { } expression)
                {
                    effects[effect.Key] = expression;
                }
            }

            if (id is not null && severity is not null && when is not null && message is not null)
            {
                rules.Add(new RuleDefinition(id, Enum.Parse<RuleSeverity>(severity, ignoreCase: true), when, message, effects));
            }
        }

        return rules;
    }

    private static RuleExpression? Expression(YamlReader reader, YamlNode node, string path) =>
        reader.String(node, path) is { } text && node is YamlScalarNode scalar
            ? new RuleExpression(text, path, new YamlScalarSource(reader.Source, scalar))
            : null;

    private static RuleMessage? Message(YamlReader reader, YamlNode node, string path) =>
        reader.String(node, path) is { } text && node is YamlScalarNode scalar
            ? MessageTemplate.Parse(text, path, new YamlScalarSource(reader.Source, scalar), reader)
            : null;
}
