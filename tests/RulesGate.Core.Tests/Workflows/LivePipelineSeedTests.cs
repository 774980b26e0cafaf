using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;
using RulesGate.Tests.Shared;

namespace RulesGate.Core.Tests.Workflows;

/// <summary>
/// The shipped live-pipeline against the pipeline seed's own table (Live Trading Promotion Pipeline v1): each gate
/// sits where the seed puts it, refuses without each thing it asks, and entering L6 renders the seed's seven-item
/// checklist for the approvers.
/// </summary>
public sealed class LivePipelineSeedTests : IDisposable
{
    private static readonly WorkflowRoles Roles = WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml"));
    private static readonly WorkflowDefinition Pipeline = new WorkflowLoader(Compiled.Engine, Roles).Load(Repo.PathOf("workflows", "live-pipeline.yaml")).Value!;

    private readonly TempJournal journal = new(new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero)));
    private readonly WorkflowRuntime runtime;

    public LivePipelineSeedTests() =>
        runtime = new WorkflowRuntime(journal.Store, new WorkflowLoader(Compiled.Engine, Roles), Roles, artifacts: Path.Combine(journal.Folder, "artifacts"));

    public void Dispose() => journal.Dispose();

    /// <summary>Walks s-1 through every stage with the shipped evidence, <paramref name="kind"/>'s changed; where it stops.</summary>
    private string Walk(string? kind = null, string? field = null, JsonNode? value = null)
    {
        runtime.Start(Pipeline, "s-1", "olga");
        foreach (var (stage, json) in LivePipelineEvidence.Stages)
        {
            var fields = JsonNode.Parse(json)!.AsObject();
            if (stage == kind)
            {
                fields.Remove(field!);
                if (value is not null)
                {
                    fields[field!] = value;
                }
            }

            runtime.Evidence("s-1", stage, JsonDocument.Parse(fields.ToJsonString()).RootElement);
        }

        return runtime.Find("live-pipeline:s-1")!.State;
    }

    [Fact]
    public void WithEveryStagesEvidence_ItReachesTheReview()
    {
        Assert.Equal("L6_review", Walk());
        Assert.Equal(["L1_data_prep", "L2_selection", "L3_portfolio", "L4_validation", "L5_paper", "L6_review"], runtime.Find("live-pipeline:s-1")!.History.Skip(1).Select(step => step.To));
    }

    [Theory]
    // Leaving L0: a candidate set, with its manifest snapshot.
    [InlineData("discovery", "candidates", "0", "L0_discovery")]
    [InlineData("discovery", "manifest", null, "L0_discovery")]
    // Leaving L1: the metadata coverage guardrail on the canonical raw pool.
    [InlineData("data_prep", "metadata_coverage", "0.94", "L1_data_prep")]
    [InlineData("data_prep", "metadata_coverage", null, "L1_data_prep")]
    // Leaving L2: the guardrail on the selected universe, and strict freshness: one STALE symbol is refused.
    [InlineData("selection", "metadata_coverage", "0.97", "L2_selection")]
    [InlineData("selection", "stale", "1", "L2_selection")]
    [InlineData("selection", "stale", null, "L2_selection")]
    // Leaving L3: risk constraints enforced and recorded.
    [InlineData("portfolio", "cluster_caps", "false", "L3_portfolio")]
    [InlineData("portfolio", "turnover_penalty", null, "L3_portfolio")]
    [InlineData("portfolio", "tail_risk_controls", null, "L3_portfolio")]
    [InlineData("portfolio", "constraints_record", null, "L3_portfolio")]
    // Leaving L4: a non-baseline strict candidate and the strict health audit (the chain: the test below).
    [InlineData("validation", "strict", "false", "L4_validation")]
    [InlineData("validation", "non_baseline_candidates", "0", "L4_validation")]
    [InlineData("validation", "strict_health", null, "L4_validation")]
    // Leaving L5: deterministic orders; slippage, turnover and violations measured and archived; the burn-in.
    [InlineData("paper", "deterministic_orders", "false", "L5_paper")]
    [InlineData("paper", "slippage_bps", null, "L5_paper")]
    [InlineData("paper", "turnover", null, "L5_paper")]
    [InlineData("paper", "constraint_violations", null, "L5_paper")]
    [InlineData("paper", "archive", null, "L5_paper")]
    [InlineData("paper", "burn_in_days", "13", "L5_paper")]
    [InlineData("paper", "incidents", "1", "L5_paper")]
    // Entering L6: the checklist's validation items are on record.
    [InlineData("validation", "baseline_anchors", null, "L5_paper")]
    [InlineData("validation", "simulator_sanity", "false", "L5_paper")]
    public void EachGate_RefusesWithoutWhatTheSeedAsks(string kind, string field, string? value, string stopsAt) =>
        Assert.Equal(stopsAt, Walk(kind, field, value is null ? null : JsonNode.Parse(value)));

    [Fact]
    public void LeavingL4_TheJournalMustVerify_AndNoFlagStandsInForIt()
    {
        runtime.Start(Pipeline, "s-1", "olga");
        foreach (var (kind, json) in LivePipelineEvidence.Stages[..4])
        {
            runtime.Evidence("s-1", kind, JsonDocument.Parse(json).RootElement);
        }

        Assert.Equal("L4_validation", runtime.Find("live-pipeline:s-1")!.State);
        // Someone rewrites an event behind RulesGate's back; the evidence says the chain verified all the same.
        Sql.Tamper(journal.Path, "UPDATE events SET payload = replace(payload, 'olga', 'mallory') WHERE seq = (SELECT MIN(seq) FROM events WHERE payload LIKE '%olga%')");
        var validation = JsonNode.Parse(LivePipelineEvidence.Stages[4].Json)!.AsObject();
        validation["chain_verified"] = true;
        runtime.Evidence("s-1", "validation", JsonDocument.Parse(validation.ToJsonString()).RootElement);

        Assert.Equal("L4_validation", runtime.Find("live-pipeline:s-1")!.State);
    }

    [Fact]
    public async Task EnteringL6_RendersTheSevenItemChecklist_WhichTwoApprovalsTakeLive()
    {
        Assert.Equal("L6_review", Walk());
        await runtime.Effects.RunPendingAsync();

        var checklist = File.ReadAllLines(Path.Combine(journal.Folder, "artifacts", "workflows", "live-pipeline_s-1", "L6_review-live_checklist.md"));
        var items = checklist.Where(line => line.StartsWith("| ", StringComparison.Ordinal) && char.IsDigit(line[2])).ToList();
        Assert.Equal(7, items.Count);
        Assert.All(items, item => Assert.EndsWith("| ✓ |", item, StringComparison.Ordinal));
        Assert.Contains(items, item => item.Contains("manifest `manifests/scan-1.json`; journal chain verifies", StringComparison.Ordinal));
        Assert.Contains(items, item => item.Contains("20 days, 0 incidents", StringComparison.Ordinal));

        runtime.Vote("live-pipeline:s-1", Actor.Authenticated("raj"), "risk", true, "checklist read");
        Assert.Equal("L6_live", runtime.Vote("live-pipeline:s-1", Actor.Authenticated("chen"), "compliance", true, "checklist read").Instance.State);
    }
}
