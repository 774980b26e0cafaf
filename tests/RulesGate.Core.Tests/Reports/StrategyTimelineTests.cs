using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Reports;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Reports;

public sealed class StrategyTimelineTests : IDisposable
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly TempJournal journal;

    public StrategyTimelineTests() => journal = new TempJournal(clock);

    public void Dispose() => journal.Dispose();

    private void Decided(string strategy, string verdict, bool tripped = false) =>
        journal.Store.Append([new JournalEntry("gate", GateJournal.DecisionType, $$$"""
            {"request": {"intent": {"intent_id": "i", "strategy_id": "{{{strategy}}}"}}, "decision": {"decision": "{{{verdict}}}", "violations": [], "kill_switch_triggered": {{{(tripped ? "true" : "false")}}}}}
            """)]);

    private void Governed(string strategy, string action) =>
        journal.Store.Append([new JournalEntry("governance", EventTypes.GovernanceDecision, $$$"""
            {"request": {"intent": {"intent_id": "i", "strategy_id": "{{{strategy}}}"}}, "decision": {"action": "{{{action}}}"}}
            """)]);

    [Fact]
    public void Of_CountsItsOwnOrdersPerUtcDay_NewestFirst_WithTrips_AndLeavesOutOtherStrategies()
    {
        Decided("trend", "ALLOW");
        Decided("trend", "MODIFY");
        Governed("trend", "REDUCE");
        Decided("meanrev", "DENY");
        clock.Advance(TimeSpan.FromDays(1));
        Decided("trend", "DENY", tripped: true);

        var timeline = StrategyTimeline.Of(journal.Store, "trend", clock.GetUtcNow().AddDays(-30), clock.GetUtcNow());

        Assert.Equal(["2026-12-02", "2026-12-01"], timeline.Days.Select(day => day.Day));
        var (later, earlier) = (timeline.Days[0], timeline.Days[1]);
        Assert.Equal((1, 1), (later.Decisions, later.Trips));
        Assert.Equal([new("DENY", 1)], later.Verdicts);
        Assert.Equal((2, 0), (earlier.Decisions, earlier.Trips));
        Assert.Equal([new("ALLOW", 1), new("MODIFY", 1)], earlier.Verdicts);
        Assert.Equal([new("REDUCE", 1)], earlier.Actions);
    }

    [Fact]
    public void Of_TakesOnlyWhatHappenedSinceItsStart_AndTheChangesAboutTheStrategy()
    {
        Decided("trend", "ALLOW");
        PolicyLedger.Promote(journal.Store, new PromotionRequest("trend", PromotionStage.Paper, "ops", [], EvidenceId: "dd-1"));
        PolicyLedger.Promote(journal.Store, new PromotionRequest("other", PromotionStage.Paper, "ops", [], EvidenceId: "dd-2"));
        clock.Advance(TimeSpan.FromDays(40));
        Decided("trend", "MODIFY");

        var recent = StrategyTimeline.Of(journal.Store, "trend", clock.GetUtcNow().AddDays(-30), clock.GetUtcNow());
        var all = StrategyTimeline.Of(journal.Store, "trend", clock.GetUtcNow().AddDays(-60), clock.GetUtcNow());

        Assert.Equal(["2027-01-10"], recent.Days.Select(day => day.Day));
        Assert.Empty(recent.Changes);
        Assert.Equal(2, all.Days.Count);
        var change = Assert.Single(all.Changes);
        Assert.Equal(("trend", "ops"), (change.Subject, change.Actor));
    }

    [Fact]
    public void Of_ADecisionOfAnotherShape_IsLeftOut_NotAFailure()
    {
        journal.Store.Append([new JournalEntry("gate", GateJournal.DecisionType, """{"decision": "ALLOW"}""")]);
        Decided("trend", "ALLOW");

        var timeline = StrategyTimeline.Of(journal.Store, "trend", clock.GetUtcNow().AddDays(-1), clock.GetUtcNow());

        Assert.Equal(1, Assert.Single(timeline.Days).Decisions);
    }

    [Fact]
    public void Digest_CaughtUpAgain_ReadsOnlyWhatWasAdded_AndSaysTheSameAsAFreshOne()
    {
        var digest = new DecisionDigest();
        Decided("trend", "ALLOW");
        digest.CatchUp(journal.Store);
        Decided("trend", "DENY");
        journal.Store.Append([new JournalEntry("gate", GateJournal.DecisionType, """{"bundle": "capital@2#abc", "request": {"intent": {"strategy_id": "trend"}}, "decision": {"decision": "ALLOW"}}""")]);

        var caughtUp = digest.CatchUp(journal.Store);
        var fresh = new DecisionDigest().CatchUp(journal.Store);

        var day = Assert.Single(caughtUp.Days("trend", clock.GetUtcNow(), clock.GetUtcNow()));
        Assert.Equal(3, day.Decisions);
        Assert.Equal([new("ALLOW", 2), new("DENY", 1)], day.Verdicts);
        Assert.Equal(fresh.Days("trend", clock.GetUtcNow(), clock.GetUtcNow()).Single().Verdicts, day.Verdicts);
        Assert.Equal(["capital@2#abc"], caughtUp.FirstDecisions.Select(first => first.Bundle));
        Assert.Equal(fresh.FirstDecisions, caughtUp.FirstDecisions);
    }
}
