using System.Text;
using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Workflows;

public sealed class WorkflowLoaderTests
{
    private static readonly WorkflowLoader Loader = new(Compiled.Engine);

    private const string Header = "apiVersion: rulesgate/v1\nkind: Workflow\nmetadata: { id: wf, version: 1 }\nsubject: strategy\ninitial: a\n";

    private static RuleResult<WorkflowDefinition> Parse(string yaml) => Loader.Parse("wf.yaml", Encoding.UTF8.GetBytes(yaml));

    private static RuleDiagnostic Error(string yaml)
    {
        var result = Parse(yaml);
        Assert.Null(result.Value);
        return Assert.Single(result.Diagnostics);
    }

    [Theory]
    [InlineData("alpha-trade-promotion.yaml", "experiment", 6, "policy", true)]
    [InlineData("live-pipeline.yaml", "L0_discovery", 8, "strategy", true)]
    [InlineData("maturity-ladder.yaml", "L0_shadow", 5, "strategy", false)]
    public void Shipped_LoadWithTheirStatesAndConditions(string file, string initial, int states, string subject, bool conditions)
    {
        var result = Loader.Load(Repo.PathOf("workflows", file));

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var definition = result.Value!;
        Assert.Equal((initial, states, subject, conditions), (definition.Initial, definition.States.Count, definition.Subject, definition.Conditions is not null));
    }

    [Fact]
    public void Shipped_MaturityLadder_CarriesTheSizingCaps()
    {
        var ladder = Loader.Load(Repo.PathOf("workflows", "maturity-ladder.yaml")).Value!;

        // Every cap and every bar is the MaturityPolicy's; the workflow writes none.
        Assert.Equal([0, 0, 0.10, 0.25, 1.0], ladder.States.Select(state => state.Attributes["sizing_cap"]));
        Assert.Equal(new WorkflowDemotion(null, WorkflowDefinition.GatesTarget), Assert.Single(ladder.Demotions));
        Assert.Equal("maturity-default", ladder.Ladder?.Bundle.File.Metadata.Id);
        Assert.DoesNotContain("0.45", File.ReadAllText(ladder.Path), StringComparison.Ordinal);
    }

    [Fact]
    public void StartsOn_NamesTheKindsOfEvidenceThatStartAnInstance_EachOnce()
    {
        const string States = "states:\n  a: { final: true }\n";

        Assert.Equal(["trades", "discovery"], Parse(Header + "starts_on: [trades, discovery]\n" + States).Value!.StartsOn);
        Assert.Empty(Parse(Header + States).Value!.StartsOn);
        Assert.Equal(["trades"], Loader.Load(Repo.PathOf("workflows", "maturity-ladder.yaml")).Value!.StartsOn);
        Assert.Contains("Evidence kind 'trades' is listed twice.", Error(Header + "starts_on: [trades, trades]\n" + States).Message, StringComparison.Ordinal);
        Assert.Equal("starts_on[0]", Error(Header + "starts_on: ['tra\u200Bdes']\n" + States).KeyPath);
    }

    private static string Ladder(string states, string demote = "demote:\n  - gate: demote\n") =>
        "apiVersion: rulesgate/v1\nkind: Workflow\nmetadata: { id: wf, version: 1 }\nsubject: strategy\ngates: "
        + Repo.PathOf("rules", "maturity", "default.yaml") + "\ninitial: L0_shadow\nstates:\n" + states + demote;

    [Theory]
    [InlineData("  L0_shadow:\n    on_evidence: [ { gate: promote, to: L1_paper } ]\n  L1_sim: { final: true }\n", "'L1_sim' is not a level of")]
    [InlineData("  L0_shadow:\n    attributes: { sizing_cap: 0.5 }\n    on_evidence: [ { gate: promote, to: L1_paper } ]\n  L1_paper: { final: true }\n", "sets its own sizing_cap, but it comes from")]
    [InlineData("  L0_shadow:\n    on_evidence: [ { gate: promote, to: L2_gated } ]\n  L1_paper: { final: true }\n  L2_gated: { final: true }\n", "gate promote raises L0_shadow one level, to L1_paper, not to 'L2_gated'.")]
    [InlineData("  L0_shadow:\n    on_evidence: [ { gate: paper, to: L1_paper } ]\n  L1_paper: { final: true }\n", "Gate 'paper' does not exist in")]
    public void MaturityGates_StatesAreItsLevelsAndTheFileKeepsEveryBar(string states, string message) =>
        Assert.Contains(Parse(Ladder(states)).Diagnostics, diagnostic => diagnostic.Message.Contains(message, StringComparison.Ordinal));

    [Fact]
    public void DemotionByGate_NeedsAMaturityPolicy() =>
        Assert.Contains("A demotion by gate needs a MaturityPolicy gates file.", Error(Header + "states:\n  a:\n    after: { duration: PT1H, to: b }\n  b: { final: true }\ndemote:\n  - gate: demote\n").Message, StringComparison.Ordinal);

    [Fact]
    public void UnknownTarget_IsNamedAtItsLineWithAGuess()
    {
        var diagnostic = Error(Header + "states:\n  a:\n    after: { duration: PT1H, to: bb }\n  b: { final: true }\n");

        Assert.Equal("'bb' is not a state of this workflow.", diagnostic.Message);
        Assert.Equal(("states.a.after.to", 8), (diagnostic.KeyPath, diagnostic.Location.Line));
        Assert.Equal("Did you mean 'b'?", diagnostic.Hint);
    }

