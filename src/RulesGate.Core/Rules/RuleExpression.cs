namespace RulesGate.Core.Rules;

/// <summary>A C# expression written in a rule file, with the means to map an offset in it back to the YAML.</summary>
/// <param name="Text">The expression as written.</param>
/// <param name="KeyPath">Where it stands in the file, such as <c>rules[0].when</c>.</param>
/// <param name="Scalar">The YAML scalar that holds it.</param>
/// <param name="Offset">Where the expression starts inside the scalar's value (non-zero for message holes).</param>
public sealed record RuleExpression(string Text, string KeyPath, YamlScalarSource Scalar, int Offset = 0)
{
    /// <summary>The longest expression (or message) a rule file may hold, in characters.</summary>
    public const int MaxLength = 4000;

    /// <summary>The deepest an expression's syntax may nest.</summary>
    public const int MaxDepth = 64;

    public SourceLocation Locate(int offset) => Scalar.Locate(Offset + offset);
}
