using RulesGate.Core.Rules;

namespace RulesGate.Core.Gate;

/// <summary>The gate's answer to one order intent, with the rules that decided and the evidence.</summary>
/// <param name="ModifiedIntent">The intent with the reduced quantity, for <see cref="CapitalVerdict.Modify"/>; otherwise null.</param>
/// <param name="KillSwitchTriggered">A violated rule trips the kill switch (or, in a stream, the violation count did).</param>
/// <param name="EvalMicros">How long the evaluation took, in microseconds.</param>
public sealed record CapitalDecision(
    CapitalVerdict Decision,
    string IntentId,
    IReadOnlyList<CapitalViolation> Violations,
    IReadOnlyList<CapitalEvidence> Evidence,
    OrderIntent? ModifiedIntent,
    bool KillSwitchTriggered,
    RuleMode Mode,
    PolicyIdentity Policy,
    double EvalMicros);
