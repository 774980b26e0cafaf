using System.Text;
using System.Text.RegularExpressions;

namespace RulesGate.Core.Rules;

internal static partial class Naming
{
    [GeneratedRegex(@"^[a-z][a-z0-9]*(_[a-z0-9]+)*\z")]
    public static partial Regex SnakeCase();

    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]*\z")]
    public static partial Regex PascalCase();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}\z")]
    public static partial Regex Id();

    public static string Pascal(string snake)
    {
        var text = new StringBuilder(snake.Length);
        foreach (var part in snake.Split('_', StringSplitOptions.RemoveEmptyEntries))
        {
            text.Append(char.ToUpperInvariant(part[0])).Append(part.AsSpan(1));
        }

        return text.ToString();
    }

    /// <summary>The Levenshtein distance, for "did you mean" hints.</summary>
    public static int Distance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                var cost = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + cost);
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    /// <summary>The closest candidate, when one is close enough to be a plausible typo.</summary>
    public static string? Closest(string name, IEnumerable<string> candidates) =>
        candidates
            .Select(candidate => (candidate, distance: Distance(name, candidate)))
            .Where(pair => pair.distance <= Math.Max(2, name.Length / 3) && pair.distance * 2 <= name.Length)
            .OrderBy(pair => pair.distance)
            .ThenBy(pair => pair.candidate, StringComparer.Ordinal)
            .Select(pair => pair.candidate)
            .FirstOrDefault();

    public static string OneOf(IEnumerable<string> names) => string.Join(", ", names);
}