    [Fact]
    public void EveryProblemAtOnce_AWrongInitialBesideAMistypedKey()
    {
        var diagnostics = Parse(Header.Replace("initial: a", "initial: aa", StringComparison.Ordinal) + "states:\n  a:\n    after: { duration: PT1H, too: b }\n  b: { final: true }\n").Diagnostics;

        Assert.Equal(["initial", "states.a.after.too"], diagnostics.Select(diagnostic => diagnostic.KeyPath).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void UnreachableState_IsRefused()
    {
        var diagnostic = Error(Header + "states:\n  a:\n    after: { duration: PT1H, to: b }\n  b: { final: true }\n  c: { final: true }\n");

        Assert.Equal("State 'c' cannot be reached from 'a'.", diagnostic.Message);
        Assert.Equal(10, diagnostic.Location.Line);
    }

    [Fact]
    public void StateWithoutWayOut_MustBeFinal()
    {
        var diagnostic = Error(Header + "states:\n  a:\n    after: { duration: PT1H, to: b }\n  b:\n    on_entry: [ { notify: hi } ]\n");

        Assert.Equal("State 'b' has no way out and is not final.", diagnostic.Message);
    }

    [Fact]
    public void GateThatDoesNotExist_IsRefusedWithTheGatesThere()
    {
        var yaml = "apiVersion: rulesgate/v1\nkind: Workflow\nmetadata: { id: wf, version: 1 }\nsubject: policy\ngates: "
            + Repo.PathOf("rules", "promotion", "alpha-trade.yaml") + "\ninitial: a\nstates:\n  a:\n    on_evidence:\n      - gate: piolt\n        to: b\n  b: { final: true }\n";

        var diagnostic = Error(yaml);

        Assert.StartsWith("Gate 'piolt' does not exist in ", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal("Did you mean 'pilot'?", diagnostic.Hint);
    }

    [Fact]
    public void ConditionThatDoesNotCompile_PointsIntoTheWorkflowFile()
    {
        var diagnostic = Error(Header + "states:\n  a:\n    on_evidence:\n      - when: Latest.Numbr(\"x\") > 1\n        to: b\n  b: { final: true }\n");

        Assert.Equal(("CS1061", "states.a.on_evidence[0].when", 9, 22), (diagnostic.Code, diagnostic.KeyPath, diagnostic.Location.Line, diagnostic.Location.Column));
        Assert.Equal("Did you mean 'Number'?", diagnostic.Hint);
    }

    [Theory]
    [InlineData("  a:\n    after: { duration: 3 days, to: b }\n  b: { final: true }\n", "'3 days' is not a positive ISO 8601 duration.")]
    [InlineData("  a:\n    after: { duration: PT1H, to: b }\n    final: true\n  b: { final: true }\n", "State 'a' is final but has ways out.")]
    [InlineData("  a:\n    on_evidence:\n      - { gate: paper, when: \"true\", to: b }\n  b: { final: true }\n", "A way out on evidence has either gate: or when:, not both and not neither.")]
    [InlineData("  a:\n    approval: { roles: [risk], approve: b, reject: b, escalate_to: [boss] }\n  b: { final: true }\n", "on_timeout and escalate_to need a timeout.")]
    [InlineData("  a:\n    attributes: { cap: high }\n    after: { duration: PT1H, to: b }\n  b: { final: true }\n", "Expected a number, found 'high'.")]
    public void Mistakes_AreRefusedWithASentence(string states, string message)
    {
        Assert.Equal(message, Error(Header + "states:\n" + states).Message);
    }

    [Fact]
    public void SetStage_OnAStrategyWorkflow_IsRefused()
    {
        var diagnostic = Error(Header + "states:\n  a:\n    on_entry: [ { set_stage: paper } ]\n    after: { duration: PT1H, to: b }\n  b: { final: true }\n");

        Assert.StartsWith("set_stage changes a policy's ledger", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagram_ShowsGatesApprovalsTimeoutsAndDemotions()
    {
        var definition = Loader.Load(Repo.PathOf("workflows", "alpha-trade-promotion.yaml")).Value!;

        var mermaid = WorkflowDiagram.Mermaid(definition);
        var dot = WorkflowDiagram.Dot(definition);

        Assert.Contains("    [*] --> experiment\n", mermaid, StringComparison.Ordinal);
        Assert.Contains("    pilot --> live_check : approved by 2 of risk + compliance\n", mermaid, StringComparison.Ordinal);
        Assert.Contains("    pilot_review --> pilot_review : no decision in P3D, escalate to risk-lead\n", mermaid, StringComparison.Ordinal);
        Assert.Contains("    limited_live --> paper : demote: Kind == 'diary' && Latest.Number('alerts') > 0\n", mermaid, StringComparison.Ordinal);
        Assert.DoesNotContain("experiment --> paper : demote", mermaid, StringComparison.Ordinal);     // a demotion never raises
        Assert.StartsWith("digraph \"alpha-trade-promotion\" {", dot, StringComparison.Ordinal);
        Assert.Contains("\"experiment\" -> \"paper\" [label=\"gate paper passes\"];", dot, StringComparison.Ordinal);
    }
}
