using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Application;
using RulesGate.Core.Governance;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;
using RulesGate.Tests.Shared;

namespace RulesGate.Core.Tests.Workflows;

public sealed class StandingTests : IDisposable
{
    private static readonly WorkflowRoles Roles = WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml"));
    private static readonly WorkflowCatalogue Shipped = new(new WorkflowLoader(Compiled.Engine, Roles), Repo.PathOf("workflows"));

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly TempJournal journal;
    private readonly WorkflowRuntime runtime;

    public StandingTests()
    {
        journal = new TempJournal(clock);
        runtime = new WorkflowRuntime(journal.Store, new WorkflowLoader(Compiled.Engine, Roles), Roles, clock, Path.Combine(journal.Folder, "artifacts"),
            workflows: () => Shipped.All(), standing: Shipped.Standing);
    }

    public void Dispose() => journal.Dispose();

    private static Dictionary<string, WorkflowDefinition> ById() => Shipped.All().ToDictionary(definition => definition.Id, StringComparer.Ordinal);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private SubjectStanding Standing(string strategy) => Assert.IsType<SubjectStanding>(SubjectStanding.Read(journal.Store, "strategy", strategy));

    [Fact]
    public void TheShippedStandingFile_LoadsAgainstTheShippedWorkflows_AndSaysHowTheLaddersRelate()
    {
        var standing = Shipped.Standing();

        var strategy = standing.Of("strategy");
        Assert.Equal(["live-pipeline", "maturity-ladder"], strategy.Ladders);
        Assert.Equal("maturity-ladder", strategy.Level);
        Assert.Equal(["L6_live"], strategy.TradesIn["live-pipeline"]);
        Assert.Equal(new LadderLink("live-pipeline", "L6_live", "maturity-ladder"), Assert.Single(strategy.Starts));
        Assert.Equal(["alpha-trade-promotion"], standing.Of("policy").Ladders);
    }

    [Theory]
    [InlineData("strategy:\n  ladders: [live-pipline]\n", "standing.yaml:4:13: error RG1005: strategy.ladders: No workflow 'live-pipline' in the folder. Did you mean 'live-pipeline'?")]
    [InlineData("strategy:\n  ladders: [alpha-trade-promotion]\n", "standing.yaml:4:13: error RG1005: strategy.ladders: 'alpha-trade-promotion' is about a policy, not a strategy. List it under policy:.")]
    [InlineData("strategy:\n  ladders: [live-pipeline]\n  level: live-pipeline\n", "standing.yaml:5:10: error RG1005: strategy.level: 'live-pipeline' judges no maturity: its gates are not a MaturityPolicy file. Name the ladder whose gates: is the maturity file, such as maturity-ladder.")]
    [InlineData("strategy:\n  ladders: [live-pipeline]\n  trades_in: { live-pipeline: [L6_lve] }\n", "standing.yaml:5:32: error RG1005: strategy.trades_in.live-pipeline: 'L6_lve' is not a state of live-pipeline. Did you mean 'L6_live'?")]
    [InlineData("strategy:\n  ladders: [live-pipeline]\n  starts: [{ ladder: live-pipeline, enters: L6_live, start: maturity-ladder }]\n", "standing.yaml:5:61: error RG1005: strategy.starts[0].start: 'maturity-ladder' is not one of strategy.ladders. Add it to strategy.ladders, or name one of live-pipeline.")]
    [InlineData("strategy:\n  ladder: [live-pipeline]\n", "standing.yaml:4:3: error RG1002: strategy.ladder: Unknown key 'ladder'. Did you mean 'ladders'? Allowed here: ladders, level, trades_in, starts.")]
    public void AStandingFile_ThatNamesWhatTheFolderLacks_IsRefusedAtItsLineAndColumn(string body, string expected)
    {
        var loaded = StandingDeclaration.Parse("standing.yaml", Encoding.UTF8.GetBytes($"apiVersion: rulesgate/v1\nkind: Standing\n{body}"), ById());

        Assert.Null(loaded.Value);
        Assert.Equal(expected, loaded.Diagnostics[0].ToString().Split('\n')[0]);
    }

