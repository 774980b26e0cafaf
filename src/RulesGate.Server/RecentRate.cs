namespace RulesGate.Server;

/// <summary>
/// How many decisions were given in each of the last 60 seconds: the console's live chart, drawn whole from the
/// first look rather than built up poll by poll. A ring of one-second slots, each stamped with its second.
/// </summary>
public sealed class RecentRate(TimeProvider time)
{
    public const int Seconds = 60;

    private readonly long[] stamps = new long[Seconds];
    private readonly long[] counts = new long[Seconds];
    private readonly Lock gate = new();

    public void Count()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(now % Seconds);
        lock (gate)
        {
            if (stamps[slot] != now)
            {
                (stamps[slot], counts[slot]) = (now, 0);
            }

            counts[slot]++;
        }
    }

    /// <summary>The counts of the last 60 whole seconds and the current one, oldest first; a second without a decision is 0.</summary>
    public IReadOnlyList<long> LastMinute()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var minute = new long[Seconds];
        lock (gate)
        {
            for (var i = 0; i < Seconds; i++)
            {
                var second = now - (Seconds - 1) + i;
                var slot = (int)(second % Seconds);
                minute[i] = stamps[slot] == second ? counts[slot] : 0;
            }
        }

        return minute;
    }
}
