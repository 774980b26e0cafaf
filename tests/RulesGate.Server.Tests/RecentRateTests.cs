using Microsoft.Extensions.Time.Testing;

namespace RulesGate.Server.Tests;

public sealed class RecentRateTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void LastMinute_HoldsEachSecondsCount_OldestFirst_AndForgetsWhatIsOlder()
    {
        var rate = new RecentRate(clock);
        rate.Count();
        rate.Count();
        clock.Advance(TimeSpan.FromSeconds(3));
        rate.Count();

        var minute = rate.LastMinute();
        Assert.Equal(RecentRate.Seconds, minute.Count);
        Assert.Equal([2L, 0, 0, 1], minute.Skip(56));
        Assert.Equal(3, minute.Sum());

        // A minute later the first two have left the window; the slot they used counts afresh.
        clock.Advance(TimeSpan.FromSeconds(58));
        rate.Count();
        minute = rate.LastMinute();
        Assert.Equal(2, minute.Sum());
        Assert.Equal(1, minute[^1]);
        Assert.Equal(1, minute[^59]);
    }
}
