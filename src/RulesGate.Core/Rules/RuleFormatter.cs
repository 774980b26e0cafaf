using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Rules;

/// <summary>
/// The canonical form of a rule file's text, for <c>rules fmt</c>: its top-level keys in one order (apiVersion, kind,
/// metadata, mode, params, overrides, derive, rules, cases; any other key after them, as it stood), each with the
/// comment lines directly above it and the blank line before it when it had one; no blank line doubled, none at
/// either end; no trailing spaces; LF line endings and one final newline. Nothing inside a key's block moves and every comment stays, so a reader's diff shows
/// only what a person changed. The result is checked to hold the same YAML data as the text it came from; when it
/// would not (a block scalar whose lines end in spaces, say), the text is refused rather than changed.
/// </summary>
public static partial class RuleFormatter
{
    private static readonly string[] Order = ["apiVersion", "kind", "metadata", "mode", "params", "overrides", "derive", "rules", "cases"];

    /// <summary>A rule file's bytes as the loader reads them: at most the size a rule file may have (<see cref="StandardInput.Name"/> is standard input).</summary>
    /// <exception cref="FormatException">It is larger; says so.</exception>
    public static byte[] Read(string path) => InputFile.ReadAtMost(path, YamlLimits.MaxBytes);

    /// <summary>The canonical form of <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">It is not one YAML document, or its canonical form would not hold the same data; says why.</exception>
    public static string Format(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n').Select(line => line.TrimEnd(' ', '\t')).ToList();
        var header = new List<string>();
        var blocks = new List<(string Key, List<string> Lines, bool Gap)>();
        var pending = new List<string>();   // comment lines waiting for the key below them
        var gap = false;                    // a blank line before what comes next
        foreach (var line in lines)
        {
            if (line is "---" or "..." && blocks.Count > 0)
            {
                throw new FormatException("it holds a document marker after its first key; a rule file is one YAML document.");
            }

            if (TopLevelKey().Match(line) is { Success: true } key)
            {
                blocks.Add((key.Groups["key"].Value, [.. pending, line], gap));
                pending.Clear();
                gap = false;
            }
            else if (blocks.Count == 0)
            {
                // Above the first key (an editor's schema line, say): the header stays on top.
                header.Add(line);
                gap = line.Length == 0;
            }
            else if (line.StartsWith('#') && (pending.Count > 0 || gap))
            {
                // A comment at column 0 after a blank line belongs to the key that follows it.
                pending.Add(line);
            }
            else if (line.Length == 0)
            {
                // Kept inside a block only when something of the block follows it.
                if (pending.Count > 0)
                {
                    blocks[^1].Lines.AddRange(["", .. pending]);
                    pending.Clear();
                }

                gap = true;
            }
            else
            {
                blocks[^1].Lines.AddRange(gap ? ["", .. pending, line] : [.. pending, line]);
                pending.Clear();
                gap = false;
            }
        }

        var output = Squeeze(header);
        foreach (var (_, block, before) in blocks.OrderBy(block => Array.IndexOf(Order, block.Key) is var at and >= 0 ? at : Order.Length))   // stable: others keep their order
        {
            if (before && output.Count > 0)
            {
                output.Add("");
            }

            output.AddRange(Squeeze(block));
        }

        if (pending.Count > 0)
        {
            output.AddRange(["", .. Squeeze(pending)]);
        }

        var formatted = string.Join('\n', output) + "\n";
        if (!SameData(text, formatted))
        {
            throw new FormatException("its canonical form would not hold the same YAML data (a block scalar whose lines end in spaces, or text at column 0 inside a block?); it is left as it is.");
        }

        return formatted;
    }

    /// <summary>The lines without leading or trailing blank lines, and no two blank lines in a row.</summary>
    private static List<string> Squeeze(IEnumerable<string> lines)
    {
        var kept = new List<string>();
        foreach (var line in lines)
        {
            if (line.Length == 0 && (kept.Count == 0 || kept[^1].Length == 0))
            {
                continue;
            }

            kept.Add(line);
        }

        while (kept.Count > 0 && kept[^1].Length == 0)
        {
            kept.RemoveAt(kept.Count - 1);
        }

        return kept;
    }

    /// <summary>Whether the two texts hold the same YAML data: mappings compared as sets of pairs, sequences in order, scalars by value and by whether they were quoted.</summary>
    private static bool SameData(string before, string after)
    {
        var (a, b) = (new YamlStream(), new YamlStream());
        try
        {
            a.Load(new StringReader(before));
            b.Load(new StringReader(after));
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return false;
        }

        return a.Documents.Count == b.Documents.Count && a.Documents.Zip(b.Documents).All(pair => Same(pair.First.RootNode, pair.Second.RootNode));
    }

    private static bool Same(YamlNode a, YamlNode b) => (a, b) switch
    {
        (YamlScalarNode x, YamlScalarNode y) => x.Value == y.Value && (x.Style == YamlDotNet.Core.ScalarStyle.Plain) == (y.Style == YamlDotNet.Core.ScalarStyle.Plain) && x.Tag == y.Tag,
        (YamlSequenceNode x, YamlSequenceNode y) => x.Children.Count == y.Children.Count && x.Children.Zip(y.Children).All(pair => Same(pair.First, pair.Second)),
        (YamlMappingNode x, YamlMappingNode y) => x.Children.Count == y.Children.Count
            && x.Children.All(pair => y.Children.Any(other => Same(pair.Key, other.Key) && Same(pair.Value, other.Value))),
        _ => false,
    };

    [GeneratedRegex(@"^(?<key>[A-Za-z_][A-Za-z0-9_-]*)\s*:(\s|$)")]
    private static partial Regex TopLevelKey();
}
