using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Rules;

public sealed class RuleFileLoaderTests
{
    private const string OneRule = "  - id: R-1\n    severity: HIGH\n    when: Metrics.NewPositionPct > Params.Exposure.MaxPositionPct\n    message: too big\n";

    [Fact]
    public void Load_ValidFile_ReadsMetadataParamsAndRules()
    {
        var file = Compiled.Load(Some.PolicyYaml(OneRule)).Value!;

        Assert.Equal("test-policy", file.Metadata.Id);
        Assert.Equal(1, file.Metadata.Version);
        Assert.Equal(RuleMode.Enforce, file.Mode);
        Assert.Equal(0.10, (double)file.Params.Find("exposure.max_position_pct")!.Value!);
        Assert.Equal(RuleSeverity.High, Assert.Single(file.Rules).Severity);
        Assert.Matches("^test-policy@1#[0-9a-f]{12}$", file.Identity);
    }

    [Fact]
    public void Load_UnknownKey_NamesLineColumnPathAndSuggestion()
    {
        var diagnostic = Assert.Single(Compiled.Load(Some.PolicyYaml(OneRule.Replace("severity:", "sevrity: HIGH\n    severity:"))).Diagnostics);

        Assert.Equal("RG1002", diagnostic.Code);
        Assert.Equal("rules[0].sevrity", diagnostic.KeyPath);
        Assert.Equal((10, 5), (diagnostic.Location.Line, diagnostic.Location.Column));
        Assert.Contains("Did you mean 'severity'?", diagnostic.Hint);
    }

    [Fact]
    public void Load_OutOfRangeSchemaParam_SaysWhatRangeToWrite()
    {
        var diagnostic = Assert.Single(Compiled.Load(Some.PolicyYaml(OneRule, "  exposure: { max_position_pct: 1.5 }\n")).Diagnostics);

        Assert.Equal("RG1005", diagnostic.Code);
        Assert.Equal("params.exposure.max_position_pct", diagnostic.KeyPath);
        Assert.Equal("Write a number > 0 and ≤ 1.", diagnostic.Hint);
    }

    [Fact]
    public void Load_WrongType_IsRejected()
    {
        var diagnostic = Assert.Single(Compiled.Load(Some.PolicyYaml(OneRule, "  exposure: { max_position_pct: lots }\n")).Diagnostics);

        Assert.Equal("RG1004", diagnostic.Code);
        Assert.Contains("Expected a number", diagnostic.Message);
    }

    [Fact]
    public void Load_DuplicateRuleId_PointsAtTheFirstUse()
    {
        var diagnostic = Assert.Single(Compiled.Load(Some.PolicyYaml(OneRule + OneRule)).Diagnostics);

        Assert.Equal("RG1006", diagnostic.Code);
        Assert.Contains("already used at line 9", diagnostic.Message);
    }

    [Theory]
    [InlineData("2026-01-31T16:00:00", "2026-01-31T16:00:00Z")]
    [InlineData("2026-01-31T16:00:00+02:00", "2026-01-31T14:00:00Z")]
    public void Load_NonUtcTimestamp_IsRejectedWithTheUtcSpelling(string written, string suggested)
    {
        var diagnostic = Assert.Single(Compiled.Load(Some.PolicyYaml(OneRule, $"  exposure: {{ max_position_pct: 0.1 }}\n  effective_from: {written}\n")).Diagnostics);

        Assert.Equal("RG1007", diagnostic.Code);
        Assert.Contains(suggested, diagnostic.Hint);
    }

    [Fact]
    public void Load_UtcTimestamp_IsInferredAsTimestamp()
    {
        var file = Compiled.Load(Some.PolicyYaml(OneRule, "  exposure: { max_position_pct: 0.1 }\n  effective_from: 2026-01-31T16:00:00Z\n")).Value!;

        Assert.Equal(new DateTimeOffset(2026, 1, 31, 16, 0, 0, TimeSpan.Zero), file.Params.Find("effective_from")!.Value);
    }

