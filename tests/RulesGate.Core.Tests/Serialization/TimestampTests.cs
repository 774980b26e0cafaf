using RulesGate.Core.Serialization;

namespace RulesGate.Core.Tests.Serialization;

public sealed class TimestampTests
{
    [Fact]
    public void Timestamp_IsUtcWithSevenDigits_WhateverTheOffsetOrPrecision()
    {
        Assert.Equal("2026-01-31T16:00:00.0000000Z", JsonText.Timestamp(new DateTimeOffset(2026, 1, 31, 18, 0, 0, TimeSpan.FromHours(2))));
        Assert.Equal("2026-01-31T16:00:00.1234567Z", JsonText.Timestamp(new DateTimeOffset(2026, 1, 31, 16, 0, 0, TimeSpan.Zero).AddTicks(1_234_567)));
    }

    [Fact]
    public void Timestamps_SortAsTextInTimeOrder()
    {
        var start = new DateTimeOffset(2026, 1, 31, 16, 0, 0, TimeSpan.Zero);
        var times = new[] { start.AddTicks(1), start, start.AddSeconds(1), start.AddTicks(10_000_000 - 1), start.AddMilliseconds(100) };

        Assert.Equal(times.Order().Select(JsonText.Timestamp), times.Select(JsonText.Timestamp).Order(StringComparer.Ordinal));
        Assert.Single(times.Select(time => JsonText.Timestamp(time).Length).Distinct());
    }
}
