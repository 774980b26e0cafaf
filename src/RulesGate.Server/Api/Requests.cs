using System.Text.Json;
using System.Text.Json.Serialization;

namespace RulesGate.Server.Api;

// The bodies the governance endpoints take, one record each, read strictly (Http.Read): every field the record does
// not declare is refused, a field it requires is missing or null is refused, and each refusal is one line naming
// the field. The decision endpoints take PolicyGate's request format, read by Core's readers, and answer in the
// formats the CLI prints with --json, so a decision or an instance reads the same on every path.

/// <summary><c>POST /v1/instances</c>.</summary>
internal sealed record StartRequest(string Workflow, string Subject, string? Key = null);

/// <summary><c>POST /v1/instances/{id}/approve</c> and <c>/reject</c>.</summary>
internal sealed record VoteRequest(string Role, string Reason, string? Key = null);

/// <summary><c>POST /v1/evidence</c>: <paramref name="Evidence"/> is the evidence's fields, one object.</summary>
internal sealed record EvidenceRequest(string Subject, string Kind, JsonElement Evidence, string? Key = null);

/// <summary><c>POST /v1/canary</c>.</summary>
internal sealed record CanaryRequest(string Component, bool Ok, string? Detail = null);

/// <summary><c>POST /v1/killswitch/reset</c>.</summary>
internal sealed record ResetRequest(string Reason);

/// <summary><c>POST /v1/shadow</c>: the candidate capital rule file's text (YAML), and a name for it in messages.</summary>
internal sealed record ShadowRequest(string Rules, string File = "shadow.yaml");

/// <summary><c>POST /v1/rule-changes</c>: the candidate capital rule file's text (YAML), and when it may go live once approved (RFC 3339; none: at once).</summary>
internal sealed record RuleChangeRequest(string Rules, string? LiveAt = null);

/// <summary><c>POST /v1/tokens</c>.</summary>
internal sealed record IssueRequest(string StrategyId, string? Symbol = null, double? MaxQty = null);

/// <summary><c>POST /v1/tokens/revoke</c>: one token by <paramref name="Id"/>, or every one with <paramref name="All"/>.</summary>
internal sealed record RevokeRequest(string StrategyId, string Reason, string? Id = null, bool All = false);

/// <summary>The request bodies' JSON: snake_case names, strict.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(StartRequest))]
[JsonSerializable(typeof(VoteRequest))]
[JsonSerializable(typeof(EvidenceRequest))]
[JsonSerializable(typeof(CanaryRequest))]
[JsonSerializable(typeof(ResetRequest))]
[JsonSerializable(typeof(ShadowRequest))]
[JsonSerializable(typeof(RuleChangeRequest))]
[JsonSerializable(typeof(IssueRequest))]
[JsonSerializable(typeof(RevokeRequest))]
internal sealed partial class RequestJson : JsonSerializerContext;
