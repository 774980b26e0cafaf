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

    /// <summary>Whether a file named on its own is a rule test: it sits in a folder named <c>tests</c>.</summary>
    public static bool InTests(string file) => Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file))) == "tests";

    private static bool IsTest(string relative) =>
        relative.Split(Path.DirectorySeparatorChar).SkipLast(1).Contains("tests", StringComparer.Ordinal);
}
