namespace RulesGate.Core.Rules;

/// <summary>Where rule files are: every <c>*.yaml</c> below a folder, except rule tests (folders named <c>tests</c>).</summary>
public static class RuleFiles
{
    public static IReadOnlyList<string> Under(string path) =>
        File.Exists(path)
            ? [path]
            : [.. Directory.EnumerateFiles(path, "*.yaml", SearchOption.AllDirectories)
                .Where(file => !IsTest(Path.GetRelativePath(path, file)))
                .Order(StringComparer.Ordinal)];

    /// <summary>Every rule-test file below a folder, or the file itself.</summary>
    public static IReadOnlyList<string> Tests(string path) =>
        File.Exists(path)
            ? [path]
            : [.. Directory.EnumerateFiles(path, "*.yaml", SearchOption.AllDirectories)
                .Where(file => IsTest(Path.GetRelativePath(path, file)) || Path.GetFileName(path) == "tests")
                .Order(StringComparer.Ordinal)];

    private static bool IsTest(string relative) =>
        relative.Split(Path.DirectorySeparatorChar).SkipLast(1).Contains("tests", StringComparer.Ordinal);
}
