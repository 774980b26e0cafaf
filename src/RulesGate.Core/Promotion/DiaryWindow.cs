namespace RulesGate.Core.Promotion;

/// <summary>Which diary entries count: those recorded in (<see cref="From"/>, <see cref="To"/>]; null ends are open.</summary>
public sealed record DiaryWindow(DateTimeOffset? From, DateTimeOffset? To)
{
    public static DiaryWindow All { get; } = new(null, null);

    /// <summary><c>--hours N</c> and <c>--as-of T</c>: the N hours up to T (T defaults to <paramref name="now"/>); entries up to T without hours.</summary>
    public static DiaryWindow Of(double? hours, DateTimeOffset? asOf, DateTimeOffset now)
    {
        if (hours is <= 0 || hours is { } h && !double.IsFinite(h))
        {
            throw new FormatException("--hours must be a number of hours > 0.");
        }

        var to = asOf ?? (hours is null ? null : now);
        return new DiaryWindow(hours is { } span ? to!.Value.AddHours(-span) : null, to);
    }
}
