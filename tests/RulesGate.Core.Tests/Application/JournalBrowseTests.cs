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
    public void Summary_SaysWhatHappened_InWordsOfItsOwn(string type, string payload, string expected) =>
        Assert.Equal(expected, JournalBrowse.Summary(Event(type, payload)));

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
