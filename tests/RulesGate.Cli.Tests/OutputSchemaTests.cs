using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace RulesGate.Cli.Tests;

/// <summary>Every output of a sample run validates against its schema in docs/schemas/, and the schemas refuse what they should.</summary>
public sealed class OutputSchemaTests : IDisposable
{
    private static readonly string[] Stream =
    [
        "--policy", "samples/capital/policygate-policy.yaml", "samples/capital/intents.jsonl",
        "--portfolio", "samples/capital/portfolio.json", "--market", "samples/capital/market.json", "--execution", "samples/capital/execution.json",
    ];

    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-schema-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    // Every schema is built once, all together before any is used: the library keeps a process-wide registry of
    // schemas by their $id, so a schema's $ref to another resolves whichever a test asks for first.
    private static readonly Lazy<Dictionary<string, JsonSchema>> Schemas = new(() =>
        Directory.GetFiles(Path.Combine(CliTests.Root, "docs", "schemas"), "*.schema.json").Order(StringComparer.Ordinal)
            .ToDictionary(file => Path.GetFileName(file), file => JsonSchema.FromText(File.ReadAllText(file)), StringComparer.Ordinal));

    internal static JsonSchema Schema(string name) => Schemas.Value[name];

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
    public void RunSummary_AndEveryAuditEventOfTheRun_Validate()
    {
        var journal = Path.Combine(folder, "journal.db");
        var output = Path.Combine(folder, "run");
        Assert.Equal(0, CliTests.Run("journal", "init", "--journal", journal).Exit);
        Assert.Equal(0, CliTests.Run(["run", .. Stream, "--out", output, "--journal", journal]).Exit);
        var events = Path.Combine(folder, "events.jsonl");
        File.WriteAllText(events, CliTests.Run("journal", "export", "--journal", journal).Out);

        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json"))))
        {
            Assert.True(Schema("run-summary.schema.json").Evaluate(summary.RootElement).IsValid);
        }

        AllValid(Schema("audit-event.schema.json"), events);
        Assert.Contains(File.ReadLines(events), line => line.Contains("\"type\":\"gate.malformed\"", StringComparison.Ordinal));
        var broken = JsonNode.Parse(File.ReadLines(events).First(line => line.Contains("\"type\":\"gate.decision\"", StringComparison.Ordinal)))!;
        broken["payload"]!["request"]!["intent"]!["qty"] = "a lot";
        Assert.False(Schema("audit-event.schema.json").Evaluate(JsonSerializer.SerializeToElement(broken)).IsValid);
    }

    [Fact]
    public void PolicyGateSchema_RefusesAKeyOfRulesGatesOwn()
    {
        var decision = JsonNode.Parse(CliTests.Run("eval", "--policy", "rules/capital/default.yaml", "samples/request-oversized-buy.json", "--format", "policygate").Out)!;
        Assert.True(Schema("policygate-decision.schema.json").Evaluate(JsonSerializer.SerializeToElement(decision)).IsValid);

        decision["mode"] = "enforce";
        Assert.False(Schema("policygate-decision.schema.json").Evaluate(JsonSerializer.SerializeToElement(decision)).IsValid);
    }

    [Fact]
    public void CheckpointAndProof_Validate()
    {
        var journal = Path.Combine(folder, "journal.db");
        var key = Path.Combine(folder, "anchor.pem");
        var checkpoint = Path.Combine(folder, "checkpoint.json");
        Assert.Equal(0, CliTests.Run("journal", "init", "--journal", journal).Exit);
        Assert.Equal(0, CliTests.Run("run", "--policy", "samples/capital/policygate-policy.yaml", "samples/capital/intents.jsonl", "--portfolio", "samples/capital/portfolio.json", "--market", "samples/capital/market.json", "--journal", journal).Exit);
        Assert.Equal(0, CliTests.Run("journal", "keygen", "--out", key).Exit);
        Assert.Equal(0, CliTests.Run("journal", "checkpoint", "--key", key, "--out", checkpoint, "--journal", journal).Exit);
        var proof = CliTests.Run("journal", "prove", "--seq", "2", "--checkpoint", checkpoint, "--journal", journal).Out;

        using var signed = JsonDocument.Parse(File.ReadAllText(checkpoint));
        using var proved = JsonDocument.Parse(proof);
        Assert.True(Schema("checkpoint.schema.json").Evaluate(signed.RootElement).IsValid);
        Assert.True(Schema("inclusion-proof.schema.json").Evaluate(proved.RootElement).IsValid, proof);
        var forged = JsonNode.Parse(proof)!;
        forged["checkpoint"]!["size"] = "215";
        Assert.False(Schema("inclusion-proof.schema.json").Evaluate(JsonSerializer.SerializeToElement(forged)).IsValid);
    }

