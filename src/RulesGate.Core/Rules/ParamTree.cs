namespace RulesGate.Core.Rules;

/// <summary>A rule file's parameters: the tree (for code generation) and its leaves in order (for values).</summary>
public sealed record ParamTree(ParamGroup Root, IReadOnlyList<ParamLeaf> Leaves)
{
    public static ParamTree Empty { get; } = new(new ParamGroup("params", "", []), []);

    public ParamLeaf? Find(string path) => Leaves.FirstOrDefault(leaf => leaf.Path == path);
}
