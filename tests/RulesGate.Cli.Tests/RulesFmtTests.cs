namespace RulesGate.Cli.Tests;

/// <summary><c>rules fmt</c>: a rule file in its canonical form, every comment kept, never a change of meaning.</summary>
public sealed class RulesFmtTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-fmt-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A capital policy with its keys out of order, a trailing space, CRLF endings and blank lines doubled.</summary>
    private const string Messy =
        "# yaml-language-server: $schema=../schema/rulesgate-v1.schema.json\r\n" +
        "kind: CapitalPolicy\r\n" +
        "apiVersion: rulesgate/v1\r\n" +
        "\r\n" +
        "\r\n" +
        "# The rules, last.\r\n" +
        "rules:\r\n" +
        "  - id: EXP-001   \r\n" +
        "    severity: HIGH\r\n" +
        "\r\n" +
        "    # why the cap\r\n" +
        "    when: Metrics.NewPositionPct > Params.Exposure.MaxPositionPct\r\n" +
        "    message: too big\r\n" +
        "metadata:\r\n" +
        "  id: fmt-test\r\n" +
        "  version: 1\r\n" +
        "\r\n" +
        "params:\r\n" +
        "  exposure: { max_position_pct: 0.10 }   # of equity\r\n";

    private const string Canonical =
        "# yaml-language-server: $schema=../schema/rulesgate-v1.schema.json\n" +
        "apiVersion: rulesgate/v1\n" +
        "kind: CapitalPolicy\n" +
        "metadata:\n" +
        "  id: fmt-test\n" +
        "  version: 1\n" +
        "\n" +
        "params:\n" +
        "  exposure: { max_position_pct: 0.10 }   # of equity\n" +
        "\n" +
        "# The rules, last.\n" +
        "rules:\n" +
        "  - id: EXP-001\n" +
        "    severity: HIGH\n" +
        "\n" +
        "    # why the cap\n" +
        "    when: Metrics.NewPositionPct > Params.Exposure.MaxPositionPct\n" +
        "    message: too big\n";

    [Fact]
    public void Fmt_OrdersTheKeys_KeepsEveryComment_AndTidiesWhitespace_ExactlyAsDocumented()
    {
        var path = Write("messy.yaml", Messy);

        var (exit, output, _) = CliTests.Run("rules", "fmt", path);

        Assert.Equal(0, exit);
        Assert.Equal(Canonical, File.ReadAllText(path));
        Assert.Contains($"formatted {path}", output, StringComparison.Ordinal);
        Assert.Contains("1 file: 1 formatted, 0 already canonical.", output, StringComparison.Ordinal);

        var again = CliTests.Run("rules", "fmt", path);    // idempotent
        Assert.Contains("1 file: 0 formatted, 1 already canonical.", again.Out, StringComparison.Ordinal);
        Assert.Equal(Canonical, File.ReadAllText(path));
    }

    [Fact]
    public void Fmt_Check_NamesTheFile_ExitsOne_AndChangesNothing()
    {
        var path = Write("messy.yaml", Messy);

        var (exit, output, _) = CliTests.Run("rules", "fmt", "--check", path);

        Assert.Equal(1, exit);
        Assert.Contains($"{path} is not in canonical form; 'rulesgate rules fmt {path}' writes it.", output, StringComparison.Ordinal);
        Assert.Equal(Messy, File.ReadAllText(path));
    }

    [Fact]
    public void Fmt_StandardInput_GoesToStandardOutput()
    {
        var (exit, output, _) = CliTests.RunWithInput(Messy, "rules", "fmt", "-");

        Assert.Equal((0, Canonical), (exit, output));
    }

    [Fact]
    public void Fmt_AFileWhoseMeaningWouldChange_IsLeftAsItIs_WithWhy()
    {
        // A literal block scalar keeps its lines' trailing spaces: trimming them would change the message.
        var text = "apiVersion: rulesgate/v1\nkind: CapitalPolicy\nmetadata: { id: x, version: 1 }\nrules:\n  - id: R-1\n    when: \"true\"\n    message: |\n      two spaces follow  \n";
        var path = Write("block.yaml", text);

        var (exit, _, error) = CliTests.Run("rules", "fmt", path);

        Assert.Equal(2, exit);
        Assert.Contains($"{path}: not formatted: its canonical form would not hold the same YAML data", error, StringComparison.Ordinal);
        Assert.Equal(text, File.ReadAllText(path));
    }

    [Fact]
    public void Fmt_TheShippedRulesAndTests_AreCanonical()
    {
        var (exit, output, _) = CliTests.Run("rules", "fmt", "--check", "rules");

        Assert.True(exit == 0, output);
        Assert.Matches(@"^\d+ files: 0 not canonical, \d+ already canonical\.$", output.Trim());
    }
}
