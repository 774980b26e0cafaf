using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Promotion;
using RulesGate.Core.Rules;
using RulesGate.Core.Workflows;

namespace RulesGate.Core;

/// <summary>The kinds of rule file RulesGate ships with; a host registers these and any of its own.</summary>
public static class BuiltInKinds
{
    public static RuleKindRegistry Registry { get; } = new([CapitalPolicyKind.Instance, PromotionGateKind.Instance, PromotionGuardKind.Instance, WorkflowConditionsKind.Instance, MaturityPolicyKind.Instance, GovernancePolicyKind.Instance, Patches.PatchPolicyKind.Instance]);
}
