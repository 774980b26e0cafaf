namespace RulesGate.Core.Rules;

/// <summary>What a kind's schema says of one parameter: its type, whether it may be null, and its range.</summary>
/// <param name="Type">The parameter's type.</param>
/// <param name="Nullable">Whether <c>null</c> is allowed (the rule then usually does not apply).</param>
/// <param name="Min">The smallest value allowed, if any.</param>
/// <param name="Max">The largest value allowed, if any.</param>
/// <param name="MinExclusive">Whether <paramref name="Min"/> itself is excluded.</param>
/// <param name="Description">One line for the schema and the docs.</param>
public sealed record ParamSpec(
    ParamType Type,
    bool Nullable = false,
    double? Min = null,
    double? Max = null,
    bool MinExclusive = false,
    string Description = "")
{
    internal string RangeText()
    {
        var low = Min is null ? "" : $"{(MinExclusive ? ">" : "≥")} {Min.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        var high = Max is null ? "" : $"≤ {Max.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        return (low, high) switch
        {
            ("", "") => "",
            (_, "") => low,
            ("", _) => high,
            _ => $"{low} and {high}",
        };
    }

    internal bool InRange(double value) =>
        !double.IsNaN(value)
        && (Min is not { } min || (MinExclusive ? value > min : value >= min))
        && (Max is not { } max || value <= max);
}
