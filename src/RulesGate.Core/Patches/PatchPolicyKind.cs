using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Patches;

/// <summary>How far a patch may go: whether and how governance applies accepted patches.</summary>
public enum PatchMode
{
    /// <summary>Nothing is proposed or applied.</summary>
    Disabled,

    /// <summary>Accepted patches become a proposal that people approve (the default).</summary>
    ManualOnly,

    /// <summary>Accepted numeric patches within their bounds are applied at once, and proposed too.</summary>
    BoundedAuto,
}

public static class PatchModes
{
    public static string Name(PatchMode mode) => mode switch
    {
        PatchMode.Disabled => "disabled",
        PatchMode.ManualOnly => "manual_only",
        _ => "bounded_auto",
    };

    /// <exception cref="FormatException">Not one of the three.</exception>
    public static PatchMode Parse(string text, string at) => text switch
    {
        "disabled" => PatchMode.Disabled,
        "manual_only" => PatchMode.ManualOnly,
        "bounded_auto" => PatchMode.BoundedAuto,
        _ => throw new FormatException($"{at}: '{text}' is not a mode; write disabled, manual_only or bounded_auto."),
    };
}

/// <summary>The patch as the rules see it: its target, values, confidence and tags.</summary>
/// <param name="NewNumber">The new value when it is a number; NaN otherwise.</param>
/// <param name="OldNumber">The old value when it is a number; NaN otherwise.</param>
/// <param name="Step">|new − old|, computed in decimal so that 0.8 − 0.7 is 0.1; NaN unless both are numbers.</param>
/// <param name="Confidence">The learning loop's confidence; NaN when it gives none (every comparison with it is false).</param>
/// <param name="ConfidenceText">The confidence with three decimals, or <c>None</c>, as the guardrail message writes it.</param>
/// <param name="Tags">The tags its target earns, in the policy's order, then its own; lower-case.</param>
/// <param name="NotLiveReady">Its meta says <c>is_live_ready: false</c>.</param>
/// <param name="EligibleForLive">The patch itself sets <c>eligible_for_live: true</c>.</param>
public sealed record PatchView(
    string Id,
    string Target,
    string Status,
    bool IsNumeric,
    double NewNumber,
    bool OldIsNumeric,
    double OldNumber,
    double Step,
    double Confidence,
    string ConfidenceText,
    IReadOnlyList<string> Tags,
    bool NotLiveReady,
    bool EligibleForLive);

/// <summary>The auto-apply bounds of the first of the patch's tags the policy has bounds for.</summary>
/// <param name="Found">Whether any of its tags has bounds; when not, the other figures are NaN and the tag empty.</param>
public sealed record PatchBounds(bool Found, string Tag, double Min, double Max, double MaxStep)
{
    public static PatchBounds None { get; } = new(false, "", double.NaN, double.NaN, double.NaN);
}

/// <summary>What a <c>PatchPolicy</c> rule sees: the patch, its bounds, the mode and the global lock.</summary>
public sealed class PatchContext(PatchView patch, PatchBounds bounds, string mode, bool globalLock)
{
    public PatchView Patch { get; } = patch;

    public PatchBounds Bounds { get; } = bounds;

    /// <summary><c>disabled</c>, <c>manual_only</c> or <c>bounded_auto</c>.</summary>
    public string Mode { get; } = mode;

    /// <summary>Whether the global promotion lock is on.</summary>
    public bool GlobalLock { get; } = globalLock;
}

/// <summary>
/// <c>kind: PatchPolicy</c>: which config patches of the learning loop may go live. Rule ids name their role:
/// <c>eligible.NAME</c> sets <c>eligible_for_live</c> when it fires (a patch may set it itself; nothing else does);
/// <c>eligibility.NAME</c> fires when a candidate is not eligible whatever set it; <c>p0.NAME</c> is a safety flag in
/// every mode; <c>guardrail.NAME</c> a safety flag in <c>bounded_auto</c> only; <c>sanity.NAME</c> a sanity rejection;
/// <c>bounds.NAME</c> fires when the move is outside the auto-apply bounds, which leaves it PENDING for a human. The
/// message is the reason or the flag.
/// </summary>
public sealed class PatchPolicyKind : RuleKind<PatchContext>
{
    public static PatchPolicyKind Instance { get; } = new();

    public override string Name => "PatchPolicy";

    public override IReadOnlyDictionary<string, ParamSpec> ParamSchema { get; } = new Dictionary<string, ParamSpec>(StringComparer.Ordinal)
    {
        ["mode"] = new(ParamType.String, Description: "The default mode: disabled, manual_only or bounded_auto."),
        ["candidate_statuses"] = new(ParamType.StringList, Description: "The patch statuses that make a patch a candidate."),
        ["target_tags"] = new(ParamType.StringList, Description: "Tags a target earns when it contains the word (case-insensitive), in this order."),
        ["max_auto_applies_per_day"] = new(ParamType.Integer, Min: 0, Description: "Patches bounded_auto applies in one UTC day at most."),
        ["global_lock"] = new(ParamType.Bool, Description: "The global promotion lock: in bounded_auto, every candidate is flagged."),
    };

    public override string? CheckRuleId(string id) =>
        id.Split('.', 2) is ["eligible" or "eligibility" or "p0" or "guardrail" or "sanity" or "bounds", { Length: > 0 }]
            ? null
            : "A PatchPolicy rule id names its role: eligible.NAME, eligibility.NAME, p0.NAME, guardrail.NAME, sanity.NAME or bounds.NAME, such as p0.blacklisted_target.";

