namespace RulesGate.Core.Rules;

/// <summary>Where rule files are: every <c>*.yaml</c> below a folder, except rule tests (in folders named <c>tests</c>, or of <c>kind: RuleTests</c>).</summary>
public static partial class RuleFiles
{
    public static IReadOnlyList<string> Under(string path) =>
        File.Exists(path)
            ? [path]
            : [.. Directory.EnumerateFiles(path, "*.yaml", SearchOption.AllDirectories)
                .Where(file => !IsTest(Path.GetRelativePath(path, file)) && !DeclaresTests(file))
                .Order(StringComparer.Ordinal)];

    /// <summary>
    /// Every rule-test file below a folder (whatever the folder is called, with or without a trailing slash): the
    /// <c>*.yaml</c> files in a folder named <c>tests</c> and those that declare <c>kind: RuleTests</c>; or the file itself.
    /// </summary>
    public static IReadOnlyList<string> Tests(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        var folder = Path.TrimEndingDirectorySeparator(path);
        return [.. Directory.EnumerateFiles(folder, "*.yaml", SearchOption.AllDirectories)
            .Where(file => IsTest(Path.GetRelativePath(folder, file)) || InTests(file) || DeclaresTests(file))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Whether a file named on its own is a rule test: it sits in a folder named <c>tests</c>, or says it is one.</summary>
    public static bool InTests(string file) => Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file))) == "tests" || DeclaresTests(file);

    /// <summary>Whether the file says at the top level, in its first 16 KB, that it holds rule tests; a peek at its text, the loader judges the rest.</summary>
    private static bool DeclaresTests(string file) =>
        System.Text.Encoding.UTF8.GetString(InputFile.ReadAtMost(file, 16 << 10)).Split('\n').Any(line => TestKind().IsMatch(line.TrimEnd('\r')));

    [System.Text.RegularExpressions.GeneratedRegex("""^kind:\s*["']?RuleTests["']?\s*(#.*)?$""")]
    private static partial System.Text.RegularExpressions.Regex TestKind();

    private static bool IsTest(string relative) =>
        relative.Split(Path.DirectorySeparatorChar).SkipLast(1).Contains("tests", StringComparer.Ordinal);
}
