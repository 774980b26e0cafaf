using System.Text;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Rules;

/// <summary>Nothing but an expression reaches the compiler: formats, alignments, names and literals pass one grammar each.</summary>
public sealed class CodeBoundaryTests
{
    private static string Rule(string message, string when = "Intent.Qty > 0") =>
        $"  - id: R-1\n    severity: HIGH\n    when: '{when.Replace("'", "''")}'\n    message: '{message.Replace("'", "''")}'\n";

    public static TheoryData<string> InjectedMessages() => new()
    {
        "{Intent.Qty:F4(}\" + $\"{System.IO.Directory.CreateDirectory(\"x\").FullName}\" + $\"]{0}",
        "{Intent.Qty:F4\"}{System.IO.Directory.CreateDirectory(\"x\")}",
        "{Intent.Qty:F4\\\"}",
        "{Intent.Qty,8\" + System.IO.File.ReadAllText(\"/etc/passwd\") + \"}",
        "{Intent.Qty,int.MaxValue}",
        "{Intent.Qty:D999999999}",
        "{Intent.Qty:F2\u2028System.IO.File.Delete(\"x\")}",
        "{Intent.Qty:" + new string('0', 40) + "}",
    };

    [Theory]
    [MemberData(nameof(InjectedMessages))]
    public void Load_HoleFormatOrAlignmentOutsideItsGrammar_IsRefusedAtItsColumn(string message)
    {
        var errors = Compiled.Load(Some.PolicyYaml(Rule(message))).Diagnostics;

        var error = Assert.Single(errors);
        Assert.Equal(("RG1005", "rules[0].message"), (error.Code, error.KeyPath));
    }

    [Theory]
    [InlineData("{Intent.Qty:F2} of {Intent.Symbol,-6}|", "10.00 of MSFT  |")]
    [InlineData("{Intent.Timestamp:yyyy-MM-dd HH:mm} {Metrics.NewPositionPct:P1}", "2026-01-15 15:30 4.0 %")]
    [InlineData("\"quoted\" \\ {{braces}} \u200b\u00e9 end", "\"quoted\" \\ {braces} \u200b\u00e9 end")]
    public void Compile_AdmittedFormatsAndOddLiterals_RenderExactly(string message, string expected)
    {
        var bundle = Compiled.Bundle(Some.PolicyYaml(Rule(message)));

        Assert.Equal(expected, bundle.Evaluator<CapitalContext>().Message(0, Some.Context()));
    }

