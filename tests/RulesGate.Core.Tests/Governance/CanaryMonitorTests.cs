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
}
