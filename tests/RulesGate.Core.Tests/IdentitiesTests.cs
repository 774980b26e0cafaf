namespace RulesGate.Core.Tests;

public sealed class IdentitiesTests
{
    [Theory]
    [InlineData("risk", "risk")]
    [InlineData("RISK", "risk")]
    [InlineData("  Risk\t", "risk")]
    [InlineData("ｒｉｓｋ", "risk")]
    [InlineData("r\u00ADisk", null)]
    [InlineData("risk\u200B", null)]
    [InlineData("\u200B\u200C", null)]
    [InlineData("ri\u0000sk", null)]
    [InlineData("risk\u2028", "risk")]
    [InlineData("ri\u2028sk", null)]
    [InlineData("", null)]
    [InlineData("   ", null)]
    public void Name_NormalizesOrRefuses(string value, string? expected)
    {
        if (expected is null)
        {
            var error = Assert.Throws<FormatException>(() => Identities.Name(value, "approval"));
            Assert.Contains("approval", error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(expected, Identities.Name(value, "approval"));
        }
    }

    [Fact]
    public void Id_KeepsCaseAndComposes()
    {
        Assert.Equal("Alpha-Momentum", Identities.Id(" Alpha-Momentum ", "policy id"));
        Assert.Equal("café", Identities.Id("cafe\u0301", "policy id"));
    }

    [Theory]
    [InlineData("limits reviewed", true)]
    [InlineData("\u200B\u200B", false)]
    [InlineData(" \t ", false)]
    [InlineData("\u2060", false)]
    public void Text_NeedsAVisibleCharacter(string value, bool accepted)
    {
        if (accepted)
        {
            Assert.Equal(value, Identities.Text(value, "reason"));
        }
        else
        {
            Assert.Throws<FormatException>(() => Identities.Text(value, "reason"));
        }
    }
}
