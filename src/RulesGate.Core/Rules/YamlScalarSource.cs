using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Rules;

/// <summary>
/// Maps a character offset in a YAML scalar's value back to the file. Quoting, escapes, folding and block
/// indentation make the value differ from the raw text, so the two are walked side by side.
/// </summary>
public sealed class YamlScalarSource
{
    private readonly SourceText source;
    private readonly int rawStart;
    private readonly int rawEnd;
    private readonly string value;

    internal YamlScalarSource(SourceText source, YamlScalarNode node)
    {
        this.source = source;
        value = node.Value ?? string.Empty;
        rawStart = (int)node.Start.Index;
        rawEnd = (int)node.End.Index;
        if (node.Style is ScalarStyle.Literal or ScalarStyle.Folded)
        {
            // Content starts on the line after the block indicator.
            var newline = source.Text.IndexOf('\n', rawStart);
            rawStart = newline < 0 ? rawEnd : newline + 1;
        }
        else if (node.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted)
        {
            rawStart++;
        }
    }

    public SourceText Source => source;

    public SourceLocation Start => source.Locate(rawStart);

    public SourceLocation Locate(int offset)
    {
        var raw = source.Text;
        int i = 0, j = rawStart;
        while (i < offset && i < value.Length && j < rawEnd)
        {
            if (value[i] == raw[j] || (raw[j] == '\n' && value[i] == ' '))
            {
                i++;
            }

            j++;
        }

        // Skip indentation or escapes between the last matched character and the one asked for.
        while (i < value.Length && j < rawEnd && raw[j] != value[i] && raw[j] is ' ' or '\n' or '\r' or '\\')
        {
            j++;
        }

        return source.Locate(j);
    }
}