    [Fact]
    public void OneStanding_FromDiscoveryToLiveToADemotion_IsWhatTheGateSizesBy()
    {
        var governance = new GovernanceJournal(journal.Store, Governed.Gate.Settings, clock);

        // Discovery evidence starts the pipeline (starts_on): before it is live, the strategy trades nothing.
        Assert.Equal("live-pipeline:s-7", Assert.Single(runtime.Evidence("s-7", "discovery", Json(LivePipelineEvidence.Stages[0].Json), key: "disc-1").Started).Id);
        var early = Standing("s-7");
        Assert.Equal(("L1_data_prep", 0.0, "live-pipeline at L1_data_prep: it trades only in L6_live"), (early.On("live-pipeline")!.State, early.SizingCap, early.CapSetBy));
        Assert.Equal("disc-1", early.On("live-pipeline")!.Change.Evidence);
        Assert.Equal(0, governance.Inputs("s-7", "AAPL", 10, null).SizingCap);

        foreach (var (kind, json) in LivePipelineEvidence.Stages[1..])
        {
            runtime.Evidence("s-7", kind, Json(json));
        }

        // Two votes put it live; going live starts its maturity ladder, as the standing file links them.
        runtime.Vote("live-pipeline:s-7", Actor.Authenticated("raj"), "risk", true, "burn-in clean");
        var live = runtime.Vote("live-pipeline:s-7", Actor.Authenticated("chen"), "compliance", true, "checklist signed");
        Assert.Equal("maturity-ladder:s-7", Assert.Single(live.Started).Id);
        var started = Standing("s-7");
        Assert.Equal(["live-pipeline", "maturity-ladder"], started.Ladders.Select(ladder => ladder.Workflow));
        Assert.Equal(["raj (risk)", "chen (compliance)"], started.On("live-pipeline")!.Change.Votes.Select(vote => $"{vote.Actor} ({vote.Role})"));
        Assert.Equal(("L0_shadow", 0.0, "maturity-ladder at L0_shadow"), (started.Level, started.SizingCap, started.CapSetBy));

        // Its trades move the maturity ladder, one level a time; the cap in force is the level's.
        runtime.Evidence("s-7", "trades", Json("""{"trades":60,"win_rate":0.55,"profit_factor":1.4,"drawdown":0.02,"loss_streak":2}"""), key: "trades-1");
        runtime.Evidence("s-7", "trades", Json("""{"trades":70,"win_rate":0.55,"profit_factor":1.4,"drawdown":0.02,"loss_streak":2}"""), key: "trades-2");
        var gated = Standing("s-7");
        Assert.Equal(("L2_gated", 0.10, "maturity-ladder at L2_gated"), (gated.Level, gated.SizingCap, gated.CapSetBy));
        Assert.Equal("trades-2", gated.On("maturity-ladder")!.Change.Evidence);
        var inputs = governance.Inputs("s-7", "AAPL", 10, null);
        Assert.Equal(("L2_gated", 0.10), (inputs.Level, inputs.SizingCap));
        Assert.Equal(0.10, governance.Report("s-7", Governed.Gate.CapOf).SizingCap);

        // A critical incident sends the pipeline back to paper: at once the strategy trades nothing, whatever its level.
        runtime.Evidence("s-7", "incident", Json("""{"severity":"critical"}"""), key: "incident-1");
        var demoted = Standing("s-7");
        Assert.Equal(("L5_paper", "demotion", "incident-1"), (demoted.On("live-pipeline")!.State, demoted.On("live-pipeline")!.Change.Cause, demoted.On("live-pipeline")!.Change.Evidence));
        Assert.Equal(("L2_gated", 0.0, "live-pipeline at L5_paper: it trades only in L6_live"), (demoted.Level, demoted.SizingCap, demoted.CapSetBy));
        Assert.Equal(0, governance.Inputs("s-7", "AAPL", 10, null).SizingCap);
        Assert.Equal(demoted.Json(), governance.Report("s-7", Governed.Gate.CapOf).Standing?.Json());
    }
}
