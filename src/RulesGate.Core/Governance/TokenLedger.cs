using System.Security.Cryptography;
using System.Text;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Governance;

/// <summary>A strategy's tokens that may still authorise an order, as the <c>token</c> projection keeps them.</summary>
internal sealed record TokenSet(IReadOnlyList<ExecutionToken> Active);

/// <summary>A token refused: missing, for another strategy, used, revoked, expired, out of scope, or one too many.</summary>
internal sealed class TokenRefusedException(string strategy, string message) : RefusalException("token.refused", strategy, message);

/// <summary>
/// Execution tokens in the journal: issued, consumed and revoked as <c>token.*</c> events on <c>token:{strategy}</c>,
/// with the strategy's active tokens as one projection document changed in the same transaction, so a token is used
/// at most once even by two processes at the same moment. A token's secret is returned once, when it is issued; the
/// journal keeps only its SHA-256.
/// </summary>
public sealed class TokenLedger(JournalStore store, TokenParams parameters, TimeProvider? time = null)
{
    public const string Projection = "token";
    public const string IssuedType = EventTypes.TokenIssued;
    public const string ConsumedType = EventTypes.TokenConsumed;
    public const string RevokedType = EventTypes.TokenRevoked;

    private readonly TimeProvider clock = time ?? TimeProvider.System;

    /// <summary>The strategy's tokens active now.</summary>
    public IReadOnlyList<ExecutionToken> Active(string strategy)
    {
        strategy = Identities.Id(strategy, "strategy");
        var now = clock.GetUtcNow();
        return [.. Set(store.Load(Projection, strategy)).Active.Where(token => token.ActiveAt(now))];
    }

    /// <summary>Issues a token for <paramref name="strategy"/>, optionally for one symbol and up to a quantity; the secret is shown this once.</summary>
    /// <exception cref="TokenRefusedException">The strategy has as many active tokens as the policy allows.</exception>
    /// <exception cref="FormatException">An id is empty or invisible, or the quantity is not a positive number.</exception>
    public (ExecutionToken Token, string Secret) Issue(string strategy, string? symbol, double? maxQty, string issuedBy)
    {
        strategy = Identities.Id(strategy, "strategy");
        symbol = symbol is null ? null : Identities.Id(symbol, "symbol");
        issuedBy = Identities.Name(issuedBy, "actor");
        if (maxQty is { } most && !(most > 0 && double.IsFinite(most)))
        {
            throw new FormatException($"A token's maximum quantity is a positive number, not {most.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }

        var secret = "rgt_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var hash = Hash(secret);
        var now = clock.GetUtcNow();
        var token = new ExecutionToken(hash[..16], strategy, symbol, maxQty, issuedBy, now, now + parameters.Ttl, SecretHash: hash);
        Change(strategy, EventPayload.Entry(Stream(strategy), new TokenIssued(strategy, token.Id, hash, symbol, maxQty, issuedBy, JsonText.Timestamp(token.ExpiresAt))), (active, _) =>
        {
            if (active.Count >= parameters.MaxActivePerStrategy)
            {
                throw new TokenRefusedException(strategy, $"{strategy} has {active.Count} active tokens, the most the policy allows; use or revoke one first.");
            }

            return [.. active, token];
        });
        return (token, secret);
    }

    /// <summary>What the token <paramref name="secret"/> names would say of this order now, without using it.</summary>
    public TokenView Check(string? secret, string strategy, string symbol, double qty)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            return TokenView.None;
        }

        var hash = Hash(secret);
        var token = Set(store.Load(Projection, Identities.Id(strategy, "strategy"))).Active.FirstOrDefault(token => token.SecretHash == hash);
        return token is null
            ? new TokenView(true, false, null, "no active token of this strategy has this secret (never issued, already used, revoked or expired)")
            : token.Refusal(strategy, symbol, qty, clock.GetUtcNow()) is { } why ? new TokenView(true, false, token.Id, why) : new TokenView(true, true, token.Id, null);
    }

