using System.Text.Json;

namespace RulesGate.Core.Rules;

/// <summary>One case of a rule-test file: a context and what the rules must do with it.</summary>
/// <param name="Name">What the case shows.</param>
/// <param name="Location">Where the case starts, for failure reports.</param>
/// <param name="Context">The context as JSON, read by the kind.</param>
/// <param name="Fired">Exactly the rule ids that must fire, in any order.</param>
/// <param name="Effects">Expected effect values by rule id and key (numbers compared to 1e-9).</param>
/// <param name="Messages">Expected messages by rule id.</param>
public sealed record RuleTestCase(
    string Name,
    SourceLocation Location,
    JsonElement Context,
    IReadOnlyList<string> Fired,
    IReadOnlyDictionary<(string Rule, string Key), double> Effects,
    IReadOnlyDictionary<string, string> Messages);

/// <summary>A rule-test file: the rule file it tests (relative to itself) and its cases.</summary>
public sealed record RuleTestFile(string Path, string RulesPath, IReadOnlyList<RuleTestCase> Cases);

/// <summary>The outcome of one case.</summary>
/// <param name="Failure">Why it failed; null when it passed.</param>
public sealed record RuleTestOutcome(string File, string Case, SourceLocation Location, string? Failure)
{
    public bool Passed => Failure is null;
}
