using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RulesGate.Core.Journal;

namespace RulesGate.Core.Governance;

// The governance events written field by field, one record each. governance.decision and governance.drift_alert
// hold a decision and its alerts in the format the CLI prints (GovernanceJson).

/// <summary><c>governance.health</c>: a strategy's health after <paramref name="Outcomes"/> were recorded, with its figures.</summary>
public sealed record HealthRecorded(string Strategy, IReadOnlyList<string> Outcomes, decimal Debt, decimal Credit, double Score, double Multiplier, JsonElement Figures) : IEventPayload<HealthRecorded>
{
    public static string Type => EventTypes.GovernanceHealth;

    public static JsonTypeInfo<HealthRecorded> Json => GovernanceEventJson.Default.HealthRecorded;
}

/// <summary><c>token.issued</c>: a token (by id; its secret only as <paramref name="SecretSha256"/>) for <paramref name="Strategy"/>.</summary>
public sealed record TokenIssued(
    string Strategy,
    string Token,
    string SecretSha256,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Symbol,
    double? MaxQty,
    string IssuedBy,
    string ExpiresAt) : IEventPayload<TokenIssued>
{
    public static string Type => EventTypes.TokenIssued;

    public static JsonTypeInfo<TokenIssued> Json => GovernanceEventJson.Default.TokenIssued;
}

/// <summary><c>token.consumed</c>: the token whose secret hashes to <paramref name="SecretSha256"/> authorised one order.</summary>
public sealed record TokenConsumed(string Strategy, string SecretSha256) : IEventPayload<TokenConsumed>
{
    public static string Type => EventTypes.TokenConsumed;

    public static JsonTypeInfo<TokenConsumed> Json => GovernanceEventJson.Default.TokenConsumed;
}

/// <summary><c>token.revoked</c>: one token (<paramref name="Token"/>), or all of the strategy's when it is null.</summary>
public sealed record TokenRevoked(
    string Strategy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Token,
    string Actor,
    string Reason) : IEventPayload<TokenRevoked>
{
    public static string Type => EventTypes.TokenRevoked;

    public static JsonTypeInfo<TokenRevoked> Json => GovernanceEventJson.Default.TokenRevoked;
}

/// <summary><c>canary.check</c>: a component's report, and its failures in a row since.</summary>
public sealed record CanaryChecked(
    string Component,
    bool Ok,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail,
    int ConsecutiveFailures) : IEventPayload<CanaryChecked>
{
    public static string Type => EventTypes.CanaryCheck;

    public static JsonTypeInfo<CanaryChecked> Json => GovernanceEventJson.Default.CanaryChecked;
}

/// <summary><c>canary.alert</c>: the failures reached a threshold; <paramref name="Action"/> is what the policy does (warn, throttle, kill).</summary>
public sealed record CanaryAlerted(string Component, int Failures, string Action, string Reason) : IEventPayload<CanaryAlerted>
{
    public static string Type => EventTypes.CanaryAlert;

    public static JsonTypeInfo<CanaryAlerted> Json => GovernanceEventJson.Default.CanaryAlerted;
}

/// <summary>The governance events' JSON: snake_case names, in the order each record declares them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HealthRecorded))]
[JsonSerializable(typeof(TokenIssued))]
[JsonSerializable(typeof(TokenConsumed))]
[JsonSerializable(typeof(TokenRevoked))]
[JsonSerializable(typeof(CanaryChecked))]
[JsonSerializable(typeof(CanaryAlerted))]
internal sealed partial class GovernanceEventJson : JsonSerializerContext;
