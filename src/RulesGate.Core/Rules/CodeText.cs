using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;

namespace RulesGate.Core.Rules;

/// <summary>
/// The one boundary between the text of a rule file and generated C#. Apart from expressions (which must parse
/// alone as exactly one expression), every piece of a file that reaches generated code passes one of these,
/// each admitting only its own grammar: identifiers, a message hole's alignment and format, and text written
/// as a string literal with every character outside printable ASCII escaped. The loader uses the same grammar
/// to report a mistake at its line; the generator uses it again and refuses to write anything else.
/// </summary>
internal static partial class CodeText
{
    /// <summary>An alignment, then a format: <c>,-8:F2</c>; each optional.</summary>
    [GeneratedRegex(@"^(?<align>,[ ]*[+-]?[0-9]{1,3}[ ]*)?(?<format>:[A-Za-z0-9#.,%;:/+\- ']{1,32})?\z")]
    private static partial Regex HoleSuffix();

    [GeneratedRegex("[0-9]{3}")]
    private static partial Regex LongNumber();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,127}\z")]
    private static partial Regex IdentifierPattern();

    /// <summary>Whether <paramref name="suffix"/> (the text after a hole's expression) is an alignment and format RulesGate admits.</summary>
    public static bool IsHoleSuffix(string suffix) => HoleSuffix().IsMatch(suffix) && !LongNumber().IsMatch(suffix);

    public static bool IsIdentifier(string name) =>
        IdentifierPattern().IsMatch(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None;

    /// <summary><paramref name="name"/> as a C# identifier.</summary>
    /// <exception cref="InvalidOperationException">It is not one: the loader let something through it should not have.</exception>
    public static string Identifier(string name) =>
        IsIdentifier(name) ? name : throw Refused("identifier", name);

    /// <summary>A hole's alignment and format, checked again.</summary>
    public static string HoleSuffixOf(string suffix) =>
        IsHoleSuffix(suffix) ? suffix : throw Refused("message format", suffix);

    /// <summary>A C# string literal holding <paramref name="value"/>, quotes included.</summary>
    public static string StringLiteral(string value) => "\"" + Escaped(value, braces: false) + "\"";

    /// <summary>Text inside an interpolated string literal: braces doubled, everything else escaped as in <see cref="StringLiteral"/>.</summary>
    public static string InterpolatedText(string value) => Escaped(value, braces: true);

    private static string Escaped(string value, bool braces)
    {
        var text = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case '{' when braces:
                    text.Append("{{");
                    break;
                case '}' when braces:
                    text.Append("}}");
                    break;
                case '"' or '\\':
                    text.Append('\\').Append(c);
                    break;
                case >= ' ' and <= '~':
                    text.Append(c);
                    break;
                default:
                    // Line and paragraph separators end a line in C#; nothing outside printable ASCII is written as itself.
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
            }
        }

        return text.ToString();
    }

    private static InvalidOperationException Refused(string what, string text) =>
        new($"Refused to write '{text}' into generated code: it is not a valid {what}.");
}
