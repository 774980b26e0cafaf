namespace RulesGate.Core.Rules;

/// <summary>An expected outcome: a value, or the diagnostics that explain why there is none.</summary>
public sealed record RuleResult<T>(T? Value, IReadOnlyList<RuleDiagnostic> Diagnostics)
    where T : class
{
    /// <summary>
    /// On a failure, the value as far as it could be read, so that later stages can find the rest of its problems
    /// at once; never used for anything else.
    /// </summary>
    public T? Partial { get; init; }

    public bool Succeeded => Value is not null && Diagnostics.Count == 0;

    public static RuleResult<T> Success(T value) => new(value, []);

    public static RuleResult<T> Failure(IReadOnlyList<RuleDiagnostic> diagnostics) => new(null, diagnostics);

    public static RuleResult<T> Failure(RuleDiagnostic diagnostic) => new(null, [diagnostic]);
}
