using RulesGate.Core.Governance;

namespace RulesGate.Core.Tests.Governance;

public sealed class CanaryAndTokenTests
{
    private static readonly DateTimeOffset Issued = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static ExecutionToken Token(string? symbol = null, double? maxQty = null) =>
        new("tok-1", "trend", symbol, maxQty, "ops", Issued, Issued + TokenParams.Default.Ttl);

    [Fact]
    public void Canary_AlertsOnceAtTheThresholdAndASuccessResetsTheCount()
    {
        var parameters = new CanaryParams(FailureThreshold: 3, CanaryAction.Kill);
        var state = new CanaryState("exchange", 0);
        var alerts = new List<CanaryAlert?>();
        foreach (var ok in new[] { false, false, true, false, false, false, false })
        {
            (state, var alert) = state.After(ok, parameters);
            alerts.Add(alert);
        }

        Assert.Equal([null, null, null, null, null, new CanaryAlert("exchange", 3, CanaryAction.Kill), null], alerts);
        Assert.Equal(4, state.ConsecutiveFailures);
        Assert.Equal("Canary: exchange failed 3 checks", alerts[5]!.Reason);
    }

    [Fact]
    public void Token_ValidForItsStrategyUntilJustBeforeItsTtlEnds()
    {
        var token = Token();

        Assert.Null(token.Refusal("trend", "MSFT", 10, Issued));
        Assert.Null(token.Refusal(" trend ", "MSFT", 10, Issued.AddSeconds(299.999)));
        Assert.Contains("expired", token.Refusal("trend", "MSFT", 10, Issued.AddSeconds(300)), StringComparison.Ordinal);
        Assert.Contains("not valid before", token.Refusal("trend", "MSFT", 10, Issued.AddTicks(-1)), StringComparison.Ordinal);
        Assert.Contains("is for strategy trend, not meanrev", token.Refusal("meanrev", "MSFT", 10, Issued), StringComparison.Ordinal);
        Assert.True(token.ActiveAt(Issued.AddSeconds(299)));
        Assert.False(token.ActiveAt(Issued.AddSeconds(300)));
    }

    [Fact]
    public void Token_UsedOrRevoked_AuthorisesNothing()
    {
        Assert.Contains("was used", (Token() with { ConsumedAt = Issued.AddSeconds(1) }).Refusal("trend", "MSFT", 1, Issued.AddSeconds(2)), StringComparison.Ordinal);
        Assert.Contains("was revoked", (Token() with { RevokedAt = Issued.AddSeconds(1) }).Refusal("trend", "MSFT", 1, Issued.AddSeconds(2)), StringComparison.Ordinal);
        Assert.False((Token() with { ConsumedAt = Issued }).ActiveAt(Issued));
    }

    [Theory]
    [InlineData("MSFT", 100, null)]
    [InlineData("MSFT", 100.5, "covers at most 100, not 100.5")]
    [InlineData("AAPL", 1, "covers MSFT, not AAPL")]
    [InlineData("MSFT", double.NaN, "covers at most 100, not NaN")]
    public void Token_ScopedToASymbolAndQuantity(string symbol, double qty, string? refusal)
    {
        var why = Token("MSFT", 100).Refusal("trend", symbol, qty, Issued);

        if (refusal is null)
        {
            Assert.Null(why);
        }
        else
        {
            Assert.Contains(refusal, why, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Token_StrategyWithAnInvisibleCharacter_IsRefusedBeforeAnyComparison() =>
        Assert.Throws<FormatException>(() => Token().Refusal("tre\u200Bnd", "MSFT", 1, Issued));
}
