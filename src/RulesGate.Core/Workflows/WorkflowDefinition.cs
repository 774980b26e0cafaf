using System.Globalization;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Workflows;

/// <summary>What entering a state does: a closed set, so a kind the runtime does not know cannot be loaded.</summary>
public abstract record WorkflowActivity
{
    private WorkflowActivity()
    {
    }

    /// <summary>The activity as a diagram shows it: <c>set_stage pilot</c>.</summary>
    public abstract string Describe();

    /// <summary>Declares the subject policy's ledger stage, in the transition's transaction.</summary>
    public sealed record SetStage(Promotion.PromotionStage Stage) : WorkflowActivity
    {
        public override string Describe() => $"set_stage {Promotion.PromotionStages.Name(Stage)}";
    }

    /// <summary>Renders a template of <c>templates/</c> after the transition is durable.</summary>
    public sealed record Render(string Template) : WorkflowActivity
    {
        public override string Describe() => $"render {Template}";
    }

    /// <summary>A notice, journaled with the transition and posted to the webhook once durable.</summary>
    public sealed record Notify(string Text) : WorkflowActivity
    {
        public override string Describe() => $"notify {Text}";
    }
}

/// <summary>A way out on evidence: a gate of the workflow's PromotionGate file, or a C# condition (a rule of <see cref="WorkflowDefinition.Conditions"/>).</summary>
public sealed record EvidenceExit(string? Gate, int? Condition, string To);

/// <summary>
/// A way out by approval: <see cref="Quorum"/> distinct approvers, each holding one of <see cref="Roles"/>, none of
/// them the requester. A reject goes to <see cref="Reject"/>. After <see cref="Timeout"/> the instance goes to
/// <see cref="OnTimeout"/> (or stays) and <see cref="EscalateTo"/> are notified.
/// </summary>
public sealed record ApprovalStep(IReadOnlyList<string> Roles, int Quorum, TimeSpan? Timeout, string? OnTimeout, IReadOnlyList<string> EscalateTo, string Approve, string Reject)
{
    /// <summary>With more than one role, approvals must come from distinct roles as well as distinct people.</summary>
    public bool DistinctRoles => Roles.Count > 1 && Quorum <= Roles.Count;
}

/// <summary>A timer way out.</summary>
public sealed record TimerExit(TimeSpan After, string To);

/// <summary>A state: its activities on entry and its ways out.</summary>
public sealed record WorkflowState(
    string Name,
    IReadOnlyList<WorkflowActivity> OnEntry,
    IReadOnlyList<EvidenceExit> OnEvidence,
    ApprovalStep? Approval,
    TimerExit? After,
    bool Final,
    IReadOnlyDictionary<string, double> Attributes)
{
    /// <summary>Every state this one can lead to.</summary>
    public IEnumerable<string> Targets =>
        OnEvidence.Select(exit => exit.To)
            .Concat(Approval is { } approval ? new[] { approval.Approve, approval.Reject }.Concat(approval.OnTimeout is { } timeout ? [timeout] : []) : [])
            .Concat(After is { } after ? [after.To] : []);
}

/// <summary>A demotion: checked whenever evidence arrives, in any state; <see cref="To"/> is a state, or <c>down</c> for the state listed before the current one.</summary>
public sealed record WorkflowDemotion(int Condition, string To);

/// <summary>A loaded, checked workflow definition.</summary>
/// <param name="Conditions">Every C# condition of the file, compiled as one bundle; null when it has none.</param>
/// <param name="Gates">The PromotionGate file its <c>gate:</c> ways out name; null when it uses none.</param>
public sealed record WorkflowDefinition(
    string Path,
    string Hash,
    string Id,
    int Version,
    string Description,
    string Subject,
    string Initial,
    IReadOnlyList<WorkflowState> States,
    IReadOnlyList<WorkflowDemotion> Demotions,
    RuleBundle? Conditions,
    RuleBundle? Gates)
{
    public const string DownTarget = "down";

    /// <summary>The file's bytes as hashed: kept in the journal, so an instance always runs the definition it started with.</summary>
    public byte[] Bytes { get; init; } = [];

    /// <summary><c>id@version#&lt;12 hex&gt;</c>, pinned by every instance started from it.</summary>
    public string Identity => string.Create(CultureInfo.InvariantCulture, $"{Id}@{Version}#{Hash[..12]}");

    public WorkflowState State(string name) => States.First(state => state.Name == name);

    public bool HasState(string name) => States.Any(state => state.Name == name);
}
