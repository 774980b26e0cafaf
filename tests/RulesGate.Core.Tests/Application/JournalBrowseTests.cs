using RulesGate.Core.Application;
using RulesGate.Core.Journal;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Application;

/// <summary>The journal in a line an event: what happened in words, and the bookkeeping left out when asked.</summary>
public sealed class JournalBrowseTests : IDisposable
{
    private readonly TempJournal journal = new();

    public void Dispose() => journal.Dispose();

    private static JournalEvent Event(string type, string payload) => new(1, "s", type, "2026-12-01T09:00:00.0000000Z", payload, JournalEvent.Genesis, "");

    [Theory]
    [InlineData(EventTypes.WorkflowEntered, """{"instance":"live-pipeline:trend","state":"L5_paper","from":"L6_live","cause":"demotion","actor":"evidence","detail":"severity critical"}""",
        "live-pipeline:trend: L6_live → L5_paper by evidence (demotion): severity critical")]
    [InlineData(EventTypes.WorkflowEntered, """{"instance":"rule-change:x","state":"review","from":"","cause":"start","actor":"olga","detail":""}""",
        "rule-change:x: start → review by olga (start)")]
    [InlineData(EventTypes.WorkflowNotice, """{"instance":"config-patch-approval:p-1","state":"review","text":"No decision on review since 2026-12-01; escalated to risk-lead."}""",
        "config-patch-approval:p-1: No decision on review since 2026-12-01; escalated to risk-lead.")]
    [InlineData(EventTypes.WorkflowApproved, """{"instance":"rule-change:x","state":"review","actor":"rhea","role":"risk","reason":"impact read","step":1,"proof":{}}""",
        "rule-change:x: approved in review by rhea (risk): impact read")]
    [InlineData(EventTypes.RulesApproved, """{"subject":"x","identity":"capital-default@2#abc","status":"approved","settled_by":"approved by rhea (risk): ok"}""",
        "capital-default@2#abc approved: approved by rhea (risk): ok")]
    [InlineData(EventTypes.ShadowStopped, """{"candidate":"capital-default@2#abc","by":"ops","judged":10,"disagreed":3,"dropped":0}""",
        "capital-default@2#abc stopped by ops: 10 judged, 3 decided otherwise, 0 dropped")]
    [InlineData(EventTypes.JournalProjected, """{"hash":"00"}""", "bookkeeping: the hash of the projection documents this transaction set")]
    [InlineData(EventTypes.GateDecision, """{"bundle":"capital-default@1#23b0","request":{"intent":{"intent_id":"d-1","strategy_id":"trend","instrument":{"symbol":"MSFT"},"side":"buy","qty":100}},"decision":{"decision":"MODIFY","violations":[{"rule_id":"EXP-001"}],"modified_intent":{"qty":25},"kill_switch_triggered":false}}""",
        "MODIFY buy 100 MSFT → 25 · trend · intent d-1 · fired EXP-001 · under capital-default@1#23b0")]
    [InlineData(EventTypes.GateDecision, """{"request":{"intent":{"intent_id":"d-2","strategy_id":"trend","instrument":{"symbol":"NVDA"},"side":"sell","qty":1500.5}},"decision":{"decision":"DENY","violations":[{"rule_id":"LOSS-002"}],"modified_intent":null,"kill_switch_triggered":true}}""",
        "DENY sell 1,500.5 NVDA · trend · intent d-2 · fired LOSS-002 · tripped the kill switch")]
    [InlineData(EventTypes.GovernanceDecision, """{"request":{"intent":{"intent_id":"g-1","strategy_id":"meanrev","instrument":{"symbol":"AAPL"},"side":"buy","qty":100}},"decision":{"action":"REDUCE","qty":50,"reason":"health_reduced"}}""",
        "REDUCE buy 100 AAPL → 50 · meanrev · intent g-1 · health_reduced")]
    public void Summary_SaysWhatHappened_InWordsOfItsOwn(string type, string payload, string expected) =>
        Assert.Equal(expected, JournalBrowse.Summary(Event(type, payload)));

    [Fact]
    public void ADecisionOfAnotherShape_HasNoGlance_AndItsLineSaysWhatItHas()
    {
        var older = Event(EventTypes.GateDecision, """{"decision":{"decision":"ALLOW"},"intent_id":"i-1"}""");

        Assert.Null(JournalBrowse.Glance(older));
        Assert.Equal("ALLOW", JournalBrowse.Summary(older));
        Assert.Null(JournalBrowse.Glance(Event(EventTypes.GateDecision, "not json")));
        Assert.Null(JournalBrowse.Glance(Event(EventTypes.WorkflowNotice, """{"request":{"intent":{}},"decision":{}}""")));
    }

    [Fact]
    public void AQuery_WithoutBookkeeping_LeavesOutTheJournalsOwnRows_AndNothingElse()
    {
        byte[] kept = [1, 2, 3];
        journal.Store.Append([new JournalEntry("a", "thing.happened", "{}")], [new(AtomicFile.Hash(kept), kept)], (scope, appended) => scope.Store("things", "a", "{}", appended[0].Seq));

        var all = new JournalQuery().Run(journal.Store).Select(e => e.Type).ToList();
        var happened = new JournalQuery(Bookkeeping: false).Run(journal.Store).Select(e => e.Type).ToList();

        Assert.Contains(EventTypes.JournalProjected, all);
        Assert.Contains(EventTypes.JournalBlob, all);
        Assert.Equal(["thing.happened"], happened);
    }
}
