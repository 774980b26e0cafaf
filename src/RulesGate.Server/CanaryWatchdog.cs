using Microsoft.Extensions.Hosting;

namespace RulesGate.Server;

/// <summary>
/// The canary's watchdog inside <c>serve</c>: a component that stops reporting is a failure once its interval
/// (<c>canary.report_every_seconds</c>) has passed, one failed check per interval missed, so a silent component raises
/// its alert (and with <c>action: kill</c> trips the kill switch) as a failing one would. It looks four times an
/// interval (at least every second, at most every 30 s); a round that fails is counted
/// (<c>rulesgate_background_failures_total{service="canary"}</c>) and tried again; none ends the process.
/// </summary>
public sealed class CanaryWatchdog(GovernanceService service, TimeProvider? time = null) : BackgroundService
{
    private static readonly TimeSpan Shortest = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    private readonly TimeProvider clock = time ?? TimeProvider.System;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await service.CanaryOverdue().ConfigureAwait(false);
                }
                catch (Exception error) when (error is not OutOfMemoryException and not OperationCanceledException)
                {
                    service.BackgroundFailed("canary");
                }

                // The policy may be reloaded with another interval (or none): read again each round.
                var wait = service.CanaryEvery is { } every ? TimeSpan.FromTicks(Math.Clamp(every.Ticks / 4, Shortest.Ticks, Longest.Ticks)) : Longest;
                await Task.Delay(wait, clock, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
