using System.Text.RegularExpressions;

namespace RulesGate.Cli.Tests;

/// <summary>
/// A user has only the repository: every link in README and docs/ resolves inside it — a file or folder that exists,
/// never a path that climbs out of the repository — and every <c>#anchor</c> names a heading of the page it points to.
/// </summary>
public sealed partial class DocsLinksTests
{
    [GeneratedRegex(@"(?<!!)\[[^\]]*\]\((?<target>[^)\s]+)\)|!\[[^\]]*\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex("```.*?```", RegexOptions.Singleline)]
    private static partial Regex Fenced();

    private static IEnumerable<string> Pages() =>
        new[] { Path.Combine(CliTests.Root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(CliTests.Root, "docs"), "*.md", SearchOption.AllDirectories));

    /// <summary>GitHub's anchor of a heading: lower case, code and emphasis marks dropped, spaces to '-', punctuation other than '-' and '_' removed.</summary>
    private static string Anchor(string title) =>
        string.Concat(title.ToLowerInvariant().Replace(' ', '-').Where(c => char.IsLetterOrDigit(c) || c is '-' or '_'));

    [Fact]
    public void EveryLink_InReadmeAndDocs_ResolvesInsideTheRepository()
    {
        var root = Path.GetFullPath(CliTests.Root);
        var broken = new List<string>();
        var links = 0;
        foreach (var page in Pages())
        {
            var text = Fenced().Replace(File.ReadAllText(page), "");
            foreach (Match link in Link().Matches(text))
            {
                var target = link.Groups["target"].Value;
                if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                links++;
                var (path, anchor) = target.IndexOf('#', StringComparison.Ordinal) is var at and >= 0 ? (target[..at], target[(at + 1)..]) : (target, null);
                var file = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(path)));
                var where = $"{Path.GetRelativePath(root, page)}: ({target})";
                if (!file.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    broken.Add($"{where} leads outside the repository; copy what it needs into docs/");
                }
                else if (!File.Exists(file) && !Directory.Exists(file))
                {
                    broken.Add($"{where} names nothing");
                }
                else if (anchor is not null && file.EndsWith(".md", StringComparison.Ordinal)
                    && !Heading().Matches(Fenced().Replace(File.ReadAllText(file), "")).Any(heading => Anchor(heading.Groups["title"].Value) == anchor))
                {
                    broken.Add($"{where} names no heading of {Path.GetRelativePath(root, file)}");
                }
            }
        }

        Assert.True(links > 40, $"only {links} links found: the pattern no longer matches README's links");
        Assert.True(broken.Count == 0, string.Join("\n", broken));
    }

    [Fact]
    public void NoPage_NamesAPathOutsideTheRepository()
    {
        var outside = Pages().SelectMany(page => File.ReadLines(page).Select((line, i) => (page, line, i)))
            .Where(item => item.line.Contains("../shared", StringComparison.Ordinal))
            .Select(item => $"{Path.GetRelativePath(CliTests.Root, item.page)}:{item.i + 1}: {item.line.Trim()}")
            .ToList();

        Assert.True(outside.Count == 0, string.Join("\n", outside));
    }
}
