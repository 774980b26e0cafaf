using RulesGate.Core.Rules;

namespace RulesGate.Core.Gate;

/// <summary>Which rule file decided: its id, version and the SHA-256 of its bytes.</summary>
public sealed record PolicyIdentity(string Id, int Version, string Hash)
{
    public static PolicyIdentity Of(RuleFile file) => new(file.Metadata.Id, file.Metadata.Version, file.Hash);
}
