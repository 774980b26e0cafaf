namespace RulesGate.Core.Reports;

/// <summary>
/// The one way a value from an input (a name, a reason, a patch's target or value) reaches a Markdown document: as a
/// code span, inside which nothing is markup — no emphasis, no HTML, no link, no autolink — fenced with more backticks
/// than any run inside it, on one line. So a value can neither close its span, nor add a row, an item or a tick of its
/// own, nor put markup in front of the reader. Text RulesGate writes itself (headings, labels, stage names) needs none.
/// </summary>
public static class Markdown
{
    private static readonly string[] LineBreaks = ["\r\n", "\n", "\r", "\u2028", "\u2029", "\u0085"];

    /// <summary>The value as an inline code span; <c>-</c> when it is empty.</summary>
    public static string Code(string text)
    {
        var flat = string.Join(' ', text.Split(LineBreaks, StringSplitOptions.None));
        if (flat.Length == 0)
        {
            return "-";
        }

        var fence = new string('`', LongestRun(flat, '`') + 1);
        // A span's first and last space are dropped when both are there, so padding keeps a value that starts or ends with a backtick or a space whole.
        var pad = flat[0] is '`' or ' ' || flat[^1] is '`' or ' ' ? " " : "";
        return fence + pad + flat + pad + fence;
    }

    /// <summary>The value as a code span in a table cell: a '|' would end the cell even inside the span, so it is escaped.</summary>
    public static string CodeCell(string text) => Code(text).Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>A fenced block of <paramref name="text"/> (lines kept), its fence longer than any run of backticks inside.</summary>
    public static string Block(string text, string info)
    {
        var fence = new string('`', Math.Max(3, LongestRun(text, '`') + 1));
        return $"{fence}{info}\n{text.TrimEnd('\n')}\n{fence}";
    }

    private static int LongestRun(string text, char c)
    {
        int longest = 0, run = 0;
        foreach (var ch in text)
        {
            run = ch == c ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return longest;
    }
}
