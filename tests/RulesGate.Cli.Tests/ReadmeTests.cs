using System.Text.RegularExpressions;

namespace RulesGate.Cli.Tests;

/// <summary>
/// README's examples, one by one and in order, in a fresh folder holding the shipped rules, samples, workflows and
/// templates: each command exits 0, and where README shows its output (after a <c>$ </c> line), each line shown
/// is printed (… stands for anything).
/// </summary>
public sealed partial class ReadmeTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("rulesgate-readme-").FullName;

    public ReadmeTests()
    {
        foreach (var part in new[] { "rules", "samples", "workflows", "templates" })
        {
            Copy(Path.Combine(CliTests.Root, part), Path.Combine(folder, part));
        }
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private sealed record Step(int Line, string[] Args, List<string> Shown);

    [Fact]
    public void EveryExample_RunsInOrder_AndPrintsWhatREADMEShows()
    {
        var steps = Steps(File.ReadAllLines(Path.Combine(CliTests.Root, "README.md")));
        Assert.True(steps.Count >= 14, $"only {steps.Count} runnable examples found in README");
        Assert.Contains(steps, step => step.Shown.Count > 0);

        foreach (var step in steps)
        {
            if (step.Args is ["cp", var from, var to])
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, to))!);
                File.Copy(Path.Combine(folder, from), Path.Combine(folder, to), overwrite: true);
                continue;
            }

            var (exit, output, error) = CliTests.RunIn(folder, null, step.Args);
            Assert.True(exit == 0, $"README.md:{step.Line}: rulesgate {string.Join(' ', step.Args)} exited {exit}: {error}");
            foreach (var shown in step.Shown)
            {
                var pattern = "^" + Regex.Escape(shown).Replace("…", ".*", StringComparison.Ordinal) + "$";
                Assert.True(Regex.IsMatch(output, pattern, RegexOptions.Multiline), $"README.md:{step.Line}: its output has no line like\n{shown}\nbut:\n{output}");
            }
        }
    }

    /// <summary>
    /// Every command line of a shell block, and every "$ " line of any other, in order, with the output README shows for it. A line that holds a
    /// placeholder (…, [optional], an upper-case FILE, a PostgreSQL URL) or starts the long-running demo or server is an
    /// illustration, not a step.
    /// </summary>
    private static List<Step> Steps(string[] lines)
    {
        var steps = new List<Step>();
        var fenced = false;
        var shell = false;   // a ```bash block: every command line is a step; elsewhere only a "$ " line is
        Step? showing = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                shell = fenced && line.Trim() is "```bash" or "```sh";
                showing = null;
                continue;
            }

            if (!fenced)
            {
                continue;
            }

            if (shell && CopyLine().Match(line) is { Success: true } copy)
            {
                steps.Add(new Step(i + 1, ["cp", copy.Groups["from"].Value, copy.Groups["to"].Value], []));
                continue;
            }

            var command = Command().Match(line);
            if (!command.Success || !(shell || line.StartsWith("$ ", StringComparison.Ordinal)))
            {
                showing?.Shown.Add(line);
                continue;
            }

            showing = null;
            var text = Comment().Replace(command.Groups["args"].Value, "").Trim();
            var args = Words(text);
            if (text.Contains('…') || text.Contains('[') || text.EndsWith('\\') || text.Contains("postgres://", StringComparison.Ordinal)
                || args.Any(word => Placeholder().IsMatch(word)) || args[0] is "demo" or "serve")
            {
                continue;
            }

            var step = new Step(i + 1, args, []);
            steps.Add(step);
            showing = line.StartsWith("$ ", StringComparison.Ordinal) ? step : null;
        }

        return steps;
    }

    /// <summary>Words as a shell splits them: double quotes keep spaces.</summary>
    private static string[] Words(string text) =>
        [.. Word().Matches(text).Select(match => match.Groups["quoted"].Success ? match.Groups["quoted"].Value : match.Value)];

    /// <summary>A shell line that puts a sample file in place: <c>mkdir -p DIR &amp;&amp; cp FROM TO</c>.</summary>
    [GeneratedRegex(@"^mkdir -p \S+ && cp (?<from>\S+) (?<to>\S+)(\s+#.*)?$")]
    private static partial Regex CopyLine();

    [GeneratedRegex(@"^(\$ )?(rulesgate|dotnet run --project src/RulesGate.Cli --) (?<args>.+)$")]
    private static partial Regex Command();

    [GeneratedRegex(@"\s+#\s.*$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"""(?<quoted>[^""]*)""|\S+")]
    private static partial Regex Word();

    [GeneratedRegex(@"^[A-Z][A-Z_.]+$")]
    private static partial Regex Placeholder();

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            Copy(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }
}
