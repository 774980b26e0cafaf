using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace RulesGate.Core.Rules;

/// <summary>
/// The bounds every YAML file RulesGate reads must keep, checked on the parser's event stream (which is
/// iterative) before a node tree is built (which recurses): size, nesting depth, and the number of nodes once
/// every alias is expanded, so neither a deep file nor an alias bomb can exhaust the stack or memory.
/// </summary>
internal static class YamlLimits
{
    public const int MaxBytes = 1 << 20;
    public const int MaxDepth = 64;
    public const long MaxExpandedNodes = 200_000;

    /// <summary>The first bound <paramref name="text"/> breaks, with where; null when it keeps them all (or is not YAML, which the parser reports).</summary>
    public static (Mark Where, string Message, string Hint)? Check(string text)
    {
        if (text.Length > MaxBytes || System.Text.Encoding.UTF8.GetByteCount(text) > MaxBytes)
        {
            return (Mark.Empty, $"The file is larger than {MaxBytes / 1024} KB.", "Split it into several files.");
        }

        var parser = new Parser(new StringReader(text));
        var expanded = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new Stack<(string? Anchor, long Start)>();
        long total = 0;
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case AnchorAlias alias:
                        total += expanded.GetValueOrDefault(alias.Value.Value, 1);
                        break;
                    case Scalar scalar:
                        total++;
                        if (!scalar.Anchor.IsEmpty)
                        {
                            expanded[scalar.Anchor.Value] = 1;
                        }

                        break;
                    case NodeEvent start when start is MappingStart or SequenceStart:
                        total++;
                        open.Push((start.Anchor.IsEmpty ? null : start.Anchor.Value, total));
                        if (open.Count > MaxDepth)
                        {
                            return (start.Start, $"The file nests deeper than {MaxDepth} levels.", "Flatten the structure.");
                        }

                        break;
                    case MappingEnd or SequenceEnd:
                        var (anchor, first) = open.Pop();
                        if (anchor is not null)
                        {
                            expanded[anchor] = total - first + 1;
                        }

                        break;
                }

                if (total > MaxExpandedNodes)
                {
                    return (parser.Current!.Start, $"The file expands to more than {MaxExpandedNodes} nodes once its aliases are resolved.", "Write the values out, or use fewer nested aliases.");
                }
            }
        }
        catch (YamlException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up on some malformed input (a flow sequence broken across lines) without a YamlException.
            var at = parser.Current?.End ?? Mark.Empty;
            return (at, "Not valid YAML after this point: the parser could not read on.", "Check the brackets and quotes from here: a [ or { must be closed, and a value that spans lines must be quoted.");
        }

        return null;
    }
}
