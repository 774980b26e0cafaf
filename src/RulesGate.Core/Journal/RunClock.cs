using System.Globalization;

namespace RulesGate.Core.Journal;

/// <summary>
/// The time one command runs at, the same for every event it writes: the machine's clock when it starts, or the
/// <c>--now</c> it was given. A given time must lie between the journal's last event and the machine's clock (with
/// <see cref="Skew"/> to spare), so a limit per day counts days that happened and the journal's times never go back.
/// </summary>
public sealed class RunClock : TimeProvider
{
    /// <summary>How far a given time may run ahead of the machine's clock: two machines' clocks differ a little.</summary>
    public static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    private static readonly AsyncLocal<TimeProvider?> MachineOverride = new();

    private readonly DateTimeOffset machine;
    private DateTimeOffset at;

    /// <param name="machine">The machine's clock, read once now.</param>
    public RunClock(TimeProvider machine)
    {
        this.machine = machine.GetUtcNow();
        at = this.machine;
    }

    /// <summary>The machine's clock: the system's. Only this project's own tests set another (<see cref="UseMachine"/>).</summary>
    public static TimeProvider Machine => MachineOverride.Value ?? System;

    public override DateTimeOffset GetUtcNow() => at;

    /// <summary>For tests: <see cref="Machine"/> is <paramref name="clock"/> in this flow until disposed.</summary>
    internal static IDisposable UseMachine(TimeProvider clock)
    {
        var previous = MachineOverride.Value;
        MachineOverride.Value = clock;
        return new Restore(() => MachineOverride.Value = previous);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary>Fixes the command's time: <paramref name="requested"/> when one was given, else the machine's clock.</summary>
    /// <param name="last">The time of the journal's last event, if it has any.</param>
    /// <param name="option">The option that gave the time, for messages (<c>--now</c>).</param>
    /// <exception cref="FormatException">The time is later than the machine's clock, or earlier than the journal's last event.</exception>
    public DateTimeOffset Settle(DateTimeOffset? requested, DateTimeOffset? last, string option)
    {
        if (requested is not { } given)
        {
            return at = last is { } latest && latest > machine ? latest : machine;
        }

        if (given > machine + Skew)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{option} {Text(given)} is later than this machine's clock ({Text(machine)}): a run cannot happen in the future. Give a time up to {Text(machine + Skew)}, or leave {option} out."));
        }

        if (last is { } previous && given < previous)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{option} {Text(given)} is earlier than the journal's last event ({Text(previous)}): the journal's time only moves forward. Give a time from {Text(previous)} on, or leave {option} out."));
        }

        return at = given;
    }

    private static string Text(DateTimeOffset time) => Serialization.JsonText.Timestamp(time);
}
