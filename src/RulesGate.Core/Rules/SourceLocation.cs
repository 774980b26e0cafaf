namespace RulesGate.Core.Rules;

/// <summary>A one-based line and column in a file.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}
