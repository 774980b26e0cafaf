using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace RulesGate.Cli.Tests;

/// <summary>Every output of a sample run validates against its schema in docs/schemas/, and the schemas refuse what they should.</summary>
public sealed class OutputSchemaTests : IDisposable
{
    private static readonly string[] Stream =
    [
        "--policy", "samples/capital/policygate-policy.yaml", "--intents", "samples/capital/intents.jsonl",
        "--portfolio", "samples/capital/portfolio.json", "--market", "samples/capital/market.json", "--execution", "samples/capital/execution.json",
    ];

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-schema-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    // Each schema is built once: the library keeps a process-wide registry of schemas by their $id.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<JsonSchema>> Schemas = new(StringComparer.Ordinal);

    private static JsonSchema Schema(string name) =>
        Schemas.GetOrAdd(name, file => new Lazy<JsonSchema>(() => JsonSchema.FromText(File.ReadAllText(Path.Combine(CliTests.Root, "docs", "schemas", file))))).Value;

    private static void AllValid(JsonSchema schema, string file)
    {
        var lines = File.ReadAllLines(file);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var result = schema.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{file}: {line}");
        }
    }

    [Theory]
    [InlineData("rulesgate", "capital-decision.schema.json")]
    [InlineData("policygate", "policygate-decision.schema.json")]
    public void RunDecisions_ValidateInEachFormat(string format, string schema)
    {
        var output = Path.Combine(folder, format);
        Assert.Equal(0, CliTests.Run(["run", .. Stream, "--format", format, "--out", output, "--exec-log", Path.Combine(output, "exec.jsonl")]).Exit);

        AllValid(Schema(schema), Path.Combine(output, "decisions.jsonl"));
        AllValid(Schema("execution-event.schema.json"), Path.Combine(output, "exec.jsonl"));
    }

    [Fact]
    public void PolicyGateSchema_RefusesAKeyOfRulesGatesOwn()
    {
        var decision = JsonNode.Parse(CliTests.Run("eval", "--policy", "rules/capital/default.yaml", "--request", "samples/request-oversized-buy.json", "--format", "policygate").Out)!;
        Assert.True(Schema("policygate-decision.schema.json").Evaluate(JsonSerializer.SerializeToElement(decision)).IsValid);

        decision["mode"] = "enforce";
        Assert.False(Schema("policygate-decision.schema.json").Evaluate(JsonSerializer.SerializeToElement(decision)).IsValid);
    }
}
