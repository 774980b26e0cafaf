namespace RulesGate.Core.Rules;

/// <summary>The text of a file with its line starts, to turn character offsets into line and column.</summary>
public sealed class SourceText
{
    private readonly int[] lineStarts;

    public SourceText(string path, string text)
    {
        Path = path;
        Text = text;
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        lineStarts = [.. starts];
    }

    public string Path { get; }

    public string Text { get; }

    public SourceLocation Locate(int index)
    {
        index = Math.Clamp(index, 0, Text.Length);
        var line = Array.BinarySearch(lineStarts, index);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return new SourceLocation(Path, line + 1, index - lineStarts[line] + 1);
    }

    public SourceLocation At(int line, int column) => new(Path, line, column);

    /// <summary>The text of a one-based line, without its line break.</summary>
    public string Line(int line)
    {
        if (line < 1 || line > lineStarts.Length)
        {
            return string.Empty;
        }

        var start = lineStarts[line - 1];
        var end = line < lineStarts.Length ? lineStarts[line] : Text.Length;
        return Text[start..end].TrimEnd('\n', '\r');
    }
}
