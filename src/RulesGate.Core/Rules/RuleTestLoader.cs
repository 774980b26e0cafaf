using System.Text;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Rules;

/// <summary>Loads <c>kind: RuleTests</c> files as strictly as rule files.</summary>
public static class RuleTestLoader
{
    public const string Kind = "RuleTests";

    private static readonly string[] TopKeys = ["apiVersion", "kind", "metadata", "rules", "cases"];
    private static readonly string[] CaseKeys = ["name", "context", "expect"];
    private static readonly string[] ExpectKeys = ["fired", "effects", "messages"];

    public static RuleResult<RuleTestFile> Load(string path)
    {
        var source = new SourceText(path, Encoding.UTF8.GetString(InputFile.ReadAtMost(path, YamlLimits.MaxBytes)).TrimStart('\uFEFF'));
        var reader = new YamlReader(source);
        if (reader.ParseDocument() is not { } root)
        {
            return RuleResult<RuleTestFile>.Failure(reader.Diagnostics);
        }

        var top = reader.Entries(root, "", TopKeys, ["apiVersion", "kind", "rules", "cases"]);
        if (top.TryGetValue("apiVersion", out var api) && reader.Choice(api, "apiVersion", [RuleFileLoader.ApiVersion]) is null)
        {
            return RuleResult<RuleTestFile>.Failure(reader.Diagnostics);
        }

        if (top.TryGetValue("kind", out var kind))
        {
            reader.Choice(kind, "kind", [Kind]);
        }

        var rules = top.TryGetValue("rules", out var rulesNode) ? reader.String(rulesNode, "rules") : null;
        var rulesPath = rules is null ? "" : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, rules));
        if (rules is not null && !File.Exists(rulesPath))
        {
            reader.Error(rulesNode!, "RG1005", "rules", $"'{rules}' does not exist.", "Write the rule file's path relative to this test file, such as ../capital/default.yaml.");
        }

        var cases = new List<RuleTestCase>();
        if (top.TryGetValue("cases", out var casesNode) && reader.Sequence(casesNode, "cases") is { } sequence)
        {
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                if (Case(reader, sequence.Children[i], $"cases[{i}]") is { } testCase)
                {
                    cases.Add(testCase);
                }
            }
        }

        return reader.HasErrors
            ? RuleResult<RuleTestFile>.Failure(reader.Diagnostics)
            : RuleResult<RuleTestFile>.Success(new RuleTestFile(path, rulesPath, cases));
    }

    private static RuleTestCase? Case(YamlReader reader, YamlNode node, string path)
    {
        if (reader.Mapping(node, path) is not { } mapping)
        {
            return null;
        }

        var entries = reader.Entries(mapping, path, CaseKeys, ["name", "context", "expect"]);
        var name = entries.TryGetValue("name", out var nameNode) ? reader.String(nameNode, $"{path}.name") : null;
        var context = entries.TryGetValue("context", out var contextNode) ? reader.Mapping(contextNode, $"{path}.context") : null;
        if (!entries.TryGetValue("expect", out var expectNode) || reader.Mapping(expectNode, $"{path}.expect") is not { } expect || name is null || context is null)
        {
            return null;
        }

        var expected = reader.Entries(expect, $"{path}.expect", ExpectKeys, ["fired"]);
        var fired = new List<string>();
        if (expected.TryGetValue("fired", out var firedNode) && reader.Sequence(firedNode, $"{path}.expect.fired") is { } firedList)
        {
            fired.AddRange(firedList.Children.Select((item, i) => reader.String(item, $"{path}.expect.fired[{i}]")).OfType<string>());
        }

        var effects = new Dictionary<(string, string), double>();
        if (expected.TryGetValue("effects", out var effectsNode) && reader.Mapping(effectsNode, $"{path}.expect.effects") is { } byRule)
        {
            foreach (var (ruleNode, keysNode) in byRule.Children)
            {
                var rule = ((YamlScalarNode)ruleNode).Value ?? "";
                if (reader.Mapping(keysNode, $"{path}.expect.effects.{rule}") is { } keys)
                {
                    foreach (var (keyNode, valueNode) in keys.Children)
                    {
                        var key = ((YamlScalarNode)keyNode).Value ?? "";
                        if (reader.ParamValue(valueNode, $"{path}.expect.effects.{rule}.{key}", new ParamSpec(ParamType.Number), out var value))
                        {
                            effects[(rule, key)] = (double)value!;
                        }
                    }
                }
            }
        }

        var messages = new Dictionary<string, string>(StringComparer.Ordinal);
        if (expected.TryGetValue("messages", out var messagesNode) && reader.Mapping(messagesNode, $"{path}.expect.messages") is { } byId)
        {
            foreach (var (ruleNode, textNode) in byId.Children)
            {
                var rule = ((YamlScalarNode)ruleNode).Value ?? "";
                if (reader.String(textNode, $"{path}.expect.messages.{rule}") is { } text)
                {
                    messages[rule] = text;
                }
            }
        }

        var location = reader.Source.At((int)node.Start.Line, (int)node.Start.Column);
        return new RuleTestCase(name, location, YamlJson.ToJson(context), fired, effects, messages);
    }
}
