using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Journal;

namespace RulesGate.Core.Tests.Journal;

public sealed class RunClockTests
{
    private static readonly DateTimeOffset Machine = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static RunClock Clock() => new(new FakeTimeProvider(Machine));

    [Fact]
    public void Settle_NoTimeGiven_IsTheMachinesClockForEveryRead()
    {
        var clock = Clock();

        var at = clock.Settle(null, Machine.AddDays(-1), "--now");

        Assert.Equal(Machine, at);
        Assert.Equal(Machine, clock.GetUtcNow());
    }

    [Fact]
    public void Settle_TimeBetweenTheLastEventAndTheClock_IsKeptForTheWholeRun()
    {
        var clock = Clock();
        var given = Machine.AddHours(-3);

        Assert.Equal(given, clock.Settle(given, Machine.AddDays(-1), "--now"));
        Assert.Equal(given, clock.GetUtcNow());
        Assert.Equal(given, clock.GetUtcNow());
    }

    [Theory]
    [InlineData(6)]
    [InlineData(24 * 365 * 73)]
    public void Settle_TimeLaterThanTheClock_IsRefused(int hours)
    {
        var error = Assert.Throws<FormatException>(() => Clock().Settle(Machine.AddHours(hours), null, "--now"));

        Assert.Contains("is later than this machine's clock (2026-12-06T12:00:00.0000000Z)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settle_WithinTheSkew_IsAccepted()
    {
        Assert.Equal(Machine.AddMinutes(4), Clock().Settle(Machine.AddMinutes(4), null, "--now"));
    }

    [Fact]
    public void Settle_TimeBeforeTheJournalsLastEvent_IsRefused()
    {
        var error = Assert.Throws<FormatException>(() => Clock().Settle(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), Machine.AddDays(-1), "--now"));

        Assert.StartsWith("--now 2020-01-01T00:00:00.0000000Z is earlier than the journal's last event (2026-12-05T12:00:00.0000000Z)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settle_ClockBehindTheJournal_KeepsTheJournalsTime()
    {
        Assert.Equal(Machine.AddHours(1), Clock().Settle(null, Machine.AddHours(1), "--now"));
    }
}