    private static string OverrideYaml(string symbol) =>
        Some.PolicyYaml(Rule("x", "Params.Exposure.MaxPositionPct < 0.05"), extra: $"overrides:\n  symbols: {{ \"{symbol.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\t", "\\t").Replace("\u2028", "\\L")}\": {{ exposure: {{ max_position_pct: 0.01 }} }} }}\n");

    [Theory]
    [InlineData("x\"y", "x\"y")]
    [InlineData("back\\slash", "back\\slash")]
    [InlineData("a{b}$\"\"\"c", "a{b}$\"\"\"c")]
    [InlineData("ＡＡＰＬ", "AAPL")]
    [InlineData("cafe\u0301", "café")]
    public void Compile_OverrideKeyWithAnyVisibleCharacters_StaysAStringLiteralMatchedAfterNormalization(string symbol, string intentSymbol)
    {
        var evaluator = Compiled.Bundle(OverrideYaml(symbol)).Evaluator<CapitalContext>();

        Assert.Equal(["R-1"], evaluator.Fired(Some.Context(Some.Intent(symbol: intentSymbol))));
        Assert.Empty(evaluator.Fired(Some.Context(Some.Intent(symbol: "MSFT"))));
    }

    [Theory]
    [InlineData("A\u2028B")]
    [InlineData("tab\there")]
    [InlineData("AAPL\u200B")]
    public void Load_OverrideKeyWithInvisibleCharacters_IsRefused(string symbol)
    {
        Assert.Contains(Compiled.Load(OverrideYaml(symbol)).Diagnostics, error => error.KeyPath.StartsWith("overrides.symbols.", StringComparison.Ordinal) && error.Message.Contains("invisible", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("metadata:\n  id: \"x\\u2028public class Evil {}\"", "metadata.id")]
    [InlineData("metadata:\n  id: \"x\\n\"", "metadata.id")]
    [InlineData("derive:\n  \"A\\u2028B\": Intent.Qty", "derive.A\u2028B")]
    [InlineData("derive:\n  \"A\\n\": Intent.Qty", "derive.A\n")]
    public void Load_NamesOutsideTheirGrammar_AreRefused(string yaml, string path)
    {
        var text = Some.PolicyYaml(Rule("x")).Replace("metadata:\n  id: test-policy", yaml.StartsWith("metadata", StringComparison.Ordinal) ? yaml : "metadata:\n  id: test-policy", StringComparison.Ordinal);
        if (yaml.StartsWith("derive", StringComparison.Ordinal))
        {
            text = Some.PolicyYaml(Rule("x"), extra: yaml + "\n");
        }

        Assert.Contains(Compiled.Load(text).Diagnostics, error => error.KeyPath == path);
    }

    [Fact]
    public void CodeText_RefusesAnythingButItsGrammar()
    {
        Assert.Throws<InvalidOperationException>(() => CodeText.Identifier("A;B"));
        Assert.Throws<InvalidOperationException>(() => CodeText.Identifier("class"));
        Assert.Throws<InvalidOperationException>(() => CodeText.HoleSuffixOf(":F2\""));
        Assert.Equal("\"a\\u2028\\\"b\\\\\"", CodeText.StringLiteral("a\u2028\"b\\"));
        Assert.Equal("{{x}}\\u0085", CodeText.InterpolatedText("{x}\u0085"));
    }

    [Fact]
    public void CodeText_AnyTextBecomesExactlyOneLiteralWithThatValue()
    {
        // Fixed seed: the same 3,000 strings every run, drawn from quotes, braces, backslashes, newlines of every kind and the rest of Unicode.
        var random = new Random(20261130);
        char[] nasty = ['"', '\\', '{', '}', '$', '\n', '\r', '\u2028', '\u2029', '\u0085', '\0', '/', '*', '#', '@', '\'', '`', '\uFEFF', '\u200B'];
        for (var i = 0; i < 3_000; i++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 24)).Select(_ => random.Next(3) == 0 ? (char)random.Next(0, 0xD7FF) : nasty[random.Next(nasty.Length)])]);

            var literal = Microsoft.CodeAnalysis.CSharp.SyntaxFactory.ParseExpression(CodeText.StringLiteral(text));
            var interpolated = Microsoft.CodeAnalysis.CSharp.SyntaxFactory.ParseExpression("$\"" + CodeText.InterpolatedText(text) + "\"");

            Assert.Empty(literal.GetDiagnostics());
            Assert.Equal(text, Assert.IsType<Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax>(literal).Token.ValueText);
            Assert.Empty(interpolated.GetDiagnostics());
            var contents = Assert.IsType<Microsoft.CodeAnalysis.CSharp.Syntax.InterpolatedStringExpressionSyntax>(interpolated).Contents;
            // The token keeps doubled braces as written; the compiler reads each pair as one brace.
            var value = string.Concat(contents.Select(part => Assert.IsType<Microsoft.CodeAnalysis.CSharp.Syntax.InterpolatedStringTextSyntax>(part).TextToken.ValueText));
            Assert.Equal(text, value.Replace("{{", "{", StringComparison.Ordinal).Replace("}}", "}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void CodeText_AnyAdmittedHoleSuffixStaysInsideItsHole()
    {
        var random = new Random(20261130);
        const string alphabet = "F2P1N0D#.,%;:/+-' {}\"\\()$@\n9xyzHmsTf";
        var admitted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var suffix = (random.Next(2) == 0 ? ":" : ",") + new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            if (!CodeText.IsHoleSuffix(suffix))
            {
                continue;
            }

            admitted++;
            var parsed = Microsoft.CodeAnalysis.CSharp.SyntaxFactory.ParseExpression("$\"a{Intent.Qty" + CodeText.HoleSuffixOf(suffix) + "}b\"");
            var contents = Assert.IsType<Microsoft.CodeAnalysis.CSharp.Syntax.InterpolatedStringExpressionSyntax>(parsed).Contents;
            Assert.Equal(3, contents.Count);
            Assert.Equal("Intent.Qty", Assert.IsType<Microsoft.CodeAnalysis.CSharp.Syntax.InterpolationSyntax>(contents[1]).Expression.ToString());
        }

        Assert.True(admitted > 100, $"only {admitted} suffixes were admitted; the test would prove little");
    }

    [Theory]
    [InlineData(10_000, '(')]
    [InlineData(10_000, '!')]
    [InlineData(3_000, '(')]
    [InlineData(3_000, '-')]
    public void Compile_DeeplyNestedOrLongExpression_IsRefusedNotCrashed(int depth, char prefix)
    {
        var when = prefix == '(' ? new string('(', depth) + "true" + new string(')', depth) : new string(prefix, depth) + (prefix == '!' ? "true" : "Intent.Qty > 0");
        var errors = Compiled.Errors(Some.PolicyYaml(Rule("x", when)));

        Assert.Contains(errors, error => error.Code == "RG2005" && error.KeyPath == "rules[0].when");
    }

    [Fact]
    public void Compile_ExpressionAtTheDepthLimit_Compiles()
    {
        var when = new string('(', 60) + "Intent.Qty > 0" + new string(')', 60);

        Assert.True(Compiled.Compile(Some.PolicyYaml(Rule("x", when))).Succeeded);
    }

    [Fact]
    public void Load_TooManyRulesOrTooLargeAFile_IsRefused()
    {
        var many = new StringBuilder();
        for (var i = 0; i <= RuleFileLoader.MaxRules; i++)
        {
            many.Append(System.Globalization.CultureInfo.InvariantCulture, $"  - {{ id: R-{i}, severity: HIGH, when: 'true', message: x }}\n");
        }

        Assert.Contains(Compiled.Load(Some.PolicyYaml(many.ToString())).Diagnostics, error => error.Message.Contains("more than 5000", StringComparison.Ordinal));

        var large = Some.PolicyYaml(Rule("x")) + "# " + new string('x', 1 << 20) + "\n";
        Assert.Contains(Compiled.Load(large).Diagnostics, error => error.Message.Contains("larger than", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData(".nan")]
    [InlineData(".inf")]
    [InlineData("-.Inf")]
    public void Load_NonFiniteParameter_IsRefusedAtItsLine(string value)
    {
        foreach (var parameters in new[] { $"  exposure: {{ max_position_pct: {value} }}\n", $"  custom:\n    limit: {value}\n" })
        {
            var errors = Compiled.Load(Some.PolicyYaml(Rule("x"), parameters)).Diagnostics;

            var error = Assert.Single(errors);
            Assert.Contains("finite", error.Message, StringComparison.Ordinal);
            Assert.StartsWith("params.", error.KeyPath, StringComparison.Ordinal);
            Assert.Equal(parameters.Count(c => c == '\n') + 6, error.Location.Line);
        }
    }

    [Fact]
    public void Load_YamlAliasBombOrDeepNesting_IsRefusedWithoutExpanding()
    {
        var bomb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 12; i++)
        {
            bomb.Append(System.Globalization.CultureInfo.InvariantCulture, $"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n");
        }

        Assert.Contains(Compiled.Load(bomb.ToString()).Diagnostics, error => error.Message.Contains("once its aliases are resolved", StringComparison.Ordinal));
        var tests = Path.Combine(Path.GetTempPath(), $"rulesgate-bomb-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(tests, "apiVersion: rulesgate/v1\nkind: RuleTests\nrules: ../capital/default.yaml\n" + bomb.ToString().Replace("a0:", "cases:\n  - name: bomb\n    context:\n      a0:", StringComparison.Ordinal).Replace("\na", "\n      a", StringComparison.Ordinal));
        try
        {
            Assert.Contains(RuleTestLoader.Load(tests).Diagnostics, error => error.Message.Contains("once its aliases are resolved", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(tests);
        }


        var deep = "a: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        Assert.Contains(Compiled.Load(deep).Diagnostics, error => error.Message.Contains("nests deeper than 64", StringComparison.Ordinal));
    }
}
