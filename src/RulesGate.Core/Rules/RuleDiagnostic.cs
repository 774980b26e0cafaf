using System.Globalization;
using System.Text;

namespace RulesGate.Core.Rules;

/// <summary>
/// Something wrong with a rule file: where (file:line:col and the YAML key path), what, and what to write instead.
/// </summary>
/// <param name="Code">A stable code, <c>RG1xxx</c> for format errors, <c>RG2xxx</c> for expressions, <c>RG3xxx</c> for the sandbox, <c>CSxxxx</c> for C# compile errors.</param>
/// <param name="Location">Where in the file.</param>
/// <param name="KeyPath">The YAML key path, such as <c>rules[2].when</c>; empty for the whole file.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Hint">What to write instead; empty when there is nothing useful to say.</param>
/// <param name="LineText">The source line, for caret display.</param>
/// <param name="Length">How many characters to underline.</param>
public sealed record RuleDiagnostic(
    string Code,
    SourceLocation Location,
    string KeyPath,
    string Message,
    string Hint,
    string LineText,
    int Length = 1)
{
    /// <summary>Problems as an author reads them: file by file, in the order the files first appear, and down each file.</summary>
    public static IReadOnlyList<RuleDiagnostic> InFileOrder(IEnumerable<RuleDiagnostic> diagnostics)
    {
        var all = diagnostics.ToList();
        var files = all.Select(problem => problem.Location.File).Distinct(StringComparer.Ordinal).ToList();
        return [.. all.OrderBy(problem => files.IndexOf(problem.Location.File)).ThenBy(problem => problem.Location.Line).ThenBy(problem => problem.Location.Column)];
    }

    /// <summary>One line: <c>file:line:col: error CODE: [path] message. hint</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Location}: error {Code}: ");
        if (KeyPath.Length > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{KeyPath}: ");
        }

        text.Append(Message);
        if (Hint.Length > 0)
        {
            text.Append(' ').Append(Hint);
        }

        return text.ToString();
    }

    /// <summary>The one-line form followed by the source line and a caret under the offending text.</summary>
    public string ToCaretString()
    {
        var text = new StringBuilder(ToString()).Append('\n');
        if (LineText.Length == 0)
        {
            return text.ToString();
        }

        var gutter = Location.Line.ToString(CultureInfo.InvariantCulture);
        var pad = new string(' ', gutter.Length);
        text.Append(CultureInfo.InvariantCulture, $" {gutter} | {LineText}\n");
        var column = Math.Clamp(Location.Column, 1, LineText.Length + 1);
        var width = Math.Clamp(Length, 1, Math.Max(1, LineText.Length - column + 1));
        text.Append(CultureInfo.InvariantCulture, $" {pad} | {new string(' ', column - 1)}{new string('^', width)}\n");
        return text.ToString();
    }

    /// <summary>The longest source line shown under a diagnostic; a longer one (a hostile file may hold a line of a megabyte) is not shown.</summary>
    private const int MaxLineText = 240;

    internal static RuleDiagnostic At(SourceText source, int line, int column, string code, string keyPath, string message, string hint = "", int length = 1) =>
        At(source.At(line, column), source, code, keyPath, message, hint, length);

    internal static RuleDiagnostic At(SourceLocation location, SourceText source, string code, string keyPath, string message, string hint = "", int length = 1) =>
        new(code, location, keyPath, message, hint, source.Line(location.Line) is { Length: <= MaxLineText } line ? line : "", length);
}
