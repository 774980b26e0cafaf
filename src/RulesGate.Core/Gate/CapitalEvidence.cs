namespace RulesGate.Core.Gate;

/// <summary>A measured value and the limit applied to it, after overrides; null limit when the limit is off.</summary>
public sealed record CapitalEvidence(string Metric, object? Value, object? Limit);
