using Microsoft.Extensions.Hosting;

namespace RulesGate.Server;

/// <summary>
/// The server runs the workflow clock and the effects by itself: approval timeouts, escalations and <c>after:</c>
/// timers fire when they are due, and the effects committed transitions leave (renders, notices, log lines) run
/// beside the journal's writer, never on it, with their retries. It wakes when a governance operation changed
/// something, when the next timer or retry is due, and at least every <see cref="Longest"/> (an instance another
/// node started); a failed round is counted (<c>rulesgate_background_failures_total</c>) and tried again at the
/// next wake, never ending the process.
/// </summary>
public sealed class WorkflowBackground(GovernanceService service, TimeProvider? time = null) : BackgroundService
{
    /// <summary>The longest it sleeps.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    private readonly TimeProvider clock = time ?? TimeProvider.System;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            service.Seen();
            var wait = Longest;
            try
            {
                await service.Tick().ConfigureAwait(false);
                await service.RunEffects(stoppingToken).ConfigureAwait(false);
                if (await service.NextWake().ConfigureAwait(false) is { } next)
                {
                    wait = TimeSpan.FromTicks(Math.Clamp((next - clock.GetUtcNow()).Ticks, 0, Longest.Ticks));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                // The journal is unreachable, say: counted (rulesgate_background_failures_total), and the next wake tries again.
                service.BackgroundFailed();
            }

            using var woken = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var changed = service.Changed(woken.Token).AsTask();
            var due = Task.Delay(wait, clock, woken.Token);
            await Task.WhenAny(changed, due).ConfigureAwait(false);
            await woken.CancelAsync().ConfigureAwait(false);    // the other one ends cancelled, which nobody needs to observe
        }
    }
}
