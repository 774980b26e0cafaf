using Microsoft.Extensions.Hosting;

namespace RulesGate.Server;

/// <summary>
/// Keeps the server's kill switch as the journal has it (<see cref="GateHost.Refresh"/>) every <see cref="Every"/>: a
/// latch set or reset by another process is seen within that, and a server made not ready by a failed write is ready
/// again once the journal's probe succeeds. A round that fails leaves the latch as last read; none ends the process.
/// </summary>
public sealed class LatchWatcher(GateHost gate) : BackgroundService
{
    /// <summary>How stale the latch may be.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!gate.HasJournal)
        {
            return;
        }

        using var timer = new PeriodicTimer(Every);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await gate.Refresh().ConfigureAwait(false);
                }
                catch (Exception error) when (error is not OutOfMemoryException and not OperationCanceledException)
                {
                    gate.Metrics.BackgroundFailed("latch");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