    /// <summary>Every sample request validates, and on intents the schema and the loader agree: the one refuses exactly what the other does.</summary>
    [Fact]
    public void CapitalRequestSchema_AndTheLoader_AcceptTheSameIntents()
    {
        var schema = Schema("capital-request.schema.json");
        foreach (var line in File.ReadLines(Path.Combine(CliTests.Root, "samples", "capital", "requests.jsonl")))
        {
            using var request = JsonDocument.Parse(line);
            Assert.True(schema.Evaluate(request.RootElement).IsValid, line);
        }

        var sample = File.ReadLines(Path.Combine(CliTests.Root, "samples", "capital", "intents.jsonl")).ToList();
        (string From, string To)[] mutations =
        [
            ("\"qty\": 100", "\"qty\": 0"),
            ("\"qty\": 100", "\"qty\": -5"),
            ("\"qty\": 100, ", ""),
            ("\"side\": \"buy\"", "\"side\": \"hold\""),
            ("\"limit_price\": null", "\"limit_price\": null, \"tif\": \"day\""),
            ("\"limit_price\": null", "\"limit_price\": \"10\""),
            ("\"order_type\": \"market\"", "\"order_type\": \"limit\""),
            ("\"2026-11-20T14:30:05Z\"", "\"yesterday\""),
            ("\"2026-11-20T14:30:05Z\"", "\"2026-11-20T16:30:05+02:00\""),
            ("\"intent_id\": \"i-001\"", "\"intent_id\": \"   \""),
            ("\"symbol\": \"NVDA\", ", ""),
        ];
        var intents = sample.Concat(mutations.Select(change => sample[0].Contains(change.From, StringComparison.Ordinal)
            ? sample[0].Replace(change.From, change.To, StringComparison.Ordinal)
            : throw new InvalidOperationException($"the first sample intent has no {change.From}"))).ToList();
        var intentSchema = JsonSchema.FromText("""{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "rulesgate/capital-request.schema.json#/$defs/intent"}""");
        foreach (var line in intents)
        {
            using var intent = JsonDocument.Parse(line);
            var loaded = true;
            try
            {
                RulesGate.Core.Gate.CapitalContextJson.ReadIntent(intent.RootElement);
            }
            catch (FormatException)
            {
                loaded = false;
            }

            Assert.True(loaded == intentSchema.Evaluate(intent.RootElement).IsValid, $"the loader {(loaded ? "accepts" : "refuses")} what the schema does not: {line}");
        }
    }

