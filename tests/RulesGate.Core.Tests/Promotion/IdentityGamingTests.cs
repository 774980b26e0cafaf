using RulesGate.Core.Promotion;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Promotion;

/// <summary>Approvals, statuses and attributions cannot be gamed by case, width or invisible characters.</summary>
public sealed class IdentityGamingTests : IDisposable
{
    private static readonly string[] Roles = ["compliance", "risk"];

    private readonly TempJournal journal = new();

    public void Dispose() => journal.Dispose();

    private PolicyLedgerRecord Promote(PromotionStage stage, params string[] approvals) =>
        PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", stage, "ops", approvals, EvidenceId: "dd-1", DeclaredRoles: Roles));

    [Theory]
    [InlineData("risk", "RISK")]
    [InlineData("risk", " Risk ")]
    [InlineData("risk", "ｒｉｓｋ")]
    [InlineData("compliance", "COMPLIANCE")]
    public void Promote_OneRoleSpelledTwoWays_IsOneApproval(string first, string second)
    {
        Promote(PromotionStage.Pilot, first);

        var refused = Assert.Throws<PromotionRefusedException>(() => Promote(PromotionStage.LimitedLive, second));

        Assert.Contains("two distinct approvals and it has 1", refused.Message, StringComparison.Ordinal);
        Assert.Equal([first], PolicyLedger.Read(journal.Store, "alpha").Approvals);
    }

    [Theory]
    [InlineData("risk\u200B")]
    [InlineData("\u200B")]
    [InlineData("ri\u2060sk")]
    [InlineData("  ")]
    public void Promote_ApprovalWithInvisibleCharacters_IsRefused(string approval)
    {
        Assert.Throws<FormatException>(() => Promote(PromotionStage.Pilot, approval));
        Assert.Equal(0, PolicyLedger.Read(journal.Store, "alpha").Version);
    }

    [Fact]
    public void Promote_ApprovalNamingNoDeclaredRole_IsRefusedWithAGuess()
    {
        var refused = Assert.Throws<PromotionRefusedException>(() => Promote(PromotionStage.Pilot, "rsik"));

        Assert.Contains("did you mean 'risk'", refused.Message, StringComparison.Ordinal);
        Assert.Throws<PromotionRefusedException>(() => Promote(PromotionStage.Pilot, "ceo"));
    }

    [Theory]
    [InlineData("\u200B")]
    [InlineData("\u200B\u200D ")]
    [InlineData("")]
    public void Promote_ActorOrEvidenceOfInvisibleCharactersOnly_IsRefused(string invisible)
    {
        Assert.Throws<FormatException>(() => PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", PromotionStage.Paper, invisible, EvidenceId: "dd-1")));
        Assert.Throws<FormatException>(() => PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", PromotionStage.Paper, "ops", EvidenceId: invisible)));
    }

    [Theory]
    [InlineData("\u200B\u200B")]
    [InlineData("\t")]
    public void KillSwitchReset_InvisibleReasonOrActor_IsRefused(string invisible)
    {
        Assert.Throws<FormatException>(() => RulesGate.Core.Gate.GateJournal.Reset(journal.Store, Actor.Authenticated("risk-officer"), invisible, WorkflowRoles.None));
        Assert.Throws<FormatException>(() => RulesGate.Core.Gate.GateJournal.Reset(journal.Store, Actor.Authenticated(invisible), "reviewed", WorkflowRoles.None));
    }

    [Theory]
    [InlineData("activ", "did you mean 'active'")]
    [InlineData("active\u200B", "invisible")]
    [InlineData("actives", "did you mean 'active'")]
    [InlineData("live", "write one of")]
    public void SetStatus_StatusOutsideTheDeclaredSet_IsRefused(string status, string says)
    {
        var guard = new PromotionGuard(PromotionGuard.Load(Compiled.Engine, Repo.PathOf("rules", "promotion", "guard.yaml"), _ => null).Value!, _ => null);

        var refused = Record.Exception(() => guard.SetStatus(journal.Store, "s-1", "alpha", status, "ops"));

        Assert.True(refused is PromotionRefusedException or FormatException, refused?.ToString());
        Assert.Contains(says, refused!.Message, StringComparison.Ordinal);
        Assert.Null(PromotionGuard.Status(journal.Store, "s-1"));
    }
}
