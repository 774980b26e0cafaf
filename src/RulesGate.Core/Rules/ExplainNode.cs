namespace RulesGate.Core.Rules;

/// <summary>
/// A node of a condition as <c>rules explain</c> shows it: a logical operator over clauses, a comparison of
/// two operands, a negation, or a leaf value. Every node has a probe that evaluates it alone.
/// </summary>
/// <param name="Probe">The node's probe number in the compiled rules.</param>
/// <param name="Text">The C# text of the node.</param>
/// <param name="Operator">The operator (<c>&amp;&amp;</c>, <c>&gt;</c>, <c>!</c>, …); empty for a leaf.</param>
/// <param name="Children">Operands: two for a logical operator or comparison, one for a negation, none for a leaf.</param>
/// <param name="Offset">Where the node starts in the rule's condition.</param>
internal sealed record ExplainNode(int Probe, string Text, string Operator, IReadOnlyList<ExplainNode> Children, int Offset);