    /// <summary>Uses the token <paramref name="secret"/> names for one order; afterwards it authorises nothing.</summary>
    /// <exception cref="TokenRefusedException">No active token of the strategy has that secret, or it does not cover the order; nothing was written.</exception>
    public ExecutionToken Consume(string secret, string strategy, string symbol, double qty)
    {
        var (change, used) = Using(secret, strategy, symbol, qty);
        store.Append([change.Entry], project: (scope, events) => change.Project(scope, events[0]));
        return used();
    }

    /// <summary>
    /// The use of the token <paramref name="secret"/> names for one order, to append in the transaction of the
    /// decision it authorises: its projection step checks the token again inside that transaction and refuses
    /// (<see cref="TokenRefusedException"/>, so nothing of the transaction is written) when it was used meanwhile.
    /// </summary>
    /// <returns>The change, and the token as used (once the change was projected).</returns>
    internal (JournalChange Change, Func<ExecutionToken> Used) Using(string secret, string strategy, string symbol, double qty)
    {
        strategy = Identities.Id(strategy, "strategy");
        if (string.IsNullOrWhiteSpace(secret))
        {
            throw new TokenRefusedException(strategy, $"an order of {strategy} needs an execution token, and none was given");
        }

        var hash = Hash(secret);
        ExecutionToken? used = null;
        var change = Plan(strategy, EventPayload.Entry(Stream(strategy), new TokenConsumed(strategy, hash)), (active, now) =>
        {
            var token = active.FirstOrDefault(token => token.SecretHash == hash)
                ?? throw new TokenRefusedException(strategy, $"no active token of {strategy} has this secret (never issued, already used, revoked or expired)");
            if (token.Refusal(strategy, symbol, qty, now) is { } why)
            {
                throw new TokenRefusedException(strategy, why);
            }

            used = token with { ConsumedAt = now };
            return [.. active.Where(other => other != token)];
        });
        return (change, () => used ?? throw new InvalidOperationException("The token's use was not projected."));
    }

    /// <summary>Revokes one of the strategy's tokens by its id, or every one of them when <paramref name="id"/> is null; returns how many.</summary>
    public int Revoke(string strategy, string? id, string actor, string reason)
    {
        strategy = Identities.Id(strategy, "strategy");
        actor = Identities.Name(actor, "actor");
        reason = Identities.Text(reason, "reason");
        var revoked = 0;
        Change(strategy, EventPayload.Entry(Stream(strategy), new TokenRevoked(strategy, id?.Trim(), actor, reason)), (active, _) =>
        {
            var kept = active.Where(token => id is not null && token.Id != id.Trim()).ToList();
            revoked = active.Count - kept.Count;
            if (id is not null && revoked == 0)
            {
                throw new TokenRefusedException(strategy, $"{strategy} has no active token {id.Trim()}");
            }

            return kept;
        });
        return revoked;
    }

    /// <summary>One transaction: the event, and the strategy's active set as <paramref name="change"/> leaves it (expired tokens dropped first).</summary>
    private void Change(string strategy, JournalEntry entry, Func<IReadOnlyList<ExecutionToken>, DateTimeOffset, IReadOnlyList<ExecutionToken>> change)
    {
        var planned = Plan(strategy, entry, change);
        store.Append([planned.Entry], project: (scope, events) => planned.Project(scope, events[0]));
    }

    /// <summary>The event, and the projection step that leaves the strategy's active set as <paramref name="change"/> says (expired tokens dropped first).</summary>
    private JournalChange Plan(string strategy, JournalEntry entry, Func<IReadOnlyList<ExecutionToken>, DateTimeOffset, IReadOnlyList<ExecutionToken>> change)
    {
        var now = clock.GetUtcNow();
        return new JournalChange(entry, (scope, recorded) =>
        {
            var active = Set(scope.Load(Projection, strategy)).Active.Where(token => token.ActiveAt(now)).ToList();
            scope.Store(Projection, strategy, RecordJson.Write(new TokenSet(change(active, now))), recorded.Seq);
        });
    }

    private static string Stream(string strategy) => $"{Projection}:{strategy}";

    private static TokenSet Set(StoredProjection? document) =>
        document is null ? new TokenSet([]) : JournalException.Parsed(document.Key, () => RecordJson.Read<TokenSet>(document.Value));

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
