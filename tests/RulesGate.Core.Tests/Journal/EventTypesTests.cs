using System.Reflection;
using RulesGate.Core.Journal;

namespace RulesGate.Core.Tests.Journal;

/// <summary>The catalogue of event types: every name once, each listed with what it records.</summary>
public sealed class EventTypesTests
{
    private static IReadOnlyList<string> Constants() =>
        [.. typeof(EventTypes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(field => field.IsLiteral).Select(field => (string)field.GetRawConstantValue()!)];

    [Fact]
    public void EveryName_IsListedOnce_WithWhatItRecords()
    {
        Assert.Equal(Constants().Order(StringComparer.Ordinal), EventTypes.All.Select(entry => entry.Type).Order(StringComparer.Ordinal));
        Assert.Equal(EventTypes.All.Count, EventTypes.All.Select(entry => entry.Type).Distinct(StringComparer.Ordinal).Count());
        Assert.All(EventTypes.All, entry => Assert.Matches("^[a-z]+\\.[a-z_]+$", entry.Type));
        Assert.All(EventTypes.All, entry => Assert.False(string.IsNullOrWhiteSpace(entry.Records)));
    }

    [Fact]
    public void TheFeatures_WriteTheCataloguesNames()
    {
        Assert.True(EventTypes.Known(RulesGate.Core.Gate.GateJournal.DecisionType));
        Assert.True(EventTypes.Known(RulesGate.Core.Governance.TokenLedger.ConsumedType));
        Assert.True(EventTypes.Known(RulesGate.Core.Workflows.WorkflowEffects.DoneType));
        Assert.False(EventTypes.Known("workflow.made_up"));
    }

    [Fact]
    public void EveryEventRecord_IsWrittenUnderACataloguedType_NoTwoUnderOne()
    {
        var types = typeof(EventTypes).Assembly.GetTypes()
            .Where(type => type.GetInterfaces().Any(face => face.IsGenericType && face.GetGenericTypeDefinition() == typeof(IEventPayload<>)))
            .Select(type => (string)type.GetProperty("Type", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!)
            .ToList();

        Assert.NotEmpty(types);
        Assert.All(types, type => Assert.True(EventTypes.Known(type), type));
        Assert.Equal(types.Count, types.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void AnEventRecord_IsReadBackAsWritten_AndOnlyUnderItsOwnType()
    {
        var escalated = new RulesGate.Core.Workflows.WorkflowEscalated("ladder:s-1", "review", "2026-12-01T09:00:00.0000000Z", ["risk-lead"], "2026-11-28T09:00:00.0000000Z");
        var entry = EventPayload.Entry("workflow:ladder:s-1", escalated);
        var recorded = new JournalEvent(7, entry.Stream, entry.Type, "2026-12-01T09:00:00.0000000Z", entry.Payload, JournalEvent.Genesis, JournalEvent.Genesis);

        var read = EventPayload.Read<RulesGate.Core.Workflows.WorkflowEscalated>(recorded);

        Assert.Equal(EventTypes.WorkflowEscalated, entry.Type);
        Assert.Equal("""{"instance":"ladder:s-1","state":"review","at":"2026-12-01T09:00:00.0000000Z","to":["risk-lead"],"waiting_since":"2026-11-28T09:00:00.0000000Z"}""", entry.Payload);
        Assert.Equal((escalated.Instance, escalated.State, escalated.At, escalated.WaitingSince), (read.Instance, read.State, read.At, read.WaitingSince));
        Assert.Equal(escalated.To, read.To);
        Assert.Contains("is a workflow.escalated, not a workflow.entered", Assert.Throws<FormatException>(() => EventPayload.Read<RulesGate.Core.Workflows.WorkflowEntered>(recorded)).Message, StringComparison.Ordinal);
        Assert.Contains("does not hold its payload", Assert.Throws<FormatException>(() => EventPayload.Read<RulesGate.Core.Workflows.WorkflowEscalated>(recorded with { Payload = "[1]" })).Message, StringComparison.Ordinal);
    }
}