    [Theory]
    [InlineData("severity: high", "RG1005", "Write 'HIGH'.")]
    [InlineData("version: 0", "RG1005", "Write a whole number ≥ 1.")]
    [InlineData("version: two", "RG1004", "Write a whole number ≥ 1, without quotes.")]
    [InlineData("mode: enforced", "RG1005", "Did you mean 'enforce'? Write one of: enforce, monitor.")]
    [InlineData("kind: CapitalPolicyy", "RG1005", "Did you mean 'CapitalPolicy'?")]
    public void Load_BadValue_SaysWhatToWrite(string replacement, string code, string hint)
    {
        var key = replacement.Split(':')[0];
        var yaml = Some.PolicyYaml(OneRule).Replace("kind: CapitalPolicy", "kind: CapitalPolicy\nmode: enforce");
        yaml = string.Join('\n', yaml.Split('\n').Select(line => line.TrimStart().StartsWith(key + ":", StringComparison.Ordinal) ? line[..(line.Length - line.TrimStart().Length)] + replacement : line));

        var diagnostic = Assert.Single(Compiled.Load(yaml).Diagnostics);

        Assert.Equal(code, diagnostic.Code);
        Assert.Equal(hint, diagnostic.Hint);
    }

    [Fact]
    public void Load_OverrideOfUndeclaredParam_IsRejected()
    {
        var diagnostic = Assert.Single(Compiled.Load(Some.PolicyYaml(OneRule, extra: "overrides:\n  symbols:\n    AAPL: { exposure: { max_positon_pct: 0.05 } }\n")).Diagnostics);

        Assert.Equal("RG1009", diagnostic.Code);
        Assert.Contains("Did you mean 'exposure.max_position_pct'?", diagnostic.Hint);
    }

    [Fact]
    public void Load_OverrideOutOfRange_IsRejectedLikeTheParam()
    {
        var diagnostic = Assert.Single(Compiled.Load(Some.PolicyYaml(OneRule, extra: "overrides:\n  strategies:\n    momo: { exposure: { max_position_pct: 2 } }\n")).Diagnostics);

        Assert.Equal("overrides.strategies.momo.exposure.max_position_pct", diagnostic.KeyPath);
    }

    [Fact]
    public void Load_MissingRequiredKeys_AreAllReportedTogether()
    {
        var diagnostics = Compiled.Load("apiVersion: rulesgate/v1\nkind: CapitalPolicy\nmetadata: { id: x }\n").Diagnostics;

        Assert.Equal(["metadata.version", "rules"], diagnostics.Select(d => d.KeyPath).Order());
    }

    [Fact]
    public void Load_InvalidYaml_ReportsPosition()
    {
        var diagnostic = Assert.Single(Compiled.Load("apiVersion: rulesgate/v1\nkind: [unclosed\n").Diagnostics);

        Assert.Equal("RG1001", diagnostic.Code);
        Assert.True(diagnostic.Location.Line >= 2);
    }

    [Fact]
    public void Hash_IsSha256OfTheFileBytes()
    {
        var yaml = Some.PolicyYaml(OneRule);
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(yaml)));

        Assert.Equal(expected, Compiled.Load(yaml).Value!.Hash);
    }

    [Fact]
    public void Load_AMistypedRequiredKey_IsOneProblem_ThatNamesTheKeyMeant()
    {
        var diagnostic = Assert.Single(Compiled.Load(Some.PolicyYaml(OneRule.Replace("when:", "whenn:", StringComparison.Ordinal))).Diagnostics);

        Assert.Equal(("RG1002", "rules[0].whenn"), (diagnostic.Code, diagnostic.KeyPath));
        Assert.StartsWith("Did you mean 'when'?", diagnostic.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AMisspeltChoice_SaysTheClosest()
    {
        var diagnostic = Assert.Single(Compiled.Load(Some.PolicyYaml(OneRule.Replace("HIGH", "HIHG", StringComparison.Ordinal))).Diagnostics);

        Assert.Equal("Did you mean 'HIGH'? Write one of: INFO, WARN, HIGH, CRIT.", diagnostic.Hint);
    }
}
