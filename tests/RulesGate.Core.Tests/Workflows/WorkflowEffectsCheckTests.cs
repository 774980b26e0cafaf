using System.Text;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Workflows;

/// <summary>A workflow says at load what it will do, and check refuses what it could not do whole.</summary>
public sealed class WorkflowEffectsCheckTests
{
    private static readonly WorkflowRoles Roles = WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml"));

    private static readonly WorkflowLoader Loader = new(Compiled.Engine, Roles, Repo.PathOf("templates"));

    private static string Workflow(string approval, string onEntry = "") => $"""
        apiVersion: rulesgate/v1
        kind: Workflow
        metadata: {"{"} id: wf, version: 1 {"}"}
        subject: strategy
        initial: a
        states:
          a:
        {onEntry}    approval:
        {approval}
              approve: b
              reject: b
          b:
            final: true
        """;

    private static IReadOnlyList<string> Errors(string yaml)
    {
        var result = Loader.Parse("wf.yaml", Encoding.UTF8.GetBytes(yaml));
        Assert.Null(result.Value);
        return [.. result.Diagnostics.Select(diagnostic => $"{diagnostic.KeyPath}: {diagnostic.Message}")];
    }

    [Theory]
    [InlineData("      roles: [risk]\n      quorum: 1\n")]
    [InlineData("      roles: [RISK, Compliance]\n      quorum: 2\n      timeout: P1D\n      escalate_to: [cio]\n")]
    [InlineData("      roles: [risk]\n      quorum: 2\n")]
    public void Load_DeclaredRolesAndReachableQuorum_Loads(string approval)
    {
        var result = Loader.Parse("wf.yaml", Encoding.UTF8.GetBytes(Workflow(approval, "    on_entry:\n      - render: promotion_summary.md.sbn\n")));

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
    }

    [Theory]
    [InlineData("      roles: [risk, ceo]\n      quorum: 1\n", "states.a.approval.roles: Role 'ceo' is not declared")]
    [InlineData("      roles: [rsik]\n      quorum: 1\n", "states.a.approval.roles: Role 'rsik' is not declared")]
    [InlineData("      roles: [risk]\n      quorum: 1\n      timeout: P1D\n      escalate_to: [nobody]\n", "states.a.approval.escalate_to: Role 'nobody' is not declared")]
    [InlineData("      roles: [risk, compliance]\n      quorum: 3\n", "states.a.approval.quorum: A quorum of 3 is more than the 2 distinct roles")]
    [InlineData("      roles: [risk]\n      quorum: 3\n", "states.a.approval.quorum: A quorum of 3 can never be met: 2 people hold risk")]
    [InlineData("      roles: [cio]\n      quorum: 2\n", "states.a.approval.quorum: A quorum of 2 can never be met: 1 person holds cio")]
    [InlineData("      roles: [risk, RISK]\n      quorum: 1\n", "states.a.approval.roles[1]: Role 'risk' is listed twice")]
    [InlineData("      roles: [\"risk\\u200B\"]\n      quorum: 1\n", "invisible character")]
    public void Load_ApprovalThatCannotBeGiven_IsRefused(string approval, string says)
    {
        Assert.Contains(Errors(Workflow(approval)), error => error.Contains(says, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("nope.md.sbn", "does not exist")]
    [InlineData("../../etc/passwd", "is not a template name")]
    [InlineData("sub/promotion_summary.md.sbn", "is not a template name")]
    public void Load_RenderOfATemplateThatDoesNotExist_IsRefused(string template, string says)
    {
        var errors = Errors(Workflow("      roles: [risk]\n      quorum: 1\n", $"    on_entry:\n      - render: {template}\n"));

        Assert.Contains(errors, error => error.StartsWith("states.a.on_entry[0].render:", StringComparison.Ordinal) && error.Contains(says, StringComparison.Ordinal));
    }

    [Fact]
    public void Shipped_WorkflowsPassEveryEffectCheck()
    {
        foreach (var file in RulesGate.Core.Application.WorkflowCatalogue.Files([Repo.PathOf("workflows")]))
        {
            var result = Loader.Load(file);
            Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        }
    }
}