    public override object ReadContext(JsonElement json) => throw new FormatException("A PatchPolicy context is read with its file.");

    public override object ReadContext(JsonElement json, RuleFile file)
    {
        var fields = new Serialization.JsonFields(json, "context", "patch", "mode", "global_lock");
        var settings = PatchSettings.Of(file);
        var mode = fields.Has("mode") ? PatchModes.Parse(fields.String("mode"), "context.mode") : settings.Mode;
        return settings.Context(ConfigPatch.Read(fields.Required("patch")), mode, fields.Has("global_lock") ? fields.Bool("global_lock") : settings.GlobalLock);
    }
}

/// <summary>What the engine itself reads of a PatchPolicy file; a parameter it leaves out has the seed's value.</summary>
public sealed record PatchSettings(
    PatchMode Mode,
    IReadOnlyList<string> CandidateStatuses,
    IReadOnlyList<string> TargetTags,
    int MaxAutoAppliesPerDay,
    bool GlobalLock,
    IReadOnlyDictionary<string, (double Min, double Max, double MaxStep)> Bounds)
{
    /// <exception cref="FormatException">A parameter is of the wrong kind; names the file.</exception>
    public static PatchSettings Of(RuleFile file)
    {
        var bounds = new Dictionary<string, (double, double, double)>(StringComparer.Ordinal);
        foreach (var leaf in file.Params.Leaves.Where(leaf => leaf.Path.StartsWith("bounds.", StringComparison.Ordinal) && leaf.Path.EndsWith(".min", StringComparison.Ordinal)))
        {
            var tag = leaf.Path["bounds.".Length..^".min".Length];
            double Number(string name) => file.Params.Find($"bounds.{tag}.{name}")?.Value as double?
                ?? throw new FormatException($"{file.Path}: params.bounds.{tag}.{name} is missing; a tag's bounds are min, max and max_step.");
            bounds[tag] = (Number("min"), Number("max"), Number("max_step"));
        }

        return new PatchSettings(
            file.Params.Find("mode")?.Value is string mode ? PatchModes.Parse(mode, $"{file.Path}: params.mode") : PatchMode.ManualOnly,
            file.Params.Find("candidate_statuses")?.Value as IReadOnlyList<string> ?? ["APPLIED_OFFLINE", "PROMOTED"],
            file.Params.Find("target_tags")?.Value as IReadOnlyList<string> ?? ["leverage", "risk", "macro", "trigger"],
            file.Params.Find("max_auto_applies_per_day")?.Value as int? ?? 3,
            file.Params.Find("global_lock")?.Value as bool? ?? false,
            bounds);
    }

    /// <summary>|b − a| in decimal, so that 0.8 − 0.7 is exactly 0.1 (in double beyond decimal's range).</summary>
    public static double Step(double a, double b) =>
        Math.Abs(a) < 1e15 && Math.Abs(b) < 1e15 ? (double)Math.Abs((decimal)b - (decimal)a) : Math.Abs(b - a);

    /// <summary>Whether the patch's status makes it a candidate.</summary>
    public bool IsCandidate(ConfigPatch patch) => CandidateStatuses.Contains(StatusName(patch.Status), StringComparer.Ordinal);

    public static string StatusName(PatchStatus status) => status switch
    {
        PatchStatus.Proposed => "PROPOSED",
        PatchStatus.AppliedOffline => "APPLIED_OFFLINE",
        PatchStatus.Promoted => "PROMOTED",
        PatchStatus.Rejected => "REJECTED",
        _ => "RETIRED",
    };

    /// <summary>The tags a patch carries: those its target earns, in the policy's order, then its own.</summary>
    public IReadOnlyList<string> TagsOf(ConfigPatch patch)
    {
        var target = patch.Target.ToLowerInvariant();
        return [.. TargetTags.Where(tag => target.Contains(tag, StringComparison.Ordinal)).Concat(patch.Tags).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The bounds of the first of <paramref name="tags"/> that has any.</summary>
    public PatchBounds BoundsOf(IReadOnlyList<string> tags) =>
        tags.FirstOrDefault(Bounds.ContainsKey) is { } tag ? new PatchBounds(true, tag, Bounds[tag].Min, Bounds[tag].Max, Bounds[tag].MaxStep) : PatchBounds.None;

    public PatchContext Context(ConfigPatch patch, PatchMode mode, bool globalLock)
    {
        var tags = TagsOf(patch);
        var step = patch.NewValue.IsNumber && patch.OldValue.IsNumber ? Step(patch.OldValue.Number, patch.NewValue.Number) : double.NaN;
        var view = new PatchView(
            patch.Id, patch.Target, StatusName(patch.Status),
            patch.NewValue.IsNumber, patch.NewValue.Number, patch.OldValue.IsNumber, patch.OldValue.Number, step,
            patch.Confidence ?? double.NaN,
            patch.Confidence is { } confidence ? confidence.ToString("F3", CultureInfo.InvariantCulture) : "None",
            tags,
            patch.LiveReady == false,
            patch.EligibleForLive == true);
        return new PatchContext(view, BoundsOf(tags), PatchModes.Name(mode), globalLock);
    }
}
