using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace RulesGate.Core.Rules;

/// <summary>
/// Splits each rule's condition into the nodes <c>rules explain</c> reports, numbering their probes in a
/// fixed order so that the compiler and the explainer agree without storing anything.
/// </summary>
internal static class ExplainPlanner
{
    public static IReadOnlyList<ExplainNode> Plan(RuleFile file)
    {
        var next = 0;
        var plan = new List<ExplainNode>(file.Rules.Count);
        foreach (var rule in file.Rules)
        {
            var syntax = SyntaxFactory.ParseExpression(rule.When.Text);
            // Pattern variables declared in one clause and used in another cannot be probed alone.
            var splittable = !syntax.DescendantNodes().Any(node => node is SingleVariableDesignationSyntax);
            plan.Add(Node(splittable ? syntax : null, syntax, rule.When.Text, ref next));
        }

        return plan;
    }

    private static ExplainNode Node(ExpressionSyntax? syntax, ExpressionSyntax whole, string text, ref int next)
    {
        var probe = next++;
        var node = syntax ?? whole;
        var span = node.Span;
        var nodeText = text.Substring(span.Start, span.Length);
        switch (syntax)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                next--;
                return Node(parenthesized.Expression, whole, text, ref next);
            case BinaryExpressionSyntax binary when IsSplit(binary.Kind()):
                var left = Node(binary.Left, whole, text, ref next);
                var right = Node(binary.Right, whole, text, ref next);
                return new ExplainNode(probe, nodeText, binary.OperatorToken.Text, [left, right], span.Start);
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not:
                return new ExplainNode(probe, nodeText, "!", [Node(not.Operand, whole, text, ref next)], span.Start);
            default:
                return new ExplainNode(probe, nodeText, "", [], span.Start);
        }
    }

    private static bool IsSplit(SyntaxKind kind) => kind is
        SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression or
        SyntaxKind.GreaterThanExpression or SyntaxKind.GreaterThanOrEqualExpression or
        SyntaxKind.LessThanExpression or SyntaxKind.LessThanOrEqualExpression or
        SyntaxKind.EqualsExpression or SyntaxKind.NotEqualsExpression;

    public static IEnumerable<ExplainNode> Flatten(ExplainNode node) => node.Children.SelectMany(Flatten).Prepend(node);
}
