using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Orders;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Core.Tests.Orders;

/// <summary>OrderDesk, the order path as a library: what a C# order router is promised.</summary>
public sealed class OrderDeskTests : IDisposable
{
    private readonly TempJournal journal = new();

    public void Dispose() => journal.Dispose();

    /// <summary>A drawdown at the bound: LOSS-002 denies it and trips the kill switch.</summary>
    private static CapitalContext Tripping => Some.Context(portfolio: Some.Portfolio(equity: 90_000, startOfDay: 90_000, peak: 100_000));

    [Fact]
    public async Task Decide_AnswersOnceTheDecisionIsDurable_AtTheSequenceNumberItGives()
    {
        await using var desk = new OrderDesk(Standard.Gate, SqliteJournal.Create(Path.Combine(journal.Folder, "desk.db")));

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => desk.Decide(Some.Context(Some.Intent(qty: 1 + i)))));

        // Read by another connection while the desk is still open: every answered decision is already there.
        using var reader = SqliteJournal.Open(Path.Combine(journal.Folder, "desk.db"), readOnly: true);
        foreach (var (decision, seq) in answers)
        {
            var recorded = reader.Event(seq!.Value);
            Assert.Equal(EventTypes.GateDecision, recorded?.Type);
            Assert.Contains(decision.IntentId, recorded!.Payload, StringComparison.Ordinal);
        }

        Assert.Equal(answers.Select(answer => answer.Seq), answers.Select(answer => answer.Seq).Order());
    }

    [Fact]
    public async Task ATrip_DeniesEveryLaterOrder_UntilAPersonResetsIt_AndAnotherDeskOnTheJournalStartsLatched()
    {
        var path = Path.Combine(journal.Folder, "desk.db");
        await using (var desk = new OrderDesk(Standard.Gate, SqliteJournal.Create(path)))
        {
            var (tripped, _) = await desk.Decide(Tripping);
            var (after, _) = await desk.Decide(Some.Context());

            Assert.True(tripped.KillSwitchTriggered);
            Assert.True(desk.Latched);
            Assert.Equal(CapitalVerdict.Deny, after.Decision);
        }

        await using (var reopened = new OrderDesk(Standard.Gate, SqliteJournal.Open(path)))
        {
            Assert.True(reopened.Latched);
            Assert.Equal(CapitalVerdict.Deny, (await reopened.Decide(Some.Context())).Decision.Decision);

            var state = await reopened.Reset(Actor.Authenticated("risk-officer"), "price feed repaired");

            Assert.False(state.Active);
            Assert.False(reopened.Latched);
            Assert.NotEqual(CapitalVerdict.Deny, (await reopened.Decide(Some.Context())).Decision.Decision);
        }
    }

    [Fact]
    public async Task WithoutAJournal_DecidesTheSame_AndRecordsNothing()
    {
        await using var desk = new OrderDesk(Standard.Gate, journal: null);

        var (decision, seq) = await desk.Decide(Some.Context());

        Assert.Null(seq);
        Assert.Equal(Standard.Gate.Decide(Some.Context()).Decision, decision.Decision);
        Assert.False(desk.HasJournal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => desk.Reset(Actor.Authenticated("risk-officer"), "nothing to reset"));
    }
}
