using System.Globalization;

namespace RulesGate.Core.Application;

/// <summary>
/// Numbers as a trading desk writes them, in the invariant culture, for every place people read them (the journal's
/// lines, rule explanations, blockers, the console): quantities as traded, ratios as percentages.
/// </summary>
public static class DeskNumbers
{
    /// <summary>A quantity as traded: whole lots without decimals, fractions to eight places at most (<c>1,500.5</c>).</summary>
    public static string Quantity(double qty) => qty.ToString("#,0.########", CultureInfo.InvariantCulture);

    /// <summary>A ratio as a percentage, to <paramref name="decimals"/> places at most: <c>0.1118</c> → "11.2%" (one place), "11.18%" (two).</summary>
    public static string Percent(double ratio, int decimals = 1) =>
        (ratio * 100).ToString("#,0." + new string('#', Math.Clamp(decimals, 0, 6)), CultureInfo.InvariantCulture) + "%";
}
