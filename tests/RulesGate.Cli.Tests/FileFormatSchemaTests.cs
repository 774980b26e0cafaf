using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using RulesGate.Core.Application;
using RulesGate.Core.Governance;
using RulesGate.Core.Patches;
using RulesGate.Core.Promotion;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Cli.Tests;

/// <summary>
/// The file formats' schemas accept every shipped file and every example of docs/formats/, and agree with the
/// loaders: on each sample line and on its mutations, a schema refuses exactly what its loader refuses.
/// </summary>
public sealed class FileFormatSchemaTests
{
    private static readonly Lazy<JsonSchema> RuleFile = new(() => JsonSchema.FromText(File.ReadAllText(Path.Combine(CliTests.Root, "rules", "schema", "rulesgate-v1.schema.json"))));

    /// <summary>Each line format: its schema, its loader, and a shipped sample of it.</summary>
    public static TheoryData<string, string> LineFormats => new()
    {
        { "diary-entry.schema.json", "samples/promotion/diary.jsonl" },
        { "trade-outcome.schema.json", "samples/governance/outcomes-week1.jsonl" },
        { "config-patch.schema.json", "samples/patches/patches.jsonl" },
        { "signal.schema.json", "samples/workflows/signals.jsonl" },
    };

    private static readonly Dictionary<string, Action<JsonElement>> Loaders = new(StringComparer.Ordinal)
    {
        ["diary-entry.schema.json"] = json => DiaryEntry.Read(json),
        ["trade-outcome.schema.json"] = json => TradeOutcome.Read(json),
        ["config-patch.schema.json"] = json => ConfigPatch.Read(json),
        ["signal.schema.json"] = json => SignalDispatcher.Parse(json, "signals.jsonl:1"),
    };

