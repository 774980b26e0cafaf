using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Promotion;

/// <summary>The shipped gates file against AlphaTrade's own table: every bar is the seed's, or listed in README as beyond it.</summary>
public sealed class AlphaTradeTableTests
{
    /// <summary>The checks of the seed's table (decision sample, quality bars, additional blockers), by rule id suffix.</summary>
    private static readonly HashSet<string> SeedsTable = ["min_decisions", "no_alerts", "forced_ratio", "warn_ratio", "normal_ratio", "normal_streak", "approvals", "audit_gaps"];

    [Fact]
    public void EveryGate_IsTheSeedsTable_OrListedInReadmeAsBeyondIt()
    {
        var file = Compiled.Bundle(File.ReadAllText(Repo.PathOf("rules", "promotion", "alpha-trade.yaml"))).File;
        var readme = File.ReadAllText(Repo.PathOf("README.md"));
        var beyond = readme[readme.IndexOf("### Beyond AlphaTrade's table", StringComparison.Ordinal)..];
        beyond = beyond[..beyond.IndexOf("\n\n", beyond.IndexOf("| --- |", StringComparison.Ordinal), StringComparison.Ordinal)];

        var extras = file.Rules.Select(rule => rule.Id).Where(id => !SeedsTable.Contains(id.Split('.', 2)[1])).ToList();

        Assert.Equal(["limited_live.paper_green_span"], extras);
        Assert.All(extras, id => Assert.Contains($"`{id}`", beyond, StringComparison.Ordinal));
    }
}
