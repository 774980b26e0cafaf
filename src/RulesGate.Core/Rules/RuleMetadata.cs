namespace RulesGate.Core.Rules;

/// <summary>A rule file's identity: id and version, recorded with every decision as <c>id@version#hash</c>.</summary>
public sealed record RuleMetadata(string Id, int Version, string Description);
