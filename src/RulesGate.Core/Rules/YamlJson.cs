using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Rules;

/// <summary>Turns a YAML node into JSON, so a context written in a YAML rule test reads like a JSON one.</summary>
internal static class YamlJson
{
    public static JsonElement ToJson(YamlNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(node, writer);
        }

        return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
    }

    /// <summary>The mapping's entries with YAML merge keys (<c>&lt;&lt;: *base</c>) applied; written keys win.</summary>
    private static List<KeyValuePair<string, YamlNode>> Merged(YamlMappingNode mapping)
    {
        var entries = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children.Where(pair => ((YamlScalarNode)pair.Key).Value == "<<"))
        {
            var sources = value is YamlSequenceNode list ? list.Children : [value];
            foreach (var source in sources.OfType<YamlMappingNode>())
            {
                foreach (var (name, inherited) in Merged(source))
                {
                    entries.TryAdd(name, inherited);
                }
            }
        }

        foreach (var (key, value) in mapping.Children.Where(pair => ((YamlScalarNode)pair.Key).Value != "<<"))
        {
            entries[((YamlScalarNode)key).Value ?? ""] = value;
        }

        return [.. entries];
    }

    private static void Write(YamlNode node, Utf8JsonWriter writer)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in Merged(mapping))
                {
                    writer.WritePropertyName(key);
                    Write(value, writer);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(item, writer);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar when YamlReader.IsNull(scalar):
                writer.WriteNullValue();
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain } scalar when YamlReader.Infer(scalar) == ParamType.Number:
                writer.WriteNumberValue(double.Parse(scalar.Value!, NumberStyles.Float, CultureInfo.InvariantCulture));
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } scalar:
                writer.WriteBooleanValue(scalar.Value == "true");
                break;
            case YamlScalarNode scalar:
                writer.WriteStringValue(scalar.Value);
                break;
        }
    }
}
