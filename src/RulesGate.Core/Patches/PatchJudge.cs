using RulesGate.Core.Rules;

namespace RulesGate.Core.Patches;

/// <summary>What governance decided of one candidate patch, and why.</summary>
/// <param name="Status">
/// <c>REJECTED_BY_POLICY</c>, <c>REJECTED_BY_SANITY_CHECK</c>, <c>PENDING</c> (proposed, but its move is outside the
/// auto-apply bounds: only a human puts it live) or <c>ACCEPTED_FOR_PROPOSAL</c>.
/// </param>
/// <param name="SafetyFlags">Every P0 flag (and in bounded_auto every guardrail flag) raised, in file order.</param>
public sealed record PatchDecision(ConfigPatch Patch, string Status, IReadOnlyList<string> Reasons, IReadOnlyList<string> Tags, IReadOnlyList<string> SafetyFlags, PatchBounds Bounds)
{
    public const string Accepted = "ACCEPTED_FOR_PROPOSAL";
    public const string Pending = "PENDING";
    public const string RejectedByPolicy = "REJECTED_BY_POLICY";
    public const string RejectedBySanity = "REJECTED_BY_SANITY_CHECK";

    /// <summary>Accepted, within the auto-apply bounds: bounded_auto may apply it.</summary>
    public bool IsAccepted => Status == Accepted;

    /// <summary>In the proposal: accepted, or pending a human's decision.</summary>
    public bool IsProposed => Status is Accepted or Pending;

    /// <summary>What set <c>eligible_for_live</c> (the patch, or which rule), and the patch's own notes.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>
/// Judges candidate patches by a <c>PatchPolicy</c> bundle. A candidate is eligible only when the patch sets
/// <c>eligible_for_live: true</c> or an <c>eligible.*</c> rule fires (the seed's explicit opt-in), and no
/// <c>eligibility.*</c> rule fires; every <c>p0.*</c> rule that fires, and in <c>bounded_auto</c> every <c>guardrail.*</c>
/// one, is a safety flag; a <c>sanity.*</c> rule that fires rejects it on its own (the leverage hard limit); a
/// <c>bounds.*</c> rule that fires leaves it PENDING. Ineligible or flagged: REJECTED_BY_POLICY; else a sanity
/// rejection: REJECTED_BY_SANITY_CHECK; else outside the auto-apply bounds: PENDING; else ACCEPTED_FOR_PROPOSAL. A
/// rule that throws rejects.
/// </summary>
public sealed class PatchJudge
{
    public const string Flagged = "candidate has P0 safety violations";
    public const string NotEligible = "candidate not marked as eligible_for_live";

    private enum Role
    {
        Eligible,
        Eligibility,
        Bounds,
        P0,
        Guardrail,
        Sanity,
    }

    private readonly RuleEvaluator<PatchContext> evaluator;
    private readonly Role[] roles;

    /// <exception cref="ArgumentException">The bundle is not a PatchPolicy.</exception>
    public PatchJudge(RuleBundle bundle)
    {
        if (bundle.Kind is not PatchPolicyKind)
        {
            throw new ArgumentException($"{bundle.File.Path} is a {bundle.Kind.Name} file, not a PatchPolicy file.", nameof(bundle));
        }

        Bundle = bundle;
        Settings = PatchSettings.Of(bundle.File);
        evaluator = bundle.Evaluator<PatchContext>();
        roles = [.. bundle.File.Rules.Select(rule => rule.Id.Split('.')[0] switch
        {
            "eligible" => Role.Eligible,
            "eligibility" => Role.Eligibility,
            "bounds" => Role.Bounds,
            "p0" => Role.P0,
            "guardrail" => Role.Guardrail,
            _ => Role.Sanity,
        })];
    }

    public RuleBundle Bundle { get; }

    public PatchSettings Settings { get; }

    /// <summary>Every candidate among <paramref name="patches"/> judged, in file order; patches that are not candidates are left out.</summary>
    public IReadOnlyList<PatchDecision> Judge(IEnumerable<ConfigPatch> patches, PatchMode mode, bool? globalLock = null) =>
        [.. patches.Where(Settings.IsCandidate).Select(patch => Decide(patch, mode, globalLock ?? Settings.GlobalLock))];

    public PatchDecision Decide(ConfigPatch patch, PatchMode mode, bool globalLock)
    {
        var context = Settings.Context(patch, mode, globalLock);
        Span<bool> fired = roles.Length <= 256 ? stackalloc bool[roles.Length] : new bool[roles.Length];
        var ineligible = new List<string>();
        var flags = new List<string>();
        var sanity = new List<string>();
        var bounds = new List<string>();
        var notes = new List<string>();
        if (patch.EligibleForLive == true)
        {
            notes.Add("eligible_for_live: set by the patch");
        }

        try
        {
            evaluator.Evaluate(context, fired);
            for (var i = 0; i < roles.Length; i++)
            {
                if (!fired[i] || (roles[i] == Role.Guardrail && mode != PatchMode.BoundedAuto))
                {
                    continue;
                }

                if (roles[i] == Role.Eligible)
                {
                    notes.Add($"eligible_for_live: set by rule {Bundle.File.Rules[i].Id} ({evaluator.Message(i, context)})");
                    continue;
                }

                (roles[i] switch { Role.Eligibility => ineligible, Role.Sanity => sanity, Role.Bounds => bounds, _ => flags }).Add(evaluator.Message(i, context));
            }
        }
        catch (RuleEvaluationException failure)
        {
            // Fail closed: a policy that cannot judge a patch does not let it through.
            return new PatchDecision(patch, PatchDecision.RejectedByPolicy, [$"the policy could not judge the patch: {failure.Message}"], context.Patch.Tags, [], context.Bounds);
        }

        // Nothing but the patch itself or an eligible.* rule makes a candidate eligible; a patch that says false is not.
        if (patch.EligibleForLive == false)
        {
            notes.Clear();
            ineligible.Insert(0, $"{NotEligible}: the patch sets it false");
        }
        else if (notes.Count == 0)
        {
            ineligible.Insert(0, NotEligible);
        }

        if (patch.Notes is { } own)
        {
            notes.Add($"notes: {own}");
        }

        var (status, reasons) = ineligible.Count > 0 || flags.Count > 0
            ? (PatchDecision.RejectedByPolicy, ineligible.Concat(flags.Count > 0 ? [Flagged, .. flags] : []).ToList())
            : sanity.Count > 0 ? (PatchDecision.RejectedBySanity, sanity)
            : bounds.Count > 0 ? (PatchDecision.Pending, bounds)
            : (PatchDecision.Accepted, []);
        return new PatchDecision(patch, status, reasons, context.Patch.Tags, flags, context.Bounds) { Notes = notes };
    }
}
