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
}
