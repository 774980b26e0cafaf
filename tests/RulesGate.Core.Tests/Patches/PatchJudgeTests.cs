using System.Text.Json;
using RulesGate.Core.Patches;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Patches;

/// <summary>The shipped PatchPolicy through the judge: candidates, tags, each flag's text, guardrails only in bounded_auto, the decision.</summary>
public sealed class PatchJudgeTests
{
    private static readonly Lazy<PatchJudge> Shipped = new(() => new PatchJudge(Compiled.Bundle(File.ReadAllText(Repo.PathOf("rules", "patches", "default.yaml")))));

    private static PatchJudge Judge => Shipped.Value;

    internal static ConfigPatch Patch(string target = "portfolio.leverage", object? old = null, object? @new = null, double? confidence = 0.9, string status = "APPLIED_OFFLINE", string tags = "[]", string meta = "{}", string id = "p-1")
    {
        static string Value(object value) => value switch
        {
            string text => JsonSerializer.Serialize(text),
            bool flag => flag ? "true" : "false",
            double number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString()!,
        };
        var json = $$"""{"id":"{{id}}","target":"{{target}}","old_value":{{Value(old ?? 1.5)}},"new_value":{{Value(@new ?? 1.75)}},"status":"{{status}}","generated_at":"2026-11-28T09:00:00Z","reason":"r","source_experiment_id":"exp-1","confidence_score":{{(confidence is { } c ? Value(c) : "null")}},"tags":{{tags}},"meta":{{meta}}}""";
        return ConfigPatch.Read(JsonDocument.Parse(json).RootElement);
    }

    private static PatchDecision Decide(ConfigPatch patch, PatchMode mode = PatchMode.ManualOnly, bool globalLock = false) => Judge.Decide(patch, mode, globalLock);

    [Theory]
    [InlineData("APPLIED_OFFLINE", true)]
    [InlineData("PROMOTED", true)]
    [InlineData("PROPOSED", false)]
    [InlineData("REJECTED", false)]
    [InlineData("RETIRED", false)]
    public void Candidates_AreAppliedOfflineOrPromotedOnly(string status, bool candidate) =>
        Assert.Equal(candidate ? 1 : 0, Judge.Judge([Patch(status: status)], PatchMode.ManualOnly).Count);

    [Theory]
    [InlineData("Portfolio.LEVERAGE_cap", "[]", "leverage")]
    [InlineData("risk.macro.trigger_leverage", "[]", "leverage,risk,macro,trigger")]      // the policy's order, not the target's
    [InlineData("strategy.x", "[\"Custom\",\"custom\"]", "custom")]                          // its own, normalized, once
    [InlineData("macro.weight", "[\"r_and_d\"]", "macro,r_and_d")]
    public void Tags_FromTheTargetInThePolicysOrder_ThenItsOwn(string target, string tags, string expected) =>
        Assert.Equal(expected, string.Join(",", Decide(Patch(target, 1.0, 1.0, tags: tags)).Tags));

    [Fact]
    public void Accepted_WhenEligibleUnflaggedAndSane()
    {
        var decision = Decide(Patch());
        Assert.Equal((PatchDecision.Accepted, 0, 0), (decision.Status, decision.Reasons.Count, decision.SafetyFlags.Count));
    }

    [Theory]
    [InlineData(0.75, PatchDecision.Accepted)]
    [InlineData(0.7499, PatchDecision.RejectedByPolicy)]
    [InlineData(null, PatchDecision.RejectedByPolicy)]
    public void Eligibility_IsTheFilesRule_ConfidenceAtLeast075(double? confidence, string status)
    {
        var decision = Decide(Patch(confidence: confidence));
        Assert.Equal(status, decision.Status);
        Assert.Equal(status == PatchDecision.Accepted ? [] : ["candidate not marked as eligible_for_live"], decision.Reasons);
    }

    [Fact]
    public void P0Flags_RejectByPolicy_WithTheFlagsAfterTheSummary()
    {
        var decision = Decide(Patch("live.api_keys.primary", "a", "b", tags: "[\"untested\"]"));

        Assert.Equal(PatchDecision.RejectedByPolicy, decision.Status);
        Assert.Equal(
        [
            "candidate has P0 safety violations",
            "P0_BLACKLIST: Target 'live.api_keys.primary' matches blacklisted pattern 'live.api_keys'",
            "P0_BLACKLIST: Tags [untested] are blacklisted",
        ], decision.Reasons);
        Assert.Equal(decision.Reasons.Skip(1), decision.SafetyFlags);
    }

