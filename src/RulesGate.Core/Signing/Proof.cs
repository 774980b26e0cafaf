using System.Text.Json.Serialization;

namespace RulesGate.Core.Signing;

/// <summary>
/// How the person behind a journaled act proved who they are, kept in the act's event as <c>proof</c>:
/// <c>{"by":"signature","key":KEY_ID,"signature":BASE64,"statement":ACT}</c> for a signed act, anyone holding the
/// public keys can check it long after (<c>rulesgate journal signatures</c>); <c>{"by":"principal"}</c> for an act
/// whose caller <c>serve</c> authenticated.
/// </summary>
/// <param name="KeyId">The first 16 hex digits of the SHA-256 of the public key that verified it.</param>
public sealed record Proof(
    string By,
    [property: JsonPropertyName("key"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? KeyId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Signature = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Statement = null)
{
    public const string BySignature = "signature";
    public const string ByPrincipal = "principal";
}
