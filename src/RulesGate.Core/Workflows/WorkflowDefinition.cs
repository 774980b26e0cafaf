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
/// <summary>A demotion: a C# condition and the state it sends to (or <c>down</c>); or, with no condition, the MaturityPolicy gates file decides (<see cref="WorkflowDefinition.GatesTarget"/>).</summary>
public sealed record WorkflowDemotion(int? Condition, string To);

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

    /// <summary>The target of a demotion the gates file decides; it cannot name a state.</summary>
    public const string GatesTarget = "(gates)";

    /// <summary>The maturity ladder of a MaturityPolicy gates file; null when the gates file is a PromotionGate, or there is none.</summary>
    public Governance.MaturityLadder? Ladder { get; init; }

    /// <summary>The workflow file's bytes.</summary>
    public byte[] Bytes { get; init; } = [];

    /// <summary>
    /// The kinds of evidence that start an instance of this workflow for a subject that has none (<c>starts_on:</c>),
    /// before the evidence is delivered to it; empty: only <c>workflow start</c> starts one.
    /// </summary>
    public IReadOnlyList<string> StartsOn { get; init; } = [];

    /// <summary>
    /// What an instance pins, kept in the journal under <see cref="Hash"/> (its SHA-256): the workflow file's
    /// bytes, packed with the gates file's bytes when it names one, so an instance is judged by the gates it
    /// started with for as long as it runs, whatever happens to the files on disk.
    /// </summary>
    public byte[] Pinned { get; init; } = [];

    /// <summary><c>id@version#&lt;12 hex&gt;</c>, pinned by every instance started from it; it covers the gates file too.</summary>
    public string Identity => string.Create(CultureInfo.InvariantCulture, $"{Id}@{Version}#{Hash[..12]}");

    public WorkflowState State(string name) => States.First(state => state.Name == name);

    public bool HasState(string name) => States.Any(state => state.Name == name);

    private static readonly byte[] PackHeader = "rulesgate-workflow-bundle/1\n"u8.ToArray();

    /// <summary>The workflow file and its gates file as one: a header line, then each file as its length in bytes, a newline and the bytes.</summary>
    internal static byte[] Pack(byte[] workflow, byte[]? gates)
    {
        if (gates is null)
        {
            return workflow;
        }

        using var packed = new MemoryStream();
        packed.Write(PackHeader);
        foreach (var part in new[] { workflow, gates })
        {
            packed.Write(System.Text.Encoding.ASCII.GetBytes(part.Length.ToString(CultureInfo.InvariantCulture) + "\n"));
            packed.Write(part);
        }

        return packed.ToArray();
    }

    /// <summary>The files <see cref="Pack"/> put together; a workflow file alone comes back as itself.</summary>
    /// <exception cref="FormatException">It starts like a pack but is not a whole one.</exception>
    internal static (byte[] Workflow, byte[]? Gates) Unpack(byte[] pinned)
    {
        if (!pinned.AsSpan().StartsWith(PackHeader))
        {
            return (pinned, null);
        }

        var rest = pinned.AsSpan(PackHeader.Length);
        var parts = new List<byte[]>(2);
        while (parts.Count < 2)
        {
            var newline = rest.IndexOf((byte)'\n');
            if (newline is < 1 or > 9 || !int.TryParse(rest[..newline], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > rest.Length - newline - 1)
            {
                throw new FormatException("a pinned workflow bundle is cut short or malformed");
            }

            parts.Add(rest.Slice(newline + 1, length).ToArray());
            rest = rest[(newline + 1 + length)..];
        }

        return rest.IsEmpty ? (parts[0], parts[1]) : throw new FormatException("a pinned workflow bundle has bytes after its two files");
    }
}