    private static bool Loads(string schema, JsonElement json)
    {
        try
        {
            Loaders[schema](json);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static JsonElement Yaml(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        return RulesGate.Core.Rules.YamlJson.ToJson(stream.Documents[0].RootNode);
    }

    [Fact]
    public void EveryShippedRuleAndWorkflowFile_Validates()
    {
        var rules = Directory.GetFiles(Path.Combine(CliTests.Root, "rules"), "*.yaml", SearchOption.AllDirectories);
        var workflows = Directory.GetFiles(Path.Combine(CliTests.Root, "workflows"), "*.yaml").Where(file => Path.GetFileName(file) is not ("roles.yaml" or "standing.yaml")).ToList();
        Assert.True(rules.Length >= 10 && workflows.Count >= 4);

        foreach (var file in rules)
        {
            Assert.True(RuleFile.Value.Evaluate(Yaml(file)).IsValid, file);
        }

        foreach (var file in workflows)
        {
            Assert.True(OutputSchemaTests.Schema("workflow.schema.json").Evaluate(Yaml(file)).IsValid, file);
        }

        Assert.True(OutputSchemaTests.Schema("roles.schema.json").Evaluate(Yaml(Path.Combine(CliTests.Root, "workflows", "roles.yaml"))).IsValid);
        Assert.True(OutputSchemaTests.Schema("standing-file.schema.json").Evaluate(Yaml(Path.Combine(CliTests.Root, "workflows", "standing.yaml"))).IsValid);
    }

    [Theory]
    [MemberData(nameof(LineFormats))]
    public void EveryShippedLine_ValidatesAndLoads(string schema, string sample)
    {
        var lines = File.ReadAllLines(Path.Combine(CliTests.Root, sample)).Where(line => line.Trim().Length > 0).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.True(OutputSchemaTests.Schema(schema).Evaluate(json.RootElement).IsValid, $"{sample}: {line}");
            Assert.True(Loads(schema, json.RootElement), $"{sample}: {line}");
        }
    }

    [Fact]
    public void ShippedEvidence_Validates()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(CliTests.Root, "samples", "governance"), "*.json").Where(file => Path.GetFileName(file).StartsWith("baseline", StringComparison.Ordinal) || Path.GetFileName(file).StartsWith("performance", StringComparison.Ordinal)))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            Assert.True(OutputSchemaTests.Schema("evidence.schema.json").Evaluate(json.RootElement).IsValid, file);
        }
    }

    /// <summary>Every field of every sample line dropped, nulled, given another type, and one unknown field added: schema and loader agree on each.</summary>
    [Theory]
    [MemberData(nameof(LineFormats))]
    public void SchemaAndLoader_RefuseTheSameMutations(string schema, string sample)
    {
        var disagreements = new List<string>();
        foreach (var line in File.ReadAllLines(Path.Combine(CliTests.Root, sample)).Where(line => line.Trim().Length > 0))
        {
            var original = JsonNode.Parse(line)!.AsObject();
            var mutations = new List<JsonObject> { With(original, "unknown_field", JsonValue.Create(1)) };
            foreach (var (name, _) in original)
            {
                mutations.Add(Without(original, name));
                mutations.Add(With(original, name, null));
                mutations.Add(With(original, name, JsonValue.Create(12.5)));
                mutations.Add(With(original, name, JsonValue.Create("bogus")));
                mutations.Add(With(original, name, JsonValue.Create(true)));
                mutations.Add(With(original, name, JsonValue.Create("2026-11-20T16:30:05+02:00")));
                mutations.Add(With(original, name, new JsonObject()));
            }

            foreach (var mutation in mutations)
            {
                var json = JsonSerializer.SerializeToElement(mutation);
                var loaded = Loads(schema, json);
                if (loaded != OutputSchemaTests.Schema(schema).Evaluate(json).IsValid)
                {
                    disagreements.Add($"the loader {(loaded ? "accepts" : "refuses")} what the schema does not: {mutation.ToJsonString()}");
                }
            }
        }

        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements.Take(40)));
    }

    private static JsonObject Without(JsonObject original, string name)
    {
        var copy = original.DeepClone().AsObject();
        copy.Remove(name);
        return copy;
    }

    private static JsonObject With(JsonObject original, string name, JsonNode? value)
    {
        var copy = original.DeepClone().AsObject();
        copy[name] = value;
        return copy;
    }

    /// <summary>The fenced block after a page's "## Complete example" heading.</summary>
    private static string Example(string page)
    {
        var text = File.ReadAllText(Path.Combine(CliTests.Root, "docs", "formats", page)).ReplaceLineEndings("\n");
        var at = text.IndexOf("## Complete example", StringComparison.Ordinal);
        Assert.True(at >= 0, $"{page} has no complete example");
        var start = text.IndexOf('\n', text.IndexOf("```", at, StringComparison.Ordinal)) + 1;
        return text[start..text.IndexOf("\n```", start, StringComparison.Ordinal)] + "\n";
    }

    [Theory]
    [InlineData("diary.md", "diary-entry.schema.json")]
    [InlineData("outcomes.md", "trade-outcome.schema.json")]
    [InlineData("patches.md", "config-patch.schema.json")]
    [InlineData("signals.md", "signal.schema.json")]
    public void DocsLineExamples_ValidateAndLoad(string page, string schema)
    {
        foreach (var line in Example(page).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            Assert.True(OutputSchemaTests.Schema(schema).Evaluate(json.RootElement).IsValid, $"{page}: {line}");
            Assert.True(Loads(schema, json.RootElement), $"{page}: {line}");
        }
    }

    [Theory]
    [InlineData("evidence.md", "evidence.schema.json")]
    [InlineData("principals.md", "principals.schema.json")]
    public void DocsJsonExamples_Validate(string page, string schema)
    {
        using var json = JsonDocument.Parse(Example(page));
        Assert.True(OutputSchemaTests.Schema(schema).Evaluate(json.RootElement).IsValid, page);
    }

    /// <summary>The YAML examples are checked by the commands a user runs on them, where the shipped files of their kind live.</summary>
    [Theory]
    [InlineData("rule-files.md", "rules/capital", "rules", "check")]
    [InlineData("rule-tests.md", "rules/tests", "rules", "test")]
    [InlineData("workflows.md", "workflows", "workflow", "check")]
    public void DocsYamlExamples_ValidateAndPassTheirCheck(string page, string folder, string command, string verb)
    {
        var root = Directory.CreateTempSubdirectory("rulesgate-docs-").FullName;
        try
        {
            var file = Path.Combine(root, folder, "example.yaml");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            Directory.CreateDirectory(Path.Combine(root, "rules", "capital"));
            File.Copy(Path.Combine(CliTests.Root, "rules", "capital", "default.yaml"), Path.Combine(root, "rules", "capital", "default.yaml"), overwrite: true);
            File.WriteAllText(file, Example(page));

            var schema = page == "workflows.md" ? OutputSchemaTests.Schema("workflow.schema.json") : RuleFile.Value;
            Assert.True(schema.Evaluate(Yaml(file)).IsValid, page);
            var (exit, output, error) = CliTests.Run(command, verb, file);
            Assert.True(exit == 0, $"{page}: {output}{error}");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void DocsRolesExample_ValidatesAndLoads()
    {
        var file = Path.Combine(Path.GetTempPath(), $"roles-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, Example("roles.md"));
        try
        {
            Assert.True(OutputSchemaTests.Schema("roles.schema.json").Evaluate(Yaml(file)).IsValid);
            Assert.Equal(["cio", "compliance", "risk"], RulesGate.Core.Workflows.WorkflowRoles.Load(file).Roles);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void RuleKindsPage_IsWhatRulesKindsPrints()
    {
        var (exit, output, _) = CliTests.Run("rules", "kinds");

        Assert.Equal(0, exit);
        Assert.True(output == File.ReadAllText(Path.Combine(CliTests.Root, "docs", "formats", "rule-kinds.md")).ReplaceLineEndings("\n"),
            "docs/formats/rule-kinds.md is stale: run 'dotnet run --project src/RulesGate.Cli -- rules kinds > docs/formats/rule-kinds.md'");
    }

    [Fact]
    public void JournalEventsPage_IsWhatJournalTypesPrints()
    {
        var (exit, output, _) = CliTests.Run("journal", "types");

        Assert.Equal(0, exit);
        Assert.True(output == File.ReadAllText(Path.Combine(CliTests.Root, "docs", "journal-events.md")).ReplaceLineEndings("\n"),
            "docs/journal-events.md is stale: run 'dotnet run --project src/RulesGate.Cli -- journal types > docs/journal-events.md'");
    }
}
