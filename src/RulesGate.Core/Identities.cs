using System.Globalization;
using System.Text;

namespace RulesGate.Core;

/// <summary>
/// The one place every identity RulesGate compares is checked and normalized: Unicode NFKC, trimmed, no control or
/// format characters (zero-width spaces included), not empty. Actors, roles and approvals are names and compare
/// case-insensitively, so they are also lower-cased; policy, strategy, instance and entry ids keep their case.
/// </summary>
public static class Identities
{
    /// <summary>An id: NFKC, trimmed, visible, not empty; its case kept.</summary>
    /// <exception cref="FormatException">It is empty or holds an invisible character; names <paramref name="what"/>.</exception>
    public static string Id(string? value, string what)
    {
        var text = (value ?? "").Normalize(NormalizationForm.FormKC).Trim();
        if (text.Length == 0)
        {
            throw new FormatException($"The {what} is empty; write a name.");
        }

        foreach (var rune in text.EnumerateRunes())
        {
            if (Invisible(rune))
            {
                throw new FormatException($"The {what} '{Visible(text)}' holds an invisible character (U+{rune.Value.ToString("X4", CultureInfo.InvariantCulture)}); write it with visible characters only.");
            }
        }

        return text;
    }

    /// <summary>A name (an actor, a role, an approval): an <see cref="Id"/>, lower-cased, so that RISK and risk are one.</summary>
    public static string Name(string? value, string what) => Id(value, what).ToLowerInvariant();

    /// <summary>Free text that attributes an action (a reason): trimmed, and at least one visible character.</summary>
    /// <exception cref="FormatException">It is empty or invisible; names <paramref name="what"/>.</exception>
    public static string Text(string? value, string what)
    {
        var text = (value ?? "").Trim();
        if (!text.EnumerateRunes().Any(rune => !Rune.IsWhiteSpace(rune) && !Invisible(rune)))
        {
            throw new FormatException($"The {what} is empty or invisible; say it in words.");
        }

        return text;
    }

    /// <summary>Text as one line shows it: invisible characters as <c>\uXXXX</c>.</summary>
    internal static string Visible(string text) =>
        string.Concat(text.EnumerateRunes().Select(rune => Invisible(rune) ? $"\\u{rune.Value.ToString("X4", CultureInfo.InvariantCulture)}" : rune.ToString()));

    private static bool Invisible(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>
    /// The error for <paramref name="given"/>, a <paramref name="what"/> that is not among <paramref name="known"/>: with the
    /// closest known one when it is a plausible typo, else the known ones (the first ten), else that there is none yet.
    /// </summary>
    public static FormatException Unknown(string what, string given, IReadOnlyCollection<string> known) =>
        new(known.Count == 0 ? $"There is no {what} '{given}': the journal has none yet."
            : Rules.Naming.Closest(given, known) is { } guess ? $"There is no {what} '{given}'; did you mean '{guess}'?"
            : $"There is no {what} '{given}'; the journal has {Rules.Naming.OneOf(known.Take(10))}{(known.Count > 10 ? ", …" : "")}.");
}
