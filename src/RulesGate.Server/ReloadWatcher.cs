using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace RulesGate.Server;

/// <summary>
/// Reloads the rule files and workflows when one changes (<see cref="HotReload"/>), once they have been quiet for
/// <paramref name="quiet"/>, so a file saved in several writes is judged whole. The folders are watched from the moment
/// the server has started (the watchers are made before it answers); a reload that fails to run is counted
/// (<c>rulesgate_background_failures_total{service="reload"}</c>) and tried at the next change; none ends the process.
/// </summary>
public sealed class ReloadWatcher(HotReload reload, TimeSpan quiet, GateHost? gate = null) : BackgroundService
{
    private readonly Channel<bool> changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly List<FileSystemWatcher> watchers = [];

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var folder in reload.Folders())
        {
            var watcher = new FileSystemWatcher(folder) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size };
            watcher.Changed += (_, _) => changes.Writer.TryWrite(true);
            watcher.Created += (_, _) => changes.Writer.TryWrite(true);
            watcher.Deleted += (_, _) => changes.Writer.TryWrite(true);
            watcher.Renamed += (_, _) => changes.Writer.TryWrite(true);
            watcher.EnableRaisingEvents = true;
            watchers.Add(watcher);
        }

        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        foreach (var watcher in watchers)
        {
            watcher.Dispose();
        }

        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await changes.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await Quiet(stoppingToken).ConfigureAwait(false);
                try
                {
                    await reload.ReloadAndTell().ConfigureAwait(false);
                }
                catch (Exception error) when (error is not OutOfMemoryException and not OperationCanceledException)
                {
                    gate?.Metrics.BackgroundFailed("reload");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Returns once no change has come for the whole quiet time: each change starts it again.</summary>
    private async Task Quiet(CancellationToken stoppingToken)
    {
        while (true)
        {
            changes.Reader.TryRead(out _);
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            waiting.CancelAfter(quiet);
            try
            {
                await changes.Reader.WaitToReadAsync(waiting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
