using System.Diagnostics;
using Microsoft.Playwright;

namespace RulesGate.Server.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright, one browser for every console test: the one RULESGATE_TEST_CHROMIUM names
/// (as .ci/run sets it), else the one scripts/chromium installs when absent. Playwright never downloads a browser here.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("RULESGATE_TEST_CHROMIUM") is { Length: > 0 } given ? given : Install(),
            Headless = true,
            // This machine's network is closed: no background connections, no component updates.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright?.Dispose();
    }

    private static string Install()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RunningServer.Root, "scripts", "chromium"));
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output.Trim() : throw new InvalidOperationException($"scripts/chromium could not provide a browser (exit {process.ExitCode}): {error.Result}");
    }
}

[CollectionDefinition(nameof(Chromium))]
public sealed class ChromiumCollection : ICollectionFixture<Chromium>;
