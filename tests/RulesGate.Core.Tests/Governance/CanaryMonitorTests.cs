using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Governance;

/// <summary>The canary in the journal: consecutive failures counted, one alert at the threshold, the kill switch latched when the policy says kill.</summary>
public sealed class CanaryMonitorTests : IDisposable
{
    private readonly TempJournal journal = new();

    public void Dispose() => journal.Dispose();

    [Fact]
    public void ThreeFailures_TripAndLatchTheKillSwitch_UntilAnAttributedReset()
    {
        var canary = new CanaryMonitor(journal.Store, new CanaryParams(3, CanaryAction.Kill));

        canary.Report("exchange", ok: false);
        canary.Report("exchange", ok: false);
        Assert.False(GateJournal.State(journal.Store).Active);
        var (state, alert) = canary.Report("exchange", ok: false, "timeout");
        canary.Report("exchange", ok: true);

        Assert.Equal(3, state.ConsecutiveFailures);
        Assert.Equal(new CanaryAlert("exchange", 3, CanaryAction.Kill), alert);
        var latch = GateJournal.State(journal.Store);
        Assert.True(latch.Active);
        Assert.Equal("Canary: exchange failed 3 checks", latch.Cause);
        Assert.Equal(0, canary.State("exchange").ConsecutiveFailures);
        Assert.True(GateJournal.State(journal.Store).Active);     // a success resets the count, not the latch
        Assert.False(GateJournal.Reset(journal.Store, Actor.Authenticated("rhea"), "exchange back", WorkflowRoles.None).Active);
        Assert.True(JournalVerifier.Verify(journal.Store).Intact, JournalVerifier.Verify(journal.Store).Problem);
    }

    [Fact]
    public void AlertAction_AlertsOncePerRunOfFailures_AndNeverTouchesTheKillSwitch()
    {
        var canary = new CanaryMonitor(journal.Store, new CanaryParams(2, CanaryAction.Alert));

        var alerts = Enumerable.Range(0, 5).Select(_ => canary.Report("feed", ok: false).Alert).ToList();
        canary.Report("feed", ok: true);
        var again = Enumerable.Range(0, 2).Select(_ => canary.Report("feed", ok: false).Alert).ToList();

        Assert.Equal(1, alerts.Count(alert => alert is not null));
        Assert.NotNull(again[1]);
        Assert.Equal(2, journal.Store.Read(type: CanaryMonitor.AlertType).Count());
        Assert.False(GateJournal.State(journal.Store).Active);
        Assert.Equal(2, canary.State("feed").ConsecutiveFailures);
    }

    [Fact]
    public void Components_AreCountedApartAndComparedAfterNormalization()
    {
        var canary = new CanaryMonitor(journal.Store, new CanaryParams(3, CanaryAction.Kill));

        canary.Report("exchange", ok: false);
        canary.Report(" exchange ", ok: false);
        canary.Report("feed", ok: false);

        Assert.Equal((2, 1), (canary.State("exchange").ConsecutiveFailures, canary.State("feed").ConsecutiveFailures));
        Assert.Throws<FormatException>(() => canary.Report("ex\u200Bchange", ok: false));
    }

    [Fact]
    public void Watchdog_AComponentThatStopsReporting_FailsOncePerIntervalMissed_UntilItsAlertTrips()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));
        using var timed = new TempJournal(clock);
        var canary = new CanaryMonitor(timed.Store, new CanaryParams(3, CanaryAction.Kill, ReportEvery: TimeSpan.FromSeconds(30)));
        canary.Report("exchange", ok: true);
        canary.Report("feed", ok: true);

        clock.Advance(TimeSpan.FromSeconds(20));
        canary.Report("feed", ok: true);
        Assert.Empty(canary.Overdue(clock.GetUtcNow()));         // neither silent for longer than 30 s yet

        var missed = new List<(CanaryState State, CanaryAlert? Alert)>();
        for (var round = 0; round < 3; round++)
        {
            clock.Advance(TimeSpan.FromSeconds(31));
            canary.Report("feed", ok: true);                     // the feed keeps reporting; the exchange is silent
            missed.AddRange(canary.Overdue(clock.GetUtcNow()));
        }

        Assert.Equal([1, 2, 3], missed.Select(check => check.State.ConsecutiveFailures));
        Assert.All(missed, check => Assert.Equal("exchange", check.State.Component));
        Assert.Equal(new CanaryAlert("exchange", 3, CanaryAction.Kill), missed[^1].Alert);
        Assert.True(GateJournal.State(timed.Store).Active);
        var first = timed.Store.Read(type: CanaryMonitor.CheckType).First(check => check.Payload.Contains("no report", StringComparison.Ordinal));
        Assert.Contains("no report for 51 s (it reports every 30 s)", first.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public void Watchdog_WithoutAnInterval_WatchesNothing()
    {
        var canary = new CanaryMonitor(journal.Store, new CanaryParams(3, CanaryAction.Kill));
        canary.Report("exchange", ok: true);

        Assert.Empty(canary.Overdue(DateTimeOffset.MaxValue));
    }
}
