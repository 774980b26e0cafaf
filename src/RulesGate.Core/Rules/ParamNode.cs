namespace RulesGate.Core.Rules;

/// <summary>A node of a rule file's <c>params</c>: a group (a nested map) or a leaf (a value).</summary>
/// <param name="Name">The snake_case key.</param>
/// <param name="Path">The dotted path from <c>params</c>, such as <c>exposure.max_position_pct</c>.</param>
public abstract record ParamNode(string Name, string Path)
{
    /// <summary>The PascalCase name expressions use: <c>max_position_pct</c> → <c>MaxPositionPct</c>.</summary>
    public string MemberName => Naming.Pascal(Name);
}

/// <summary>A nested map of parameters; becomes a nested typed class.</summary>
public sealed record ParamGroup(string Name, string Path, IReadOnlyList<ParamNode> Children) : ParamNode(Name, Path);

/// <summary>One parameter value.</summary>
/// <param name="Index">Its position among all leaves, in file order.</param>
/// <param name="Spec">Its type (from the kind's schema, or inferred) and range.</param>
/// <param name="Value">The value: <c>double</c>, <c>int</c>, <c>bool</c>, <c>string</c>, <c>DateTimeOffset</c>, a read-only list, or null.</param>
public sealed record ParamLeaf(string Name, string Path, int Index, ParamSpec Spec, object? Value) : ParamNode(Name, Path);
