using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Governance;

/// <summary>Execution tokens in the journal: single use, time-bounded, scoped, capped per strategy, and never stored in the clear.</summary>
public sealed class TokenLedgerTests : IDisposable
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    private readonly TempJournal journal;
    private readonly TokenLedger tokens;

    public TokenLedgerTests()
    {
        journal = new TempJournal(clock);
        tokens = new TokenLedger(journal.Store, TokenParams.Default, clock);
    }

    public void Dispose() => journal.Dispose();

    [Fact]
    public void Token_IsUsedOnceThenAuthorisesNothing()
    {
        var (issued, secret) = tokens.Issue("trend", "MSFT", 100, "ops");

        var used = tokens.Consume(secret, "trend", "MSFT", 100);
        var events = journal.Store.LastSeq();
        var again = Assert.Throws<TokenRefusedException>(() => tokens.Consume(secret, "trend", "MSFT", 1));

        Assert.Equal((issued.Id, clock.GetUtcNow()), (used.Id, used.ConsumedAt));
        Assert.Contains("no active token of trend", again.Message, StringComparison.Ordinal);
        Assert.Equal(("token.refused", "trend"), (again.Reason, again.Subject));
        Assert.Equal(events, journal.Store.LastSeq());
        Assert.Empty(tokens.Active("trend"));
        Assert.True(JournalVerifier.Verify(journal.Store).Intact, JournalVerifier.Verify(journal.Store).Problem);
    }

    [Fact]
    public void Token_ExpiresAtItsTtl()
    {
        var (_, early) = tokens.Issue("trend", null, null, "ops");
        var (_, late) = tokens.Issue("trend", null, null, "ops");

        clock.Advance(TimeSpan.FromSeconds(300) - TimeSpan.FromTicks(1));
        tokens.Consume(early, "trend", "AAPL", 5);
        clock.Advance(TimeSpan.FromTicks(1));

        Assert.Throws<TokenRefusedException>(() => tokens.Consume(late, "trend", "AAPL", 5));
        Assert.Empty(tokens.Active("trend"));
    }

    [Theory]
    [InlineData("trend", "AAPL", 10, "covers MSFT, not AAPL")]
    [InlineData("trend", "MSFT", 101, "covers at most 100, not 101")]
    [InlineData("meanrev", "MSFT", 10, "no active token of meanrev")]
    public void Token_OutOfScope_IsRefusedAndStaysUsable(string strategy, string symbol, double qty, string why)
    {
        var (_, secret) = tokens.Issue("trend", "MSFT", 100, "ops");

        Assert.Contains(why, Assert.Throws<TokenRefusedException>(() => tokens.Consume(secret, strategy, symbol, qty)).Message, StringComparison.Ordinal);

        Assert.Single(tokens.Active("trend"));
        tokens.Consume(secret, "trend", "MSFT", 100);
    }

    [Fact]
    public void Strategy_HoldsAtMostTenActiveTokens_ExpiredOnesDoNotCount()
    {
        for (var i = 0; i < 10; i++)
        {
            tokens.Issue("trend", null, null, "ops");
        }

        Assert.Contains("10 active tokens", Assert.Throws<TokenRefusedException>(() => tokens.Issue("trend", null, null, "ops")).Message, StringComparison.Ordinal);
        tokens.Issue("meanrev", null, null, "ops");
        clock.Advance(TimeSpan.FromSeconds(300));

        tokens.Issue("trend", null, null, "ops");
        Assert.Single(tokens.Active("trend"));
    }

    [Fact]
    public void Revoke_OneOrAll_AndARevokedTokenAuthorisesNothing()
    {
        var (first, firstSecret) = tokens.Issue("trend", null, null, "ops");
        tokens.Issue("trend", null, null, "ops");
        tokens.Issue("trend", null, null, "ops");

        Assert.Equal(1, tokens.Revoke("trend", first.Id, "rhea", "desk closed"));
        Assert.Throws<TokenRefusedException>(() => tokens.Consume(firstSecret, "trend", "MSFT", 1));
        Assert.Throws<TokenRefusedException>(() => tokens.Revoke("trend", first.Id, "rhea", "again"));
        Assert.Equal(2, tokens.Revoke("trend", null, "rhea", "incident"));
        Assert.Empty(tokens.Active("trend"));
    }

    [Fact]
    public void Secret_IsNeverWrittenToTheJournal()
    {
        var (token, secret) = tokens.Issue("trend", null, null, "ops");
        tokens.Consume(secret, "trend", "MSFT", 1);

        // The events, and the bytes of the database and its write-ahead log as they are on disk.
        var files = new[] { journal.Path, journal.Path + "-wal" }.Where(File.Exists).Select(path =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream, System.Text.Encoding.Latin1);
            return reader.ReadToEnd();
        });
        var everything = string.Concat(journal.Store.Read().Select(e => e.Payload)) + string.Concat(files);

        Assert.StartsWith("rgt_", secret, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[4..], everything, StringComparison.Ordinal);
        Assert.Contains(token.SecretHash, everything, StringComparison.Ordinal);
        Assert.Equal(token.SecretHash[..16], token.Id);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void MaxQuantity_MustBeAPositiveNumber(double qty) =>
        Assert.Throws<FormatException>(() => tokens.Issue("trend", null, qty, "ops"));
}
