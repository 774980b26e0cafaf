using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;

namespace RulesGate.Server.Console;

/// <summary>
/// Markup that is safe to send: made only by <see cref="Of"/>, whose interpolation holes are HTML-encoded unless
/// they are <see cref="Html"/> themselves. No text from a request, the journal or a file reaches a page unencoded.
/// </summary>
public readonly struct Html
{
    private readonly string? value;

    private Html(string value) => this.value = value;

    public static Html Empty => default;

    /// <summary>Markup from an interpolated string: literal parts as written, every hole encoded (numbers in the invariant culture).</summary>
    public static Html Of(ref Builder markup) => new(markup.Text());

    /// <summary>Markup already made, joined.</summary>
    public static Html Join(IEnumerable<Html> parts) => new(string.Concat(parts.Select(part => part.value)));

    /// <summary>A trusted literal of this program's own (styles, scripts it serves): never data.</summary>
    internal static Html Trusted(string literal) => new(literal);

    public override string ToString() => value ?? "";

    [InterpolatedStringHandler]
    public ref struct Builder
    {
        private readonly StringBuilder text;

        public Builder(int literalLength, int formattedCount) => text = new StringBuilder(literalLength + (16 * formattedCount));

        public readonly void AppendLiteral(string literal) => text.Append(literal);

        public readonly void AppendFormatted(Html markup) => text.Append(markup.value);

        public readonly void AppendFormatted(IEnumerable<Html> markup)
        {
            foreach (var part in markup)
            {
                text.Append(part.value);
            }
        }

        public readonly void AppendFormatted(string? value) => text.Append(WebUtility.HtmlEncode(value));

        /// <summary>Anything else, as text (numbers and times in the invariant culture), encoded. Not generic, so a list of <see cref="Html"/> can never be taken for text.</summary>
        public readonly void AppendFormatted(object? value, string? format = null) =>
            text.Append(WebUtility.HtmlEncode(value is IFormattable formattable ? formattable.ToString(format, CultureInfo.InvariantCulture) : value?.ToString()));

        internal readonly string Text() => text.ToString();
    }
}
