namespace RulesGate.Cli.Tests;

/// <summary><c>rules delta</c> and <c>promote --policy-delta</c>: a policy delta becomes the candidate rule file it describes.</summary>
public sealed class RulesDeltaTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-delta-").FullName;

    private static string Default => Path.Combine(CliTests.Root, "rules", "capital", "default.yaml");

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Delta(string json)
    {
        var path = Path.Combine(folder, "delta.json");
        File.WriteAllText(path, json.Replace("DEFAULT", Default.Replace("\\", "\\\\", StringComparison.Ordinal), StringComparison.Ordinal));
        return path;
    }

    [Fact]
    public void Delta_WritesItsParametersInPlace_RaisesTheVersion_AndKeepsEveryOtherByte()
    {
        var candidate = Path.Combine(folder, "candidate.yaml");

        var (exit, output, _) = CliTests.Run("rules", "delta", Delta("""{"rules_file": "DEFAULT", "set": {"exposure.max_position_pct": 0.05, "kill_switch.trip_after_n_violations": 5}}"""), "--out", candidate);

        Assert.Equal(0, exit);
        Assert.StartsWith($"wrote the candidate capital-default@2#", output, StringComparison.Ordinal);
        Assert.Contains($"rulesgate rules diff {Default} {candidate}", output, StringComparison.Ordinal);
        var before = File.ReadAllLines(Default);
        var after = File.ReadAllLines(candidate);
        Assert.Equal(before.Length, after.Length);
        var changed = before.Zip(after).Where(pair => pair.First != pair.Second).ToList();
        Assert.Equal(
            [
                ("  version: 1", "  version: 2"),
                ("    max_position_pct: 0.10        # of equity, per symbol, long or short", "    max_position_pct: 0.05        # of equity, per symbol, long or short"),
                ("    trip_after_n_violations: null", "    trip_after_n_violations: 5"),
            ],
            changed);
        Assert.Equal(0, CliTests.Run("rules", "check", candidate).Exit);
    }

    [Theory]
    [InlineData("""{"rules_file": "DEFAULT", "set": {"exposure.max_positon_pct": 0.05}}""", "set.exposure.max_positon_pct: ", "did you mean exposure.max_position_pct?")]
    [InlineData("""{"rules_file": "DEFAULT", "set": {"exposure.max_position_pct": 7}}""", "does not compile", "7 is out of range")]
    [InlineData("""{"rules_file": "DEFAULT", "set": {}}""", "set: required", "at least one parameter")]
    [InlineData("""{"set": {"exposure.max_position_pct": 0.05}}""", "rules_file: required", "rules/capital/default.yaml")]
    [InlineData("""{"rules_file": "DEFAULT", "set": {"exposure": {"max_position_pct": 0.05}}}""", "set.exposure: a parameter is set to a number", "not object")]
    public void Delta_ThatDoesNotApply_WritesNothing_AndSaysWhy(string json, string named, string hint)
    {
        var candidate = Path.Combine(folder, "candidate.yaml");

        var (exit, output, error) = CliTests.Run("rules", "delta", Delta(json), "--out", candidate);

        Assert.Equal((2, ""), (exit, output));
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.Contains(hint, error, StringComparison.Ordinal);
        Assert.False(File.Exists(candidate));
    }

    [Fact]
    public void Promote_WithADeltaThatDoesNotApply_RecordsNothing()
    {
        var journal = Path.Combine(folder, "journal.db");
        Assert.Equal(0, CliTests.Run("journal", "init", "--journal", journal).Exit);

        var (exit, _, error) = CliTests.Run("promote", "--journal", journal, "--log", Path.Combine(folder, "log"), "--policy-id", "alpha", "--stage", "paper", "--approval", "risk",
            "--policy-delta", Delta("""{"rules_file": "DEFAULT", "set": {"exposure.max_positon_pct": 0.05}}"""));

        Assert.Equal(2, exit);
        Assert.Contains("did you mean exposure.max_position_pct?", error, StringComparison.Ordinal);
        Assert.Contains("The ledger has no records yet.", CliTests.Run("ledger", "show", "--journal", journal).Out, StringComparison.Ordinal);
    }
}
