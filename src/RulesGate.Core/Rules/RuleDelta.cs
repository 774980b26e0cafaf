using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace RulesGate.Core.Rules;

/// <summary>
/// A policy delta, as a promotion approves it (<c>promote --policy-delta</c>, AlphaTrade's <c>rebuild_policy</c>):
/// <c>{"rules_file": "rules/capital/default.yaml", "set": {"exposure.max_position_pct": 0.05, …}}</c>, each key a
/// parameter's path under <c>params</c>. <see cref="Apply"/> makes the candidate rule file it describes.
/// </summary>
public sealed record RuleDelta(string RulesFile, IReadOnlyList<KeyValuePair<string, JsonElement>> Set)
{
    /// <summary>Reads a delta's JSON.</summary>
    /// <exception cref="FormatException">It is not one; names what to write.</exception>
    public static RuleDelta Read(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("policy delta: expected an object, such as {\"rules_file\": \"rules/capital/default.yaml\", \"set\": {\"exposure.max_position_pct\": 0.05}}.");
        }

        var (file, set) = ((string?)null, new List<KeyValuePair<string, JsonElement>>());
        foreach (var property in json.EnumerateObject())
        {
            switch (property.Name)
            {
                case "rules_file" when property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { Length: > 0 } path:
                    file = path;
                    break;
                case "set" when property.Value.ValueKind == JsonValueKind.Object:
                    foreach (var change in property.Value.EnumerateObject())
                    {
                        if (change.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                        {
                            throw new FormatException($"policy delta: set.{change.Name}: a parameter is set to a number, true, false, null or text, not {change.Value.ValueKind.ToString().ToLowerInvariant()}.");
                        }

                        set.Add(new(change.Name, change.Value.Clone()));
                    }

                    break;
                case "rules_file" or "set":
                    throw new FormatException($"policy delta: {property.Name}: expected {(property.Name == "set" ? "an object of parameter path to value" : "the rule file's path")}.");
                default:
                    throw new FormatException($"policy delta: {property.Name}: unknown key; a delta has rules_file and set.");
            }
        }

        return file is null ? throw new FormatException("policy delta: rules_file: required, the rule file the delta changes, such as rules/capital/default.yaml.")
            : set.Count == 0 ? throw new FormatException("policy delta: set: required, at least one parameter, such as {\"exposure.max_position_pct\": 0.05}.")
            : new RuleDelta(file, set);
    }

    /// <summary>
    /// The rule file <paramref name="text"/> with each parameter of <see cref="Set"/> written in place and its
    /// <c>metadata.version</c> one higher: every other byte (comments, layout, the other values) stays as it was.
    /// </summary>
    /// <exception cref="FormatException">A parameter, or <c>metadata.version</c>, is not in the file as a plain value; names it.</exception>
    public string Apply(string text)
    {
        var scalars = Scalars(text);
        var edits = new List<(int Start, int End, string Text)>();
        foreach (var (path, value) in Set)
        {
            if (!scalars.TryGetValue($"params.{path}", out var at))
            {
                var known = scalars.Keys.Where(key => key.StartsWith("params.", StringComparison.Ordinal)).Select(key => key["params.".Length..]).ToList();
                throw new FormatException($"policy delta: set.{path}: {RulesFile} has no parameter {path}{(Naming.Closest(path, known) is { } guess ? $"; did you mean {guess}?" : ".")}");
            }

            edits.Add((at.Start, at.End, Yaml(value)));
        }

        if (!scalars.TryGetValue("metadata.version", out var version) || !int.TryParse(text[version.Start..version.End], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new FormatException($"policy delta: {RulesFile} has no metadata.version written as a whole number.");
        }

        edits.Add((version.Start, version.End, (number + 1).ToString(CultureInfo.InvariantCulture)));
        var result = text;
        foreach (var (start, end, replacement) in edits.OrderByDescending(edit => edit.Start))
        {
            result = result[..start] + replacement + result[end..];
        }

        return result;
    }

    /// <summary>A value as a YAML scalar: numbers as the shortest text that reads back the same, text as a double-quoted string.</summary>
    private static string Yaml(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => JsonSerializer.Serialize(value.GetString()),   // JSON text is a YAML double-quoted scalar
    };

    /// <summary>Every scalar value of a mapping key, by its dotted path from the root, with where its text is (character offsets).</summary>
    private static Dictionary<string, (int Start, int End)> Scalars(string text)
    {
        var found = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            parser.Consume<DocumentStart>();
            Walk(parser, "", found);
        }
        catch (YamlException error)
        {
            throw new FormatException($"the rule file is not YAML a delta can be applied to ({error.Message}).", error);
        }

        return found;
    }

    private static void Walk(IParser parser, string path, Dictionary<string, (int, int)> found)
    {
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            if (path.Length > 0 && !path.Contains("[]", StringComparison.Ordinal) && scalar.Style == ScalarStyle.Plain)
            {
                found[path] = ((int)scalar.Start.Index, (int)scalar.End.Index);
            }

            return;
        }

        if (parser.TryConsume<MappingStart>(out _))
        {
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = parser.Consume<Scalar>().Value;
                Walk(parser, path.Length == 0 ? key : $"{path}.{key}", found);
            }

            return;
        }

        if (parser.TryConsume<SequenceStart>(out _))
        {
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                Walk(parser, path + "[]", found);   // what is in a list is no parameter
            }

            return;
        }

        parser.Consume<AnchorAlias>();
    }
}
