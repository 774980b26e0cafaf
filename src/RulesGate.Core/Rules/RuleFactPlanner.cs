using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace RulesGate.Core.Rules;

/// <summary>
/// Finds the facts of each rule's condition (every chain of members that starts at <c>Params</c>,
/// <c>Derived</c> or a context member) and the measures among them (an ordering comparison of one such value
/// against a parameter). Decisions report them, so that they explain themselves in the rule file's own terms.
/// </summary>
internal static class RuleFactPlanner
{
    public static RuleFactPlan Plan(RuleFile file, RuleKind kind)
    {
        var roots = kind.Members.Select(member => member.Name).Append("Params").Append("Derived").ToHashSet(StringComparer.Ordinal);
        var facts = new List<RuleFact>();
        var measures = new List<RuleMeasure>();
        for (var rule = 0; rule < file.Rules.Count; rule++)
        {
            var when = file.Rules[rule].When;
            var syntax = SyntaxFactory.ParseExpression(when.Text);
            var first = facts.Count;
            // A piece that uses a lambda parameter or a pattern variable cannot be evaluated alone.
            var local = syntax.DescendantNodes().OfType<SingleVariableDesignationSyntax>().Select(variable => variable.Identifier.ValueText).ToHashSet(StringComparer.Ordinal);
            var candidates = syntax.DescendantNodesAndSelf().OfType<ExpressionSyntax>()
                .Where(node => IsFact(node, roots)
                    && !node.Ancestors().Any(ancestor => ancestor is AnonymousFunctionExpressionSyntax or QueryExpressionSyntax)
                    && !node.DescendantNodes().OfType<IdentifierNameSyntax>().Any(name => local.Contains(name.Identifier.ValueText)))
                .ToList();
            foreach (var node in candidates)
            {
                var name = Snake(LastName(node));
                if (!facts.Skip(first).Any(fact => fact.Name == name))
                {
                    var root = Root(node);
                    var role = root == "Derived" || kind.ComputedMembers.Contains(root) ? RuleFactRole.Computed : RuleFactRole.Input;
                    facts.Add(new RuleFact(rule, name, role, Piece(when, node)));
                }
            }

            var usable = candidates.ToHashSet();
            bool Usable(ExpressionSyntax side) => usable.Contains(side);
            foreach (var comparison in syntax.DescendantNodesAndSelf().OfType<BinaryExpressionSyntax>().Where(IsOrdering))
            {
                var (left, right) = (Strip(comparison.Left), Strip(comparison.Right));
                var (metric, metricSide, limit) = Usable(left) && Usable(right) && IsParam(left, roots) && !IsParam(right, roots) ? (right, comparison.Right, comparison.Left)
                    : Usable(left) && Usable(right) && IsParam(right, roots) && !IsParam(left, roots) ? (left, comparison.Left, comparison.Right)
                    : (null, null, null);
                // Measured once per rule: two rules may hold one metric to different limits (opening and closing times).
                if (metric is null || metricSide is null || limit is null || measures.Any(measure => measure.Metric == Snake(LastName(metric)) && facts[measure.Value].Rule == rule))
                {
                    continue;
                }

                var value = Find(facts, first, when, metricSide) ?? Add(facts, new RuleFact(rule, Snake(LastName(metric)), RuleFactRole.Measure, Piece(when, metricSide)));
                var bound = Find(facts, first, when, limit) ?? Add(facts, new RuleFact(rule, "limit", RuleFactRole.Measure, Piece(when, limit)));
                measures.Add(new RuleMeasure(facts[value].Name, value, bound));
            }
        }

        return new RuleFactPlan(facts, measures);
    }

    /// <summary><c>OrdersLast60sGlobal</c> → <c>orders_last_60s_global</c>.</summary>
    public static string Snake(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            var previous = i > 0 ? pascal[i - 1] : '\0';
            if (i > 0 && ((char.IsUpper(c) && (char.IsLower(previous) || char.IsDigit(previous))) || (char.IsDigit(c) && char.IsLetter(previous))))
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    private static bool IsFact(ExpressionSyntax node, HashSet<string> roots) =>
        node is MemberAccessExpressionSyntax or InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax }
        && roots.Contains(Root(node))
        && !ExtendsChain(node);

    private static bool IsParam(ExpressionSyntax node, HashSet<string> roots) => IsFact(node, roots) && Root(node) == "Params";

    private static bool ExtendsChain(ExpressionSyntax node) => node.Parent switch
    {
        MemberAccessExpressionSyntax access => access.Expression == node,
        InvocationExpressionSyntax invocation => invocation.Expression == node,
        ElementAccessExpressionSyntax element => element.Expression == node,
        ConditionalAccessExpressionSyntax conditional => conditional.Expression == node,
        _ => false,
    };

    private static string Root(ExpressionSyntax node) => node switch
    {
        MemberAccessExpressionSyntax access => Root(access.Expression),
        InvocationExpressionSyntax invocation => Root(invocation.Expression),
        ElementAccessExpressionSyntax element => Root(element.Expression),
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
        _ => "",
    };

    private static string LastName(ExpressionSyntax node) => node switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        InvocationExpressionSyntax invocation => LastName(invocation.Expression),
        _ => node.ToString(),
    };

    private static bool IsOrdering(BinaryExpressionSyntax node) => node.Kind() is
        SyntaxKind.GreaterThanExpression or SyntaxKind.GreaterThanOrEqualExpression or
        SyntaxKind.LessThanExpression or SyntaxKind.LessThanOrEqualExpression;

    /// <summary>Parentheses and a unary minus around a fact still make it a fact's side of a comparison.</summary>
    private static ExpressionSyntax Strip(ExpressionSyntax node) => node switch
    {
        ParenthesizedExpressionSyntax parenthesized => Strip(parenthesized.Expression),
        PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression } minus => Strip(minus.Operand),
        _ => node,
    };

    private static RuleExpression Piece(RuleExpression when, ExpressionSyntax node) =>
        when with { Text = when.Text.Substring(node.SpanStart, node.Span.Length), Offset = when.Offset + node.SpanStart };

    private static int? Find(List<RuleFact> facts, int first, RuleExpression when, ExpressionSyntax node)
    {
        var text = when.Text.Substring(node.SpanStart, node.Span.Length);
        var index = facts.FindIndex(first, fact => fact.Expression.Text == text);
        return index < 0 ? null : index;
    }

    private static int Add(List<RuleFact> facts, RuleFact fact)
    {
        facts.Add(fact);
        return facts.Count - 1;
    }
}
