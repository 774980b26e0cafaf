using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace RulesGate.Core.Rules;

/// <summary>
/// Admits an expression only if every symbol and every type it touches is on the allow-list: the kind's
/// context types, the generated Params and Derived types, primitives, <c>string</c>, <c>Math</c>, LINQ over
/// collections, <c>TimeSpan</c> and <c>DateTimeOffset</c> values. Anything else, or anything unresolved, is
/// refused with the symbol named. Clocks are refused even on allowed types.
/// </summary>
internal sealed class Sandbox(RuleKind kind, SemanticModel model, bool reportUnresolved)
{
    private static readonly HashSet<string> AllowedTypes = new(StringComparer.Ordinal)
    {
        "System.Math", "System.Array", "System.MemoryExtensions", "System.Span`1", "System.ReadOnlySpan`1", "System.TimeSpan", "System.DateTimeOffset", "System.DateTime", "System.DayOfWeek",
        "System.StringComparison", "System.MidpointRounding", "System.Index", "System.Range", "System.Nullable`1",
        "System.Linq.Enumerable", "System.Linq.IGrouping`2", "System.Linq.IOrderedEnumerable`1", "System.Linq.ILookup`2",
        "System.Collections.Generic.IEnumerable`1", "System.Collections.Generic.IReadOnlyList`1",
        "System.Collections.Generic.IReadOnlyCollection`1", "System.Collections.Generic.IReadOnlyDictionary`2",
        "System.Collections.Generic.KeyValuePair`2", "System.Collections.Generic.List`1",
        "System.Collections.Generic.Dictionary`2", "System.Collections.Generic.HashSet`1",
        "System.Func`1", "System.Func`2", "System.Func`3", "System.Func`4", "System.Predicate`1",
    };

    // Members of allowed types that still reach outside the expression: the clock and reflection.
    private static readonly HashSet<string> DeniedMembers = new(StringComparer.Ordinal)
    {
        "System.DateTime.Now", "System.DateTime.UtcNow", "System.DateTime.Today",
        "System.DateTimeOffset.Now", "System.DateTimeOffset.UtcNow",
        "System.Object.GetType", "System.Object.MemberwiseClone",
    };

    private readonly List<(SyntaxNode Node, string Message, string Hint)> violations = [];

    public IReadOnlyList<(SyntaxNode Node, string Message, string Hint)> Check(ExpressionSyntax expression)
    {
        violations.Clear();
        foreach (var node in expression.DescendantNodesAndSelf())
        {
            if (SyntaxViolation(node) is { } syntax)
            {
                violations.Add((node, syntax.Message, syntax.Hint));
                continue;
            }

            CheckSymbol(node);
            if (node is ExpressionSyntax value && !violations.Any(reported => reported.Node == node))
            {
                var info = model.GetTypeInfo(value);
                CheckType(node, info.Type ?? info.ConvertedType);
            }
        }

        // One report per offence, at its innermost node: Intent.GetType() rather than the .Name read from it.
        return [.. violations.Where(outer => !violations.Any(inner => inner.Node != outer.Node && outer.Node.Span.Contains(inner.Node.Span)))];
    }