    [Theory]
    [InlineData("portfolio.leverage", 1.0, 2.0, 0.25)]
    [InlineData("strategy.trigger_delay", 3.0, 15.0, 2.0)]
    [InlineData("macro.regime_weight", 0.0, 0.8, 0.1)]
    public void Bounds_OnEachLimitAccepted_AndJustPastPending_ForAHumanToDecide(string target, double min, double max, double step)
    {
        static string N(double value, string? format = null) => value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        var tag = Decide(Patch(target, min, min)).Bounds.Tag;
        Assert.Equal(PatchDecision.Accepted, Decide(Patch(target, min + step, min)).Status);
        Assert.Equal(PatchDecision.Accepted, Decide(Patch(target, max - step, max)).Status);

        var below = Decide(Patch(target, min, Math.Round(min - 0.01, 2)));
        var above = Decide(Patch(target, max, max + 0.01));
        var stride = Decide(Patch(target, min, min + step + 0.01));
        Assert.Equal([PatchDecision.Pending, PatchDecision.Pending, PatchDecision.Pending], new[] { below.Status, above.Status, stride.Status });
        Assert.True(below.IsProposed && !below.IsAccepted);
        Assert.Equal([$"AUTO_APPLY_BOUNDS: New value {N(Math.Round(min - 0.01, 2))} < min_value {N(min)} (tag: {tag}); a human decides"], below.Reasons);
        Assert.Equal([$"AUTO_APPLY_BOUNDS: New value {N(max + 0.01)} > max_value {N(max)} (tag: {tag}); a human decides"], above.Reasons);
        Assert.Equal([$"AUTO_APPLY_BOUNDS: Step {N(step + 0.01, "F3")} > max_step {N(step)} (tag: {tag}); a human decides"], stride.Reasons);
        Assert.Empty(below.SafetyFlags);
    }

    [Fact]
    public void Bounds_TheFirstTaggedWithBoundsDecides_AndATextOldValueHasNoStep()
    {
        var both = Decide(Patch("macro.leverage_scale", "n/a", 0.9));       // leverage comes first: [1, 2]
        Assert.Equal("leverage", both.Bounds.Tag);
        Assert.Equal((PatchDecision.Pending, "AUTO_APPLY_BOUNDS: New value 0.9 < min_value 1 (tag: leverage); a human decides"), (both.Status, both.Reasons.Single()));
    }

    [Fact]
    public void Sanity_TheLeverageHardLimitIsItsOwnCheck_ApartFromTheBounds()
    {
        // 3.5 is past the auto-apply maximum of 2 too; that leaves a move to a human, the hard limit rejects it.
        var decision = Decide(Patch(old: 2.9, @new: 3.5));

        Assert.Equal((PatchDecision.RejectedBySanity, "new leverage value 3.5 exceeds hard limit 3"), (decision.Status, decision.Reasons.Single()));
        Assert.Equal(PatchDecision.Pending, Decide(Patch(old: 2.9, @new: 3.0)).Status);
    }

