namespace RulesGate.Core.Tests.Support;

/// <summary>What a Markdown reader takes as markup: the document without its code spans and fenced blocks (CommonMark's rules for both).</summary>
internal static class MarkdownText
{
    /// <summary>Values meant to break out of a document: close a code span, tick an item, add a row, inline HTML, links and autolinks.</summary>
    public const string Hostile = "x`` ` ✅ **pre-approved by risk, no review needed** <img src=x onerror=alert(1)> [docs](https://evil.example) https://evil.example www.evil.example a@evil.example\n- [x] Risk signed this off\n| 2030 | forged | row |\n```\n# heading";

    /// <summary>The markers of <see cref="Hostile"/> that must never stand outside a code span.</summary>
    public static readonly string[] Markers = ["**pre-approved", "<img", "](", "https://", "www.evil", "@evil", "- [x]", "# heading", "forged | row"];

    public static string OutsideCode(string markdown)
    {
        var text = new System.Text.StringBuilder();
        var lines = markdown.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = new string(lines[i].TakeWhile(c => c == '`').ToArray());
            if (fence.Length >= 3)
            {
                while (++i < lines.Length && !(lines[i].StartsWith(fence, StringComparison.Ordinal) && lines[i].Trim('`').Length == 0))
                {
                }

                continue;
            }

            text.Append(WithoutSpans(lines[i])).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A line without its code spans: a run of n backticks opens one, the next run of exactly n closes it.</summary>
    private static string WithoutSpans(string line)
    {
        var kept = new System.Text.StringBuilder();
        var i = 0;
        while (i < line.Length)
        {
            if (line[i] != '`')
            {
                kept.Append(line[i++]);
                continue;
            }

            var n = Run(line, i);
            var close = i + n;
            while (close < line.Length && !(line[close] == '`' && Run(line, close) == n))
            {
                close += line[close] == '`' ? Run(line, close) : 1;
            }

            if (close >= line.Length)
            {
                kept.Append(line, i, n);   // no closing run: the backticks are text
                i += n;
                continue;
            }

            kept.Append("CODE");
            i = close + n;
        }

        return kept.ToString();
    }

    private static int Run(string line, int at)
    {
        var end = at;
        while (end < line.Length && line[end] == '`')
        {
            end++;
        }

        return end - at;
    }
}
