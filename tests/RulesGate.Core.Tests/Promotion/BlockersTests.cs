using RulesGate.Core.Promotion;

namespace RulesGate.Core.Tests.Promotion;

public sealed class BlockersTests
{
    [Theory]
    [InlineData("experiment_stage_decisions_insufficient:12/20", "12 decisions in the experiment diary; 20 needed")]
    [InlineData("paper_stage_alerts_present:1", "1 alert in the paper diary; none allowed")]
    [InlineData("pilot_stage_alerts_present:3", "3 alerts in the pilot diary; none allowed")]
    [InlineData("paper_forced_ratio_exceeds:0.40>0.25", "forced decisions are 40% of the paper diary; at most 25% allowed")]
    [InlineData("experiment_warn_ratio_exceeds:0.45>0.40", "warnings are 45% of the experiment diary; at most 40% allowed")]
    [InlineData("pilot_normal_ratio_below:0.72<0.80", "normal decisions are 72% of the pilot diary; at least 80% needed")]
    [InlineData("paper_normal_streak_below:3/8", "3 normal decisions in a row in paper; 8 needed")]
    [InlineData("approvals_required:2_have:1", "1 approval on the ledger; 2 needed")]
    [InlineData("audit_gaps_present:missing_evidence,additional_approval_needed,missing_risk_review", "the ledger record lacks evidence, a second approval, the checklist item risk review")]
    [InlineData("paper_green_gate_duration_below:3.50<14.00", "paper has been green for 3.5 days; 14 days needed")]
    public void Sentence_AReferenceCode_ReadsAsASentenceWithItsNumbers(string code, string sentence) =>
        Assert.Equal(sentence, Blockers.Sentence(code));

    [Theory]
    [InlineData("maturity_level_1_insufficient")]
    [InlineData("paper_forced_ratio_exceeds:lots>0.25")]
    [InlineData("<script>")]
    public void Sentence_ACodeOfAnotherShape_IsReturnedAsItIs(string code) =>
        Assert.Equal(code, Blockers.Sentence(code));
}
