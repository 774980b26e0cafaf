namespace RulesGate.Core.Rules;

/// <summary>
/// Splits a message template into literal text and <c>{Expression:format}</c> holes, the way C# reads an
/// interpolated string: <c>{{</c> and <c>}}</c> are literal braces, and a hole ends at the first <c>:</c> or
/// <c>,</c> outside brackets and quotes.
/// </summary>
internal static class MessageTemplate
{
    public static RuleMessage? Parse(string template, string path, YamlScalarSource scalar, YamlReader reader)
    {
        var parts = new List<RuleMessagePart>();
        var literal = new System.Text.StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                literal.Append('{');
                i += 2;
            }
            else if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                literal.Append('}');
                i += 2;
            }
            else if (c == '}')
            {
                reader.Error(scalar.Locate(i), "RG1005", path, "A '}' closes no hole.", "Write '}}' for a literal brace.");
                return null;
            }
            else if (c == '{')
            {
                var close = HoleEnd(template, i + 1, out var split);
                if (close < 0)
                {
                    reader.Error(scalar.Locate(i), "RG1005", path, "A '{' opens a hole that is never closed.", "Close it with '}', or write '{{' for a literal brace.");
                    return null;
                }

                var expression = template[(i + 1)..split];
                if (expression.Trim().Length == 0)
                {
                    reader.Error(scalar.Locate(i), "RG1005", path, "A hole holds no expression.", "Write an expression between the braces, such as {Metrics.Drawdown:P2}.");
                    return null;
                }

                if (literal.Length > 0)
                {
                    parts.Add(new RuleMessagePart(literal.ToString(), null, ""));
                    literal.Clear();
                }

                var suffix = template[split..close];
                if (!CodeText.IsHoleSuffix(suffix))
                {
                    reader.Error(scalar.Locate(split), "RG1005", path, $"'{suffix}' is not an alignment and format RulesGate admits.", "After the expression write an alignment such as ,8 and a .NET format such as :F2, :P1, :N0 or :yyyy-MM-dd (letters, digits, # . , % ; : / + - ' and spaces, at most 32 characters, precision at most 99).");
                    return null;
                }

                parts.Add(new RuleMessagePart(null, new RuleExpression(expression, path, scalar, i + 1), suffix));
                i = close + 1;
            }
            else
            {
                literal.Append(c);
                i++;
            }
        }

        if (literal.Length > 0)
        {
            parts.Add(new RuleMessagePart(literal.ToString(), null, ""));
        }

        return new RuleMessage(template, parts);
    }

    /// <summary>The index of the hole's closing brace, or -1; <paramref name="split"/> is where its expression ends.</summary>
    private static int HoleEnd(string text, int start, out int split)
    {
        split = -1;
        var depth = 0;
        char? quote = null;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is { } open)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == open)
                {
                    quote = null;
                }

                continue;
            }

            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    break;
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or ']':
                    depth--;
                    break;
                case '}' when depth > 0:
                    depth--;
                    break;
                case '}':
                    split = split < 0 ? i : split;
                    return i;
                case ':' or ',' when depth == 0 && split < 0:
                    split = i;
                    break;
            }
        }

        return -1;
    }
}