    [Theory]
    [InlineData(0.9, null, PatchDecision.Accepted, "eligible_for_live: set by rule eligible.confidence (confidence 0.900 >= 0.75)")]
    [InlineData(0.5, true, PatchDecision.Accepted, "eligible_for_live: set by the patch")]
    [InlineData(0.9, false, PatchDecision.RejectedByPolicy, null)]
    [InlineData(0.5, null, PatchDecision.RejectedByPolicy, null)]
    public void EligibleForLive_IsAnOptIn_ByThePatchOrARule_AndSaysWhichSetIt(double confidence, bool? eligible, string status, string? note)
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = "p-1", ["target"] = "portfolio.leverage", ["old_value"] = 1.5, ["new_value"] = 1.75, ["status"] = "APPLIED_OFFLINE", ["generated_at"] = "2026-11-28T09:00:00Z",
            ["reason"] = "r", ["source_experiment_id"] = "exp-1", ["confidence_score"] = confidence, ["eligible_for_live"] = eligible, ["notes"] = "from the weekend sweep",
        }.Where(pair => pair.Value is not null).ToDictionary());

        var decision = Decide(ConfigPatch.Read(JsonDocument.Parse(json).RootElement));

        Assert.Equal(status, decision.Status);
        if (note is null)
        {
            Assert.StartsWith("candidate not marked as eligible_for_live", decision.Reasons[0], StringComparison.Ordinal);
            Assert.Equal(["notes: from the weekend sweep"], decision.Notes);
        }
        else
        {
            Assert.Equal([note, "notes: from the weekend sweep"], decision.Notes);
        }
    }

    [Fact]
    public void APolicyWithoutEligibleRules_RejectsEveryPatchThatDoesNotOptIn()
    {
        var judge = new PatchJudge(Compiled.Bundle(File.ReadAllText(Repo.PathOf("rules", "patches", "default.yaml"))
            .Replace("  - id: eligible.confidence\n", "  - id: sanity.confidence_never\n", StringComparison.Ordinal)
            .Replace("    when: Patch.Confidence >= Params.Eligibility.MinConfidence\n", "    when: \"false\"\n", StringComparison.Ordinal)));

        Assert.Equal(["candidate not marked as eligible_for_live"], judge.Decide(Patch(confidence: 0.99), PatchMode.ManualOnly, false).Reasons);
    }

    [Fact]
    public void Guardrails_FlagOnlyInBoundedAuto()
    {
        var patch = Patch(confidence: 0.78, tags: "[\"experimental\"]", meta: "{\"is_live_ready\": false}");

        var manual = Decide(patch, PatchMode.ManualOnly, globalLock: true);
        var auto = Decide(patch, PatchMode.BoundedAuto, globalLock: true);

        Assert.Equal(["P0_BLACKLIST: Tags [experimental] are blacklisted"], manual.SafetyFlags);
        Assert.Equal(
        [
            "P0_BLACKLIST: Tags [experimental] are blacklisted",
            "P0_GUARDRAIL: Global promotion lock is active",
            "P0_GUARDRAIL: Confidence 0.780 < min_threshold 0.8",
            "P0_GUARDRAIL: Candidate is R&D/experimental tier",
            "P0_GUARDRAIL: Patch metadata indicates not live-ready",
        ], auto.SafetyFlags);
        Assert.Equal(PatchDecision.Accepted, Decide(Patch(confidence: 0.78), PatchMode.ManualOnly).Status);
        Assert.Equal(PatchDecision.RejectedByPolicy, Decide(Patch(confidence: 0.78), PatchMode.BoundedAuto).Status);
    }

    [Theory]
    [InlineData("""{"id":"p","target":"t","old_value":1,"new_value":2,"status":"DONE","generated_at":"2026-11-28T09:00:00Z","reason":"r","source_experiment_id":"e","confidence_score":1}""", "patch.status")]
    [InlineData("""{"id":"p","target":"t","old_value":1,"new_value":[2],"status":"PROMOTED","generated_at":"2026-11-28T09:00:00Z","reason":"r","source_experiment_id":"e","confidence_score":1}""", "patch.new_value")]
    [InlineData("""{"id":"p","target":"t","old_value":1,"new_value":2,"status":"PROMOTED","generated_at":"2026-11-28T09:00:00Z","reason":"r","source_experiment_id":"e"}""", "patch.confidence_score: required")]
    [InlineData("""{"id":"p","target":"t","old_value":1,"new_value":2,"status":"PROMOTED","generated_at":"2026-11-28T09:00:00Z","reason":"r","source_experiment_id":"e","confidence_score":1,"meta":{"is_live_ready":"no"}}""", "patch.meta.is_live_ready")]
    [InlineData("""{"id":"p","target":"t","old_value":1,"new_value":2,"status":"PROMOTED","generated_at":"2026-11-28T09:00:00Z","reason":"r","source_experiment_id":"e","confidence_score":1,"colour":1}""", "patch.colour: unknown key")]
    public void Reading_ABadPatch_NamesTheField(string json, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => ConfigPatch.Read(JsonDocument.Parse(json).RootElement)).Message, StringComparison.Ordinal);

    [Fact]
    public void AThrowingRule_RejectsTheCandidate()
    {
        var judge = new PatchJudge(Compiled.Bundle(File.ReadAllText(Repo.PathOf("rules", "patches", "default.yaml"))
            .Replace("    when: GlobalLock\n", "    when: Patch.Tags[7] == \"x\"\n", StringComparison.Ordinal)));

        var decision = judge.Decide(Patch(), PatchMode.BoundedAuto, globalLock: false);

        Assert.Equal(PatchDecision.RejectedByPolicy, decision.Status);
        Assert.StartsWith("the policy could not judge the patch", decision.Reasons.Single(), StringComparison.Ordinal);
    }
}