    private static (string Message, string Hint)? SyntaxViolation(SyntaxNode node) => node switch
    {
        TypeOfExpressionSyntax => ("typeof is not allowed: reflection is out of reach of rule expressions.", "Compare values of the context instead of types."),
        SizeOfExpressionSyntax or PointerTypeSyntax or FunctionPointerTypeSyntax or StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax
            => ("Unsafe code is not allowed in rule expressions.", "Write a plain expression over the context."),
        PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.AddressOfExpression or (int)SyntaxKind.PointerIndirectionExpression } or MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.PointerMemberAccessExpression }
            => ("Unsafe code is not allowed in rule expressions.", "Write a plain expression over the context."),
        MakeRefExpressionSyntax or RefTypeExpressionSyntax or RefValueExpressionSyntax or RefExpressionSyntax
            => ("__makeref, __reftype, __refvalue and ref are not allowed in rule expressions.", "Write a plain expression over the context."),
        AnonymousMethodExpressionSyntax or LambdaExpressionSyntax { Block: not null }
            => ("A block of statements is not allowed: a rule expression is a single expression.", "Write the lambda as an expression, such as p => p.Value > 0."),
        AwaitExpressionSyntax => ("await is not allowed: rule expressions are synchronous.", "Use values already in the context."),
        ThrowExpressionSyntax => ("throw is not allowed in rule expressions.", "Return a value; a rule that cannot decide should fire and say why."),
        AssignmentExpressionSyntax { Parent: not InitializerExpressionSyntax }
            => ("Assignment is not allowed: rule expressions only read.", "Compare with == instead of assigning with =."),
        PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } or PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression }
            => ("++ and -- are not allowed: rule expressions only read.", "Write x + 1 instead."),
        InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.Text: "nameof" } }
            => ("nameof is not allowed in rule expressions.", "Write the text you mean as a string literal."),
        IdentifierNameSyntax name when name.Identifier.Text.StartsWith("__", StringComparison.Ordinal)
            => ($"'{name.Identifier.Text}' is reserved for generated code.", "Use the context members, Params and Derived."),
        _ => null,
    };

    private void CheckSymbol(SyntaxNode node)
    {
        if (node is not (SimpleNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ObjectCreationExpressionSyntax
            or ImplicitObjectCreationExpressionSyntax or ElementAccessExpressionSyntax or QualifiedNameSyntax or MemberBindingExpressionSyntax))
        {
            return;
        }

        var info = model.GetSymbolInfo(node);
        if (info.Symbol is not { } symbol)
        {
            if (reportUnresolved && node is SimpleNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax)
            {
                violations.Add((node, $"'{node}' could not be resolved, so it cannot be shown to be safe.", "Refer to a context member, Params, Derived or an allowed type by its exact name."));
            }

            return;
        }

        if (!IsAllowed(symbol))
        {
            violations.Add((node, $"'{Display(symbol)}' is not allowed in rule expressions: {Reason(symbol)}.", AllowedHint));
        }
    }

    private void CheckType(SyntaxNode node, ITypeSymbol? type)
    {
        if (type is null or IErrorTypeSymbol || IsAllowedType(type))
        {
            return;
        }

        violations.Add((node, $"A value of type '{type.ToDisplayString()}' is not allowed in rule expressions: {Reason(type)}.", AllowedHint));
    }

    private const string AllowedHint = "Use the context members, Params, Derived, Math, string, LINQ over the context's collections, and TimeSpan/DateTimeOffset values from the context.";

    private bool IsAllowed(ISymbol symbol)
    {
        switch (symbol)
        {
            case ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or IDiscardSymbol or INamespaceSymbol:
                return true;
            case ITypeSymbol type:
                return IsAllowedType(type);
            case IMethodSymbol method:
                var definition = method.ReducedFrom ?? method;
                return !IsDenied(definition)
                    && (method.MethodKind is MethodKind.AnonymousFunction or MethodKind.LambdaMethod || IsAllowedType(definition.ContainingType))
                    && method.TypeArguments.All(IsAllowedType);
            case IPropertySymbol or IFieldSymbol:
                return !IsDenied(symbol) && IsAllowedType(symbol.ContainingType);
            default:
                return false;
        }
    }

    private bool IsAllowedType(ITypeSymbol type)
    {
        switch (type)
        {
            case IDynamicTypeSymbol or IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return false;
            case IArrayTypeSymbol array:
                return IsAllowedType(array.ElementType);
            case ITypeParameterSymbol:
                return true;
            case INamedTypeSymbol { IsAnonymousType: true } anonymous:
                return anonymous.GetMembers().OfType<IPropertySymbol>().All(property => IsAllowedType(property.Type));
            case INamedTypeSymbol { IsTupleType: true } tuple:
                return tuple.TupleElements.All(element => IsAllowedType(element.Type));
            case INamedTypeSymbol named:
                if (named.SpecialType is SpecialType.System_Object or (>= SpecialType.System_Boolean and <= SpecialType.System_String))
                {
                    return true;
                }

                var name = Metadata(named.OriginalDefinition);
                var known = AllowedTypes.Contains(name)
                    || (named.ContainingNamespace?.ToDisplayString() == CodeGenerator.Namespace && named.Name != "CompiledRules" && named.Name != "DeriveProbe")
                    || kind.ContextTypes.Any(context => context.FullName == name);
                return known && named.TypeArguments.All(IsAllowedType);
            default:
                return false;
        }
    }

    private static bool IsDenied(ISymbol symbol) =>
        DeniedMembers.Contains($"{Metadata(symbol.ContainingType)}.{symbol.Name}");

    private static string Metadata(INamedTypeSymbol type) =>
        type.ContainingType is { } outer
            ? $"{Metadata(outer)}+{type.MetadataName}"
            : type.ContainingNamespace is { IsGlobalNamespace: false } ns ? $"{ns.ToDisplayString()}.{type.MetadataName}" : type.MetadataName;

    private static string Display(ISymbol symbol) => symbol switch
    {
        IMethodSymbol method => $"{(method.ReducedFrom ?? method).ContainingType.ToDisplayString()}.{method.Name}",
        ITypeSymbol type => type.ToDisplayString(),
        _ when symbol.ContainingType is { } owner => $"{owner.ToDisplayString()}.{symbol.Name}",
        _ => symbol.ToDisplayString(),
    };

    private static string Reason(ISymbol symbol)
    {
        var owner = symbol as ITypeSymbol ?? symbol.ContainingType;
        var name = owner is INamedTypeSymbol named ? Metadata(named) : owner?.ToDisplayString() ?? "";
        return name switch
        {
            _ when symbol.Name is "Now" or "UtcNow" or "Today" => "clocks are out of reach; use Intent.Timestamp or Market.Timestamp",
            _ when symbol.Name is "GetType" => "reflection is out of reach",
            _ when name.StartsWith("System.IO", StringComparison.Ordinal) || name.StartsWith("System.Net", StringComparison.Ordinal) => "I/O is out of reach",
            _ when name.StartsWith("System.Reflection", StringComparison.Ordinal) || name is "System.Type" or "System.Activator" or "System.AppDomain" => "reflection is out of reach",
            _ when name.StartsWith("System.Threading", StringComparison.Ordinal) || name == "System.GC" => "threads and the runtime are out of reach",
            _ when name.StartsWith("System.Diagnostics", StringComparison.Ordinal) => "processes and diagnostics are out of reach",
            "System.Environment" => "the environment is out of reach",
            "System.Random" or "System.Guid" => "randomness is out of reach",
            "System.Console" => "the console is out of reach",
            _ when name.StartsWith("System.Runtime", StringComparison.Ordinal) => "the runtime's internals are out of reach",
            _ => "it is not on the allow-list",
        };
    }
}
