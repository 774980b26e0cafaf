using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace RulesGate.Core.Rules;

/// <summary>
/// Puts the <see cref="RuleBudget"/>'s counters around what the author wrote, after the sandbox admitted it: each
/// sequence a LINQ operator or <c>string.Join</c> reads goes through <see cref="RuleBudget.Counted{T}"/>, each
/// lambda's body behind <see cref="RuleBudget.Step"/>, each text built or searched through <see cref="RuleBudget.Text"/>.
/// Only the expressions' own spans are touched; the generated code around them stays as it was.
/// </summary>
internal sealed class BudgetRewriter(SemanticModel model, IReadOnlyList<TextSpan> expressions) : CSharpSyntaxRewriter
{
    private static readonly NameSyntax Budget = ParseName("global::RulesGate.Core.Rules.RuleBudget");

    /// <summary>The methods of the generated class that now count steps.</summary>
    public CountedMethods Counted { get; private set; }

    /// <summary>The tree with the counters in, and its <see cref="CodeGenerator.CountedMethodsMember"/> saying where they are.</summary>
    public SyntaxNode Rewrite(SyntaxNode root)
    {
        var counted = Visit(root)!;
        var member = counted.DescendantNodes().OfType<PropertyDeclarationSyntax>().Single(property => property.Identifier.Text == CodeGenerator.CountedMethodsMember);
        return counted.ReplaceNode(member.ExpressionBody!.Expression, LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal((int)Counted)));
    }

    public override SyntaxNode? Visit(SyntaxNode? node) =>
        node is not null && expressions.Any(span => span.IntersectsWith(node.Span)) ? base.Visit(node) : node;

    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        var rewritten = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
        if (!Inside(node) || model.GetSymbolInfo(node).Symbol is not IMethodSymbol method)
        {
            return rewritten;
        }

        var definition = method.ReducedFrom ?? method;
        var linq = Sandbox.IsLinq(definition);
        var text = definition.ContainingType?.SpecialType == SpecialType.System_String;
        if (!linq && !text)
        {
            return rewritten;
        }

        var arguments = rewritten.ArgumentList.Arguments;
        for (var i = 0; i < arguments.Count; i++)
        {
            if (Sandbox.Parameter(node.ArgumentList.Arguments[i], i, definition.Parameters, method.ReducedFrom is not null) is { } parameter && IsSequence(parameter.Type))
            {
                arguments = arguments.Replace(arguments[i], arguments[i].WithExpression(Call("Counted", arguments[i].Expression)));
            }
        }

        rewritten = rewritten.WithArgumentList(rewritten.ArgumentList.WithArguments(arguments));
        // The receiver: the sequence an extension operator reads (an ordered one was counted by the OrderBy that made it), or the text a string method searches.
        var receiverCounted = method.ReducedFrom is not null ? IsSequence(definition.Parameters[0].Type) : text && !method.IsStatic;
        if (receiverCounted && rewritten.Expression is MemberAccessExpressionSyntax access)
        {
            rewritten = rewritten.WithExpression(access.WithExpression(Call(linq ? "Counted" : "Text", access.Expression)));
        }

        return Marked(node, text && method.ReturnType.SpecialType == SpecialType.System_String ? Call("Text", rewritten) : rewritten);
    }

    public override SyntaxNode? VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node)
    {
        var rewritten = (SimpleLambdaExpressionSyntax)base.VisitSimpleLambdaExpression(node)!;
        return Inside(node) && rewritten.ExpressionBody is { } body ? Marked(node, rewritten.WithExpressionBody(Guarded(body))) : rewritten;
    }

    public override SyntaxNode? VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node)
    {
        var rewritten = (ParenthesizedLambdaExpressionSyntax)base.VisitParenthesizedLambdaExpression(node)!;
        return Inside(node) && rewritten.ExpressionBody is { } body ? Marked(node, rewritten.WithExpressionBody(Guarded(body))) : rewritten;
    }

    public override SyntaxNode? VisitBinaryExpression(BinaryExpressionSyntax node)
    {
        var rewritten = base.VisitBinaryExpression(node)!;
        return node.IsKind(SyntaxKind.AddExpression) && BuildsText(node) ? Marked(node, Call("Text", (ExpressionSyntax)rewritten)) : rewritten;
    }

    public override SyntaxNode? VisitInterpolatedStringExpression(InterpolatedStringExpressionSyntax node)
    {
        var rewritten = base.VisitInterpolatedStringExpression(node)!;
        return BuildsText(node) ? Marked(node, Call("Text", (ExpressionSyntax)rewritten)) : rewritten;
    }

    public override SyntaxNode? VisitQueryExpression(QueryExpressionSyntax node)
    {
        var rewritten = (QueryExpressionSyntax)base.VisitQueryExpression(node)!;
        return Inside(node) ? Marked(node, rewritten.WithFromClause(rewritten.FromClause.WithExpression(Call("Counted", rewritten.FromClause.Expression)))) : rewritten;
    }

    private bool Inside(SyntaxNode node) => expressions.Any(span => span.Contains(node.Span));

    /// <summary>Notes the generated method whose code now counts, for <see cref="Counted"/>; a derived value counts wherever it is computed.</summary>
    private T Marked<T>(SyntaxNode original, T rewritten)
    {
        Counted |= original.Ancestors().OfType<MethodDeclarationSyntax>().FirstOrDefault()?.Identifier.Text switch
        {
            "Evaluate" => CountedMethods.Evaluate,
            "When" => CountedMethods.When,
            "Message" => CountedMethods.Message,
            "TryEffect" => CountedMethods.TryEffect,
            "Derived" => CountedMethods.Derived,
            "Facts" => CountedMethods.Facts,
            "Probe" => CountedMethods.Probe,
            "__Derive" => CountedMethods.When | CountedMethods.Message | CountedMethods.Probe | CountedMethods.Derived | CountedMethods.Facts,
            _ => CountedMethods.All,
        };
        return rewritten;
    }

    private bool BuildsText(ExpressionSyntax node) =>
        Inside(node) && model.GetTypeInfo(node) is { Type.SpecialType: SpecialType.System_String, ConvertedType.SpecialType: SpecialType.System_String }
        && !model.GetConstantValue(node).HasValue;

    private static bool IsSequence(ITypeSymbol type) =>
        type is INamedTypeSymbol { IsGenericType: true, OriginalDefinition.SpecialType: SpecialType.System_Collections_Generic_IEnumerable_T };

    /// <summary><c>RuleBudget.Step() ? (body) : default</c>: the conditional takes the body's type, or the lambda's when the body has none.</summary>
    private static ConditionalExpressionSyntax Guarded(ExpressionSyntax body) =>
        ConditionalExpression(
            InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Budget, IdentifierName("Step"))),
            ParenthesizedExpression(body.WithoutTrivia()),
            PostfixUnaryExpression(SyntaxKind.SuppressNullableWarningExpression, LiteralExpression(SyntaxKind.DefaultLiteralExpression)))
        .WithTriviaFrom(body);

    private static InvocationExpressionSyntax Call(string method, ExpressionSyntax argument) =>
        InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Budget, IdentifierName(method)),
            ArgumentList(SingletonSeparatedList(Argument(argument.WithoutTrivia()))))
        .WithTriviaFrom(argument);
}
