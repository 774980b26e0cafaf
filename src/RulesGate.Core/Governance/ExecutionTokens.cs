namespace RulesGate.Core.Governance;

/// <summary>The token parameters a GovernancePolicy sets (<c>params.tokens</c>).</summary>
/// <param name="Ttl">How long a token stays valid after it is issued.</param>
/// <param name="MaxActivePerStrategy">How many tokens may be active (issued, not used, revoked or expired) for one strategy at once.</param>
public sealed record TokenParams(TimeSpan Ttl, int MaxActivePerStrategy = 10)
{
    public static TokenParams Default { get; } = new(TimeSpan.FromSeconds(300));
}

/// <summary>
/// A scoped execution token: a time-bounded, revocable, single-use authorisation for one strategy to send one
/// order, optionally only for one symbol and up to a quantity.
/// </summary>
/// <param name="Id">How people name it: the first 16 hex digits of <paramref name="SecretHash"/>.</param>
/// <param name="Symbol">The only symbol it covers; null for any.</param>
/// <param name="MaxQty">The largest quantity it covers; null for any.</param>
/// <param name="ConsumedAt">When an order used it; null while unused.</param>
/// <param name="RevokedAt">When it was revoked; null unless it was.</param>
/// <param name="SecretHash">SHA-256 of the secret the order presents; the secret itself is never kept.</param>
public sealed record ExecutionToken(
    string Id,
    string StrategyId,
    string? Symbol,
    double? MaxQty,
    string IssuedBy,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? ConsumedAt = null,
    DateTimeOffset? RevokedAt = null,
    string SecretHash = "")
{
    /// <summary>Whether it could still authorise an order at <paramref name="now"/>: not used, not revoked, not expired.</summary>
    public bool ActiveAt(DateTimeOffset now) => ConsumedAt is null && RevokedAt is null && now < ExpiresAt;

    /// <summary>Null when the token authorises this order at <paramref name="now"/>; otherwise why not, in one sentence.</summary>
    /// <remarks>The strategy and symbol are compared after <see cref="Identities.Id"/>, as the token's own were when it was issued.</remarks>
    public string? Refusal(string strategyId, string symbol, double qty, DateTimeOffset now) =>
        Why(Identities.Id(strategyId, "strategy"), Identities.Id(symbol, "symbol"), qty, now);

    private string? Why(string strategyId, string symbol, double qty, DateTimeOffset now) =>
        !string.Equals(StrategyId, strategyId, StringComparison.Ordinal) ? $"token {Id} is for strategy {StrategyId}, not {strategyId}"
        : ConsumedAt is { } used ? $"token {Id} was used at {Serialization.JsonText.Timestamp(used)}"
        : RevokedAt is { } revoked ? $"token {Id} was revoked at {Serialization.JsonText.Timestamp(revoked)}"
        : now >= ExpiresAt ? $"token {Id} expired at {Serialization.JsonText.Timestamp(ExpiresAt)}"
        : now < IssuedAt ? $"token {Id} is not valid before {Serialization.JsonText.Timestamp(IssuedAt)}"
        : Symbol is { } only && !string.Equals(only, symbol, StringComparison.Ordinal) ? $"token {Id} covers {only}, not {symbol}"
        : MaxQty is { } most && !(qty <= most) ? $"token {Id} covers at most {most.ToString(System.Globalization.CultureInfo.InvariantCulture)}, not {qty.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
        : null;
}
