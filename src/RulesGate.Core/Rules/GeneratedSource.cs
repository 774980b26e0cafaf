namespace RulesGate.Core.Rules;

/// <summary>Generated C# for one rule file, with where each author's expression landed in it.</summary>
internal sealed record GeneratedSource(string Text, IReadOnlyList<SourceRegion> Regions)
{
    public SourceRegion? RegionAt(int position) =>
        Regions.FirstOrDefault(region => position >= region.Start && position <= region.Start + region.Expression.Text.Length);
}

/// <summary>An author's expression inside the generated source.</summary>
/// <param name="Start">Where its text starts in the generated source.</param>
/// <param name="Expression">The expression.</param>
/// <param name="Primary">False for copies (probes, per-rule entry points) that need no second sandbox walk.</param>
internal sealed record SourceRegion(int Start, RuleExpression Expression, bool Primary);