    [Fact]
    public void Reports_WithJson_ValidateAgainstTheirSchemas()
    {
        var journal = Path.Combine(folder, "journal.db");
        Assert.Equal(0, CliTests.Run("journal", "init", "--journal", journal).Exit);
        Assert.Equal(0, CliTests.Run("run", "samples/capital/intents.jsonl", "--policy", "samples/capital/policygate-policy.yaml", "--portfolio", "samples/capital/portfolio.json", "--market", "samples/capital/market.json", "--journal", journal).Exit);
        Assert.Equal(0, CliTests.Run("diary", "ingest", "samples/promotion/diary.jsonl", "--journal", journal).Exit);
        Assert.Equal(0, CliTests.Run("promote", "--policy-id", "alpha-momentum", "--stage", "paper", "--evidence-id", "dd-am-exp", "--journal", journal, "--log", "none").Exit);
        Assert.Equal(0, CliTests.Run("workflow", "start", "--workflow", "live-pipeline", "--subject", "breakout", "--actor", "ops", "--journal", journal).Exit);
        Assert.Equal(0, CliTests.Run("outcomes", "ingest", "samples/governance/outcomes-week1.jsonl", "--journal", journal).Exit);
        Assert.Equal(0, CliTests.Run("token", "issue", "--strategy", "breakout", "--symbol", "AAPL", "--actor", "rhea", "--journal", journal).Exit);
        var broken = Path.Combine(folder, "broken.yaml");
        File.WriteAllText(broken, File.ReadAllText(Path.Combine(CliTests.Root, "rules", "capital", "default.yaml")).Replace("severity: CRIT", "severity: CRITT", StringComparison.Ordinal));

        (string[] Command, int Exit, string Schema)[] reports =
        [
            (["rules", "check", "rules", "--json"], 0, "check-report.schema.json"),
            (["rules", "check", broken, "--json"], 2, "check-report.schema.json"),
            (["workflow", "check", "--json"], 0, "check-report.schema.json"),
            (["rules", "test", "--json"], 0, "test-report.schema.json"),
            (["changelog", "--journal", journal, "--json"], 0, "changelog.schema.json"),
            (["replay", "--journal", journal, "--json"], 0, "replay-report.schema.json"),
            (["killswitch", "status", "--journal", journal, "--json"], 0, "killswitch-status.schema.json"),
            (["journal", "verify", "--journal", journal, "--json"], 0, "journal-verify.schema.json"),
            (["workflow", "list", "--journal", journal, "--json"], 0, "workflow-instance.schema.json"),
            (["workflow", "show", "--instance", "live-pipeline:breakout", "--journal", journal, "--json"], 0, "workflow-instance.schema.json"),
            (["ledger", "show", "--journal", journal, "--json"], 0, "ledger-record.schema.json"),
            (["assess", "--policy-id", "alpha-momentum", "--journal", journal, "--json"], 0, "assessment.schema.json"),
            (["token", "list", "--strategy", "breakout", "--journal", journal, "--json"], 0, "token-list.schema.json"),
            (["governance", "show", "--strategy", "breakout", "--journal", journal, "--json"], 0, "strategy-report.schema.json"),
        ];
        foreach (var (command, exit, schema) in reports)
        {
            var result = CliTests.Run(command);
            Assert.Equal(exit, result.Exit);
            foreach (var line in result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var json = JsonDocument.Parse(line);
                Assert.True(Schema(schema).Evaluate(json.RootElement).IsValid, $"{string.Join(' ', command)}: {line}");
            }
        }

        using var problems = JsonDocument.Parse(CliTests.Run("rules", "check", broken, "--json").Out);
        Assert.Equal("Did you mean 'CRIT'? Write one of: INFO, WARN, HIGH, CRIT.", problems.RootElement.GetProperty("problems")[0].GetProperty("hint").GetString());
        using var changes = JsonDocument.Parse(CliTests.Run("changelog", "--journal", journal, "--json").Out);
        var rows = changes.RootElement.GetProperty("changes").EnumerateArray().Select(change => (change.GetProperty("what").GetString(), change.GetProperty("actor").GetString(), change.GetProperty("why").GetString())).ToList();
        Assert.Equal([("rule bundle", "", ""), ("promotion", "operator", "approvals none; evidence dd-am-exp")], rows[..2]);
        // Then the strategy's maturity ladder climbing on its outcomes, each move with the evidence it stood on.
        Assert.Equal(3, rows.Count - 2);
        Assert.All(rows[2..], row => Assert.Equal(("maturity-ladder moved", "trades evidence", true), (row.Item1, row.Item2, row.Item3!.Contains("; on evidence trades {", StringComparison.Ordinal))));
    }
}
