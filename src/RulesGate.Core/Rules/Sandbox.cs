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
        "System.Math", "System.Array", "System.MemoryExtensions", "System.Span`1", "System.ReadOnlySpan`1", "System.TimeSpan", "System.DateTimeOffset", "System.DateTime", "System.DayOfWeek", "System.DateTimeKind",
        "System.StringComparison", "System.StringComparer", "System.MidpointRounding", "System.Index", "System.Range", "System.Nullable`1",
        "System.Linq.Enumerable", "System.Linq.IGrouping`2", "System.Linq.IOrderedEnumerable`1", "System.Linq.ILookup`2",
        "System.Collections.Generic.IEnumerable`1", "System.Collections.Generic.IReadOnlyList`1", "System.Collections.Generic.IReadOnlySet`1",
        "System.Collections.Generic.IReadOnlyCollection`1", "System.Collections.Generic.IReadOnlyDictionary`2",
        "System.Collections.Generic.KeyValuePair`2", "System.Collections.Generic.List`1",
        "System.Collections.Generic.Dictionary`2", "System.Collections.Generic.HashSet`1",
        "System.Func`1", "System.Func`2", "System.Func`3", "System.Func`4", "System.Predicate`1",
    };

    private const string Numbers = "MaxValue MinValue Epsilon NaN PositiveInfinity NegativeInfinity IsNaN IsFinite IsInfinity IsPositiveInfinity IsNegativeInfinity IsNegative IsInteger Equals CompareTo Abs Min Max Clamp Sign Round Floor Ceiling Truncate";

    private const string Dates = "MinValue MaxValue UnixEpoch Year Month Day Hour Minute Second Millisecond Microsecond DayOfWeek DayOfYear Date TimeOfDay Ticks Add AddDays AddHours AddMinutes AddSeconds AddMilliseconds AddTicks AddMonths AddYears Subtract Compare CompareTo Equals .ctor";

    /// <summary>
    /// The members of the framework's types a rule may use: what reads, compares and computes, and nothing that
    /// builds text or a collection larger than its inputs, reaches outside the expression, or formats by the
    /// machine's culture. Members of the kind's context types and of the generated Params and Derived types are
    /// admitted besides (but for <c>ToString</c> and the like); everything else is refused.
    /// </summary>
    private static readonly Dictionary<string, HashSet<string>> AllowedMembers = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["System.Math"] = "*",
        ["System.Object"] = "Equals",
        ["System.String"] = "Length this[] Empty IsNullOrEmpty IsNullOrWhiteSpace Equals Compare CompareOrdinal Contains StartsWith EndsWith IndexOf LastIndexOf IndexOfAny Substring Trim TrimStart TrimEnd ToUpperInvariant ToLowerInvariant Join Concat",
        ["System.Char"] = "MinValue MaxValue IsDigit IsLetter IsLetterOrDigit IsUpper IsLower IsWhiteSpace IsPunctuation IsAscii IsAsciiDigit IsAsciiLetter ToUpperInvariant ToLowerInvariant Equals CompareTo",
        ["System.Boolean"] = "Equals CompareTo",
        ["System.Double"] = Numbers, ["System.Single"] = Numbers, ["System.Decimal"] = Numbers + " ToDouble",
        ["System.Int32"] = Numbers, ["System.Int64"] = Numbers, ["System.Int16"] = Numbers, ["System.Byte"] = Numbers,
        ["System.SByte"] = Numbers, ["System.UInt16"] = Numbers, ["System.UInt32"] = Numbers, ["System.UInt64"] = Numbers,
        ["System.TimeSpan"] = "Zero MaxValue MinValue Days Hours Minutes Seconds Milliseconds Microseconds Ticks TotalDays TotalHours TotalMinutes TotalSeconds TotalMilliseconds TotalMicroseconds FromDays FromHours FromMinutes FromSeconds FromMilliseconds FromMicroseconds FromTicks Duration Negate Add Subtract Multiply Divide Compare CompareTo Equals .ctor TicksPerDay TicksPerHour TicksPerMinute TicksPerSecond TicksPerMillisecond",
        ["System.DateTimeOffset"] = Dates + " Offset UtcDateTime DateTime UtcTicks ToOffset ToUnixTimeSeconds ToUnixTimeMilliseconds FromUnixTimeSeconds FromUnixTimeMilliseconds EqualsExact",
        ["System.DateTime"] = Dates + " Kind DaysInMonth IsLeapYear",
        ["System.StringComparer"] = "Ordinal OrdinalIgnoreCase InvariantCulture InvariantCultureIgnoreCase Compare Equals",
        ["System.Nullable`1"] = "HasValue Value GetValueOrDefault",
        ["System.Index"] = ".ctor Start End FromStart FromEnd IsFromEnd Value GetOffset",
        ["System.Range"] = ".ctor Start End All StartAt EndAt",
        ["System.Array"] = "Length Empty",
        // C# 14 binds an array's Contains to these; they read the array once.
        ["System.MemoryExtensions"] = "Contains ContainsAny IndexOf SequenceEqual StartsWith EndsWith",
        ["System.ReadOnlySpan`1"] = "Length IsEmpty this[]",
        ["System.Span`1"] = "Length IsEmpty this[]",
        ["System.Collections.Generic.IReadOnlyList`1"] = "Count this[]",
        ["System.Collections.Generic.IReadOnlyCollection`1"] = "Count",
        ["System.Collections.Generic.IReadOnlySet`1"] = "Count Contains",
        ["System.Collections.Generic.IReadOnlyDictionary`2"] = "Count this[] ContainsKey TryGetValue Keys Values",
        ["System.Collections.Generic.KeyValuePair`2"] = "Key Value Deconstruct",
        ["System.Collections.Generic.List`1"] = "Count this[] Contains IndexOf",
        ["System.Collections.Generic.Dictionary`2"] = "Count this[] ContainsKey ContainsValue TryGetValue Keys Values",
        ["System.Collections.Generic.HashSet`1"] = "Count Contains",
        ["System.Linq.IGrouping`2"] = "Key",
        ["System.Linq.ILookup`2"] = "Count this[] Contains",
        // The operators that read a sequence without making more of it than they read (Concat and Union: no more than both).
        ["System.Linq.Enumerable"] = "Where Select Any All Count LongCount Sum Min Max MinBy MaxBy Average First FirstOrDefault Last LastOrDefault Single SingleOrDefault " +
            "ElementAt ElementAtOrDefault Contains Distinct DistinctBy Order OrderDescending OrderBy OrderByDescending ThenBy ThenByDescending Reverse " +
            "Take TakeLast TakeWhile Skip SkipLast SkipWhile GroupBy CountBy ToList ToArray ToHashSet ToDictionary ToLookup SequenceEqual Except ExceptBy " +
            "Intersect IntersectBy Union UnionBy Concat Append Prepend DefaultIfEmpty Zip Empty Range Repeat Cast OfType AsEnumerable",
    }.ToDictionary(pair => pair.Key, pair => pair.Value.Split(' ').ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>The framework members admitted, by type (for the test that keeps SECURITY.md's list true).</summary>
    internal static IReadOnlyDictionary<string, HashSet<string>> FrameworkMembers => AllowedMembers;

    // Members of allowed types that still reach outside the expression: the machine's culture, its time zone.
    private static readonly HashSet<string> DeniedMembers = new(StringComparer.Ordinal)
    {
        "System.StringComparison.CurrentCulture", "System.StringComparison.CurrentCultureIgnoreCase", "System.DateTimeOffset.op_Implicit",
    };

    // Members that build text or a collection larger than their inputs, or feed each result into the next call.
    private static readonly HashSet<string> GrowingMembers = new(StringComparer.Ordinal)
    {
        "Replace", "Insert", "PadLeft", "PadRight", "Split", "Repeat", "SelectMany", "Join", "GroupJoin", "Aggregate", "AggregateBy",
        "Sequence", "InfiniteSequence", "Format", "Create", "Remove",
    };

    // Members that turn a value into text, or text into a value, by the machine's culture or its own rules.
    private static readonly HashSet<string> FormattingMembers = new(StringComparer.Ordinal)
    {
        "ToString", "Parse", "TryParse", "PrintMembers", "ToLongDateString", "ToShortDateString", "ToLongTimeString", "ToShortTimeString",
    };

    // Members no type may offer a rule: reflection, identity hashes, the record's internals.
    private static readonly HashSet<string> NeverMembers = new(StringComparer.Ordinal)
    {
        "GetType", "GetHashCode", "MemberwiseClone", "ReferenceEquals", "EqualityContract", "<Clone>$", "Finalize",
    };

    // LINQ operators that compare keys with the default comparer, which for text follows the current culture.
    private static readonly HashSet<string> OrderingMembers = new(StringComparer.Ordinal)
    {
        "OrderBy", "OrderByDescending", "ThenBy", "ThenByDescending", "Order", "OrderDescending", "Min", "Max", "MinBy", "MaxBy",
    };

    // String members that compare or change case by the current culture unless told otherwise.
    private static readonly HashSet<string> CultureStringMembers = new(StringComparer.Ordinal)
    {
        "Compare", "CompareTo", "StartsWith", "EndsWith", "IndexOf", "LastIndexOf", "ToUpper", "ToLower",
    };

    // Calls whose size argument decides how much they allocate or how long they run.
    private static readonly HashSet<string> SizedMembers = new(StringComparer.Ordinal)
    {
        "System.Linq.Enumerable.Range", "System.Linq.Enumerable.Repeat", "System.String..ctor", "System.String.PadLeft",
        "System.String.PadRight", "System.Collections.Generic.List`1..ctor", "System.Collections.Generic.Dictionary`2..ctor",
        "System.Collections.Generic.HashSet`1..ctor", "System.Collections.Generic.List`1.EnsureCapacity",
        "System.Collections.Generic.Dictionary`2.EnsureCapacity", "System.Collections.Generic.HashSet`1.EnsureCapacity",
    };

    /// <summary>
    /// The largest count a generator (<c>Enumerable.Range</c>, an array's size, …) may be given, as a constant; also
    /// the most that all the generators of one expression may produce together, multiplied, since they may nest.
    /// </summary>
    public const int MaxGeneratedCount = 10_000;

    /// <summary>How deep lambdas may nest: each level may multiply the work by the size of a collection.</summary>
    public const int MaxLambdaNesting = 4;

    private long generated;

    private readonly List<(SyntaxNode Node, string Message, string Hint)> violations = [];

    private readonly HashSet<SyntaxNode> judgedWithCall = [];

    public IReadOnlyList<(SyntaxNode Node, string Message, string Hint)> Check(ExpressionSyntax expression)
    {
        violations.Clear();
        judgedWithCall.Clear();
        generated = 1;
        foreach (var node in expression.DescendantNodesAndSelf())
        {
            if (SyntaxViolation(node) is { } syntax)
            {
                violations.Add((node, syntax.Message, syntax.Hint));
                continue;
            }

            if (SemanticViolation(node) is { } semantic)
            {
                violations.Add((node, semantic.Message, semantic.Hint));

                // A call's own problem (a culture, a size) says more than its method's absence from the allow-list.
                if (node is InvocationExpressionSyntax { Expression: var callee })
                {
                    judgedWithCall.Add(callee);
                    judgedWithCall.Add(callee is MemberAccessExpressionSyntax access ? access.Name : callee);
                }

                continue;
            }

            CheckSymbol(node);
            if (node is ExpressionSyntax value && !violations.Any(reported => reported.Node == node))
            {
                var info = model.GetTypeInfo(value);
                CheckType(node, info.Type ?? info.ConvertedType);
                if (model.GetConversion(value).MethodSymbol is { } conversion && !IsAllowed(conversion))
                {
                    violations.Add((node, $"The conversion '{Display(conversion)}' is not allowed in rule expressions: it reads the machine's time zone.", "Compare DateTimeOffset values, or build one with an explicit offset: new DateTimeOffset(2026, 1, 31, 16, 0, 0, TimeSpan.Zero)."));
                }
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
        _ when node.ChildTokens().FirstOrDefault(token => token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText.StartsWith("__", StringComparison.Ordinal)) is { RawKind: not 0 } reserved
            => ($"'{reserved.ValueText}' is reserved for generated code, however it is spelled.", "Use the context members, Params and Derived."),
        InterpolationFormatClauseSyntax format when !CodeText.IsHoleSuffix(":" + format.FormatStringToken.ValueText)
            => ($"'{format.FormatStringToken.ValueText}' is not a format RulesGate admits.", "Use a .NET format such as F2, P1 or N0, with a precision of at most 99."),
        _ => null,
    };

    private (string Message, string Hint)? SemanticViolation(SyntaxNode node)
    {
        switch (node)
        {
            case CastExpressionSyntax cast when !IsPrimitive(model.GetTypeInfo(cast.Type).Type):
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AsExpression or (int)SyntaxKind.IsExpression } test when !IsPrimitive(model.GetTypeInfo(test.Right).Type):
            case DeclarationPatternSyntax declaration when !IsPrimitive(model.GetTypeInfo(declaration.Type).Type):
            case TypePatternSyntax pattern when !IsPrimitive(model.GetTypeInfo(pattern.Type).Type):
            case RecursivePatternSyntax { Type: { } recursive } when !IsPrimitive(model.GetTypeInfo(recursive).Type):
            case FromClauseSyntax { Type: { } from } when !IsPrimitive(model.GetTypeInfo(from).Type):
            case JoinClauseSyntax { Type: { } join } when !IsPrimitive(model.GetTypeInfo(join).Type):
                return ("Conversions to anything but a number, bool or char are not allowed: the context is read through its declared types.", "Use the members the context declares.");
            case InterpolatedStringExpressionSyntax text when text.Contents.OfType<InterpolationSyntax>().Any(hole => !IsText(model.GetTypeInfo(hole.Expression).Type)):
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } concat when model.GetTypeInfo(concat).Type?.SpecialType == SpecialType.System_String
                && (!IsText(model.GetTypeInfo(concat.Left).Type) || !IsText(model.GetTypeInfo(concat.Right).Type)):
                return ("Turning a number, a date or a record into text here depends on the machine's culture.", "Compare values as values, and format them in the message instead, such as {Intent.Qty:F2}: messages use the invariant culture.");
            case InterpolatedStringExpressionSyntax or BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } when Nesting(node) > 0
                && model.GetTypeInfo((ExpressionSyntax)node).Type?.SpecialType == SpecialType.System_String && !model.GetConstantValue(node).HasValue:
                return ("Building text inside a lambda is not allowed: it runs once per element, and its text can grow with each.", "Compare the parts instead, such as p.Key.StartsWith(\"US\", StringComparison.Ordinal); build text once, outside the lambda.");
            case InvocationExpressionSyntax { Expression: MemberBindingExpressionSyntax } conditional when model.GetSymbolInfo(conditional).Symbol is IMethodSymbol linq && IsLinq(linq.ReducedFrom ?? linq):
                return ("A LINQ method after ?. is not allowed.", "Test for null first, such as Params.Tags != null && Params.Tags.Any(…).");
            case SpreadElementSyntax:
                return ("A spread (..) is not allowed in a collection: it copies a whole sequence.", "Use LINQ over the collections themselves, such as a.Concat(b).");
            case QueryClauseSyntax or SelectOrGroupClauseSyntax when QueryMethods(node).FirstOrDefault(method => !IsAllowed(method)) is { } clause:
                return ($"'{Display(clause)}' is not allowed in rule expressions: {Reason(clause)}.", clause.Name == "SelectMany" ? "Nest Any, All, Count or Sum instead of a second from, such as Portfolio.Positions.Any(a => Market.Prices.Any(b => …))." : AllowedHint);
            case OrderingSyntax ordering when model.GetSymbolInfo(ordering).Symbol is IMethodSymbol orderBy && OrdersText(orderBy):
                return ("Ordering text in a query uses the machine's culture.", "Use OrderBy(p => p.Key, StringComparer.Ordinal) instead of orderby.");
            case InvocationExpressionSyntax invocation when model.GetSymbolInfo(invocation).Symbol is IMethodSymbol { Name: "GetHashCode" }:
                return ("GetHashCode is not allowed: the hash of a text differs from process to process, so the decision could not be replayed.", "Compare the values themselves.");
            case InvocationExpressionSyntax invocation when model.GetSymbolInfo(invocation).Symbol is IMethodSymbol method:
                var definition = method.ReducedFrom ?? method;
                if (method.MethodKind == MethodKind.DelegateInvoke)
                {
                    return ("Invoking a delegate is not allowed: a rule expression may pass a lambda to LINQ, never call one itself.", "Write the computation inline, or as a derived value.");
                }

                if (definition.ContainingType is { } owner && Metadata(owner) == "System.Linq.Enumerable" && method.Name is "Cast" or "OfType" && !method.TypeArguments.All(IsPrimitive))
                {
                    return ($"Enumerable.{method.Name} to anything but a number, bool or char is not allowed: the context is read through its declared types.", "Use the members the context declares.");
                }

                if (OrdersText(method))
                {
                    return ($"Enumerable.{method.Name} of text without a comparer uses the machine's culture.", $"Pass StringComparer.Ordinal, such as {method.Name}(p => p.Key, StringComparer.Ordinal).");
                }

                return CultureOrSize(invocation.ArgumentList, method);
            case BaseObjectCreationExpressionSyntax creation when model.GetSymbolInfo(creation).Symbol is IMethodSymbol constructor:
                if (constructor.ContainingType.TypeKind == TypeKind.Delegate)
                {
                    return ("Creating a delegate is not allowed: a rule expression may pass a lambda to LINQ, never keep one.", "Pass the lambda to the LINQ method directly.");
                }

                if (constructor.ContainingType.Name == "DateTimeOffset" && constructor.Parameters is [{ Type.SpecialType: SpecialType.System_DateTime }])
                {
                    return ("new DateTimeOffset(DateTime) reads the machine's time zone.", "Give the offset: new DateTimeOffset(2026, 1, 31, 16, 0, 0, TimeSpan.Zero).");
                }

                return creation.ArgumentList is { } arguments ? CultureOrSize(arguments, constructor) : null;
            case AnonymousFunctionExpressionSyntax lambda when !IsLinqArgument(lambda):
                return ("A lambda is allowed only as an argument of a LINQ method (Where, Select, Sum, …).", "Pass it to the LINQ method directly, such as Portfolio.Positions.Where(p => p.Value > 0).");
            case AnonymousFunctionExpressionSyntax or QueryExpressionSyntax when Nesting(node) > MaxLambdaNesting:
                return ($"Lambdas nest more than {MaxLambdaNesting} deep: each level multiplies the work by a collection's size.", "Split the computation into derived values.");
            case ArrayCreationExpressionSyntax array when array.Type.RankSpecifiers.SelectMany(rank => rank.Sizes).Any(size => size is not OmittedArraySizeExpressionSyntax && !IsSmallConstant(size)):
                return ($"An array's size must be a constant of at most {MaxGeneratedCount}.", "Use LINQ over the context's collections instead.");
            case ArrayCreationExpressionSyntax array when !Generates(array.Type.RankSpecifiers.SelectMany(rank => rank.Sizes).OfType<ExpressionSyntax>().Where(size => size is not OmittedArraySizeExpressionSyntax)):
                return (TooMuchGenerated, GeneratedHint);
            case InterpolationAlignmentClauseSyntax alignment when !IsSmallConstant(alignment.Value, 999):
                return ("An alignment must be a constant of at most 999.", "Write an alignment such as ,8.");
            default:
                return null;
        }
    }

    /// <summary>A culture-dependent call without a culture, or a sized call whose size is not a small constant.</summary>
    private (string Message, string Hint)? CultureOrSize(BaseArgumentListSyntax arguments, IMethodSymbol method)
    {
        var definition = method.ReducedFrom ?? method;
        var owner = Metadata(definition.ContainingType.OriginalDefinition);
        var parameters = definition.Parameters;
        if (owner == "System.String" && CultureStringMembers.Contains(method.Name)
            && parameters.Any(parameter => parameter.Type.SpecialType == SpecialType.System_String)
            && !parameters.Any(parameter => parameter.Type.Name is "StringComparison" or "CultureInfo"))
        {
            return ($"string.{method.Name} without a StringComparison depends on the machine's culture.", $"Pass StringComparison.Ordinal, such as s.{method.Name}(\"x\", StringComparison.Ordinal).");
        }

        if (owner is "System.String" or "System.Char" && method.Name is "ToUpper" or "ToLower" && parameters.Length == (owner == "System.Char" ? 1 : 0))
        {
            return ($"{(owner == "System.Char" ? "char" : "string")}.{method.Name} depends on the machine's culture.", $"Write {method.Name}Invariant.");
        }

        if (owner == "System.String" && method.Name is "Concat" or "Join" && method.Parameters.Skip(method.Name == "Join" ? 1 : 0).Any(parameter => !IsTextOrTexts(parameter.Type)))
        {
            return ($"string.{method.Name} of numbers, dates or objects turns them into text by the machine's culture.", "Join text only; format numbers in the message instead, such as {Intent.Qty:F2}.");
        }

        if (owner == "System.String" && method.Name is "Concat" or "Join" && Nesting(arguments) > 0)
        {
            return ($"string.{method.Name} inside a lambda is not allowed: it runs once per element, and its text can grow with each.", "Join text once, outside the lambda.");
        }

        if (method.Name is "ToString" or "Parse" or "TryParse" or "Format"
            && definition.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>().Any(overload => overload.Parameters.Any(IsFormatProvider))
            && !parameters.Any(IsFormatProvider))
        {
            return ($"{definition.ContainingType.Name}.{method.Name} without a format provider depends on the machine's culture.", "Format in a message hole instead, such as {Intent.Qty:F2}: messages use the invariant culture.");
        }

        foreach (var argument in arguments.Arguments)
        {
            var parameter = Parameter(argument, arguments.Arguments.IndexOf(argument), parameters, method.ReducedFrom is not null);
            if (parameter is null)
            {
                continue;
            }

            if (parameter.Type.SpecialType == SpecialType.System_String && parameter.Name == "format"
                && (model.GetConstantValue(argument.Expression) is not { HasValue: true, Value: string format } || !CodeText.IsHoleSuffix(":" + format)))
            {
                return ("A format must be a constant RulesGate admits.", "Use a constant .NET format such as \"F2\", with a precision of at most 99.");
            }

            if (SizedMembers.Contains($"{owner}.{definition.Name}") && parameter.Type.SpecialType == SpecialType.System_Int32
                && parameter.Name is "count" or "capacity" or "totalWidth" or "repeatCount")
            {
                if (!IsSmallConstant(argument.Expression))
                {
                    return ($"{definition.ContainingType.Name}.{(definition.MethodKind == MethodKind.Constructor ? "new" : definition.Name)}'s {parameter.Name} must be a constant of at most {MaxGeneratedCount}, so the expression's time and memory stay bounded.", $"Write a constant such as {MaxGeneratedCount}, or use LINQ over the context's collections.");
                }

                if (!Generates([argument.Expression]))
                {
                    return (TooMuchGenerated, GeneratedHint);
                }
            }
        }

        return null;
    }

    private const string TooMuchGenerated = "The generators of this expression produce more than 10000 items together (their counts multiply, since they may nest).";

    private const string GeneratedHint = "Generate less, or use LINQ over the context's collections.";

    /// <summary>Adds the sizes to the expression's running product; false once it passes the bound.</summary>
    private bool Generates(IEnumerable<ExpressionSyntax> sizes)
    {
        foreach (var size in sizes)
        {
            generated *= Math.Max(1, model.GetConstantValue(size) is { HasValue: true, Value: int value } ? Math.Abs((long)value) : MaxGeneratedCount + 1L);
            generated = Math.Min(generated, MaxGeneratedCount + 1L);
        }

        return generated <= MaxGeneratedCount;
    }

    internal static IParameterSymbol? Parameter(ArgumentSyntax argument, int index, System.Collections.Immutable.ImmutableArray<IParameterSymbol> parameters, bool reduced)
    {
        if (argument.NameColon is { } named)
        {
            return parameters.FirstOrDefault(parameter => parameter.Name == named.Name.Identifier.ValueText);
        }

        var position = reduced ? index + 1 : index;
        return position < parameters.Length ? parameters[position] : parameters.LastOrDefault(parameter => parameter.IsParams);
    }

    private static bool IsFormatProvider(IParameterSymbol parameter) => parameter.Type.Name is "IFormatProvider" or "CultureInfo";

    private bool IsSmallConstant(ExpressionSyntax expression, int max = MaxGeneratedCount) =>
        model.GetConstantValue(expression) is { HasValue: true, Value: int value } && Math.Abs(value) <= max;

    private bool IsLinqArgument(AnonymousFunctionExpressionSyntax lambda) =>
        lambda.Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } }
        && model.GetSymbolInfo(call).Symbol is IMethodSymbol method
        && (method.ReducedFrom ?? method).ContainingType is { } owner && Metadata(owner) == "System.Linq.Enumerable";

    /// <summary>An ordering or extremum over text that compares with the default (culture) comparer.</summary>
    private static bool OrdersText(IMethodSymbol method) =>
        OrderingMembers.Contains(method.Name)
        && Metadata((method.ReducedFrom ?? method).ContainingType) == "System.Linq.Enumerable"
        && !method.Parameters.Any(parameter => parameter.Type.Name == "IComparer")
        && (method.TypeArguments.Length == 0 ? method.ReturnType.SpecialType == SpecialType.System_String : method.TypeArguments[^1].SpecialType == SpecialType.System_String);

    /// <summary>Text, or an array, sequence or span of text: what string.Join and string.Concat join without formatting anything.</summary>
    private static bool IsTextOrTexts(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => IsText(array.ElementType),
        INamedTypeSymbol { IsGenericType: true, Name: "IEnumerable" or "ReadOnlySpan" } sequence => IsText(sequence.TypeArguments[0]),
        _ => IsText(type),
    };

    /// <summary>How many loops over collections enclose the node: each lambda, and each query with one per from or join clause.</summary>
    private static int Nesting(SyntaxNode node) => node.AncestorsAndSelf().Sum(enclosing => enclosing switch
    {
        AnonymousFunctionExpressionSyntax => 1,
        QueryExpressionSyntax query => 1 + query.Body.Clauses.Count(clause => clause is FromClauseSyntax or JoinClauseSyntax),
        _ => 0,
    });

    /// <summary>Numbers and dates, whose text depends on the culture unless a format provider says otherwise.</summary>
    private static bool IsCultureFormatted(ITypeSymbol? type) =>
        type is { SpecialType: (>= SpecialType.System_SByte and <= SpecialType.System_Double) or SpecialType.System_DateTime }
        || type?.Name == "DateTimeOffset"
        || type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable && IsCultureFormatted(nullable.TypeArguments[0]);

    /// <summary>Text and characters, the only values joined to text without a culture.</summary>
    private static bool IsText(ITypeSymbol? type) => type?.SpecialType is SpecialType.System_String or SpecialType.System_Char;

    /// <summary>The LINQ methods a query clause is translated into.</summary>
    private IEnumerable<IMethodSymbol> QueryMethods(SyntaxNode clause)
    {
        if (clause is SelectOrGroupClauseSyntax)
        {
            return model.GetSymbolInfo(clause).Symbol is IMethodSymbol select ? [select] : [];
        }

        var info = model.GetQueryClauseInfo((QueryClauseSyntax)clause);
        return new[] { info.OperationInfo.Symbol, info.CastInfo.Symbol }.OfType<IMethodSymbol>();
    }

    private static bool IsPrimitive(ITypeSymbol? type) =>
        type is { SpecialType: SpecialType.System_Boolean or SpecialType.System_Char or (>= SpecialType.System_SByte and <= SpecialType.System_Double) }
        || type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable && IsPrimitive(nullable.TypeArguments[0]);

    private void CheckSymbol(SyntaxNode node)
    {
        if (node is not (SimpleNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ObjectCreationExpressionSyntax
            or ImplicitObjectCreationExpressionSyntax or ElementAccessExpressionSyntax or QualifiedNameSyntax or MemberBindingExpressionSyntax))
        {
            return;
        }

        if (judgedWithCall.Contains(node))
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

    private const string AllowedHint = "Use the context's members, Params, Derived, Math, comparisons and searches of text (StartsWith, Contains, Length, …), and LINQ operators over the context's collections (Where, Select, Any, All, Count, Sum, Min, Max, …); SECURITY.md lists every member admitted.";

    private bool IsAllowed(ISymbol symbol)
    {
        switch (symbol)
        {
            case ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or IDiscardSymbol or INamespaceSymbol:
                return true;
            case ITypeSymbol type:
                return IsAllowedType(type);
            case IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LambdaMethod }:
                return true;
            case IMethodSymbol method:
                return method.TypeArguments.All(IsAllowedType) && IsAllowedMember((method.ReducedFrom ?? method).OriginalDefinition);
            case IPropertySymbol or IFieldSymbol:
                return IsAllowedMember(symbol.OriginalDefinition);
            default:
                return false;
        }
    }

    /// <summary>A member on the allow-list: the framework's by <see cref="AllowedMembers"/>, the context's and the generated types' own.</summary>
    private bool IsAllowedMember(ISymbol member)
    {
        if (member.ContainingType is not { } owner || NeverMembers.Contains(member.Name) || FormattingMembers.Contains(member.Name) || IsDenied(member))
        {
            return false;
        }

        if (owner.IsAnonymousType || owner.IsTupleType || IsOwnType(owner) || member is IFieldSymbol && owner.TypeKind == TypeKind.Enum)
        {
            return IsAllowedType(owner);
        }

        // Operators and conversions cannot be called by name; the types they work on are checked where they are used.
        if (member is IMethodSymbol { MethodKind: MethodKind.UserDefinedOperator or MethodKind.Conversion or MethodKind.BuiltinOperator })
        {
            return IsAllowedType(owner);
        }

        return AllowedMembers.TryGetValue(Metadata(owner.OriginalDefinition), out var members) && (members.Contains("*") || members.Contains(member.Name));
    }

    /// <summary>The kind's context types and the types generated for the file (Params, Derived), not the generated code itself.</summary>
    private bool IsOwnType(INamedTypeSymbol type) =>
        (type.ContainingNamespace?.ToDisplayString() == CodeGenerator.Namespace && type.Name != "CompiledRules" && type.Name != "DeriveProbe")
        || kind.ContextTypes.Any(context => context.FullName == Metadata(type.OriginalDefinition));

    /// <summary>Whether the method is one of LINQ's operators over sequences.</summary>
    internal static bool IsLinq(IMethodSymbol method) => method.ContainingType is { } owner && Metadata(owner) == "System.Linq.Enumerable";

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

                return (AllowedTypes.Contains(Metadata(named.OriginalDefinition)) || IsOwnType(named)) && named.TypeArguments.All(IsAllowedType);
            default:
                return false;
        }
    }

    private static bool IsDenied(ISymbol symbol) =>
        symbol.ContainingType is { } owner && DeniedMembers.Contains($"{Metadata(owner.OriginalDefinition)}.{symbol.Name}");

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
            _ when symbol.Name.Contains("Local", StringComparison.Ordinal) || symbol.Name.Contains("Universal", StringComparison.Ordinal) || symbol.Name.Contains("FileTime", StringComparison.Ordinal) || symbol.Name == "IsDaylightSavingTime"
                => "it reads the machine's time zone",
            _ when symbol.Name.StartsWith("CurrentCulture", StringComparison.Ordinal) => "it follows the machine's culture",
            _ when FormattingMembers.Contains(symbol.Name) => "it turns values into text, or text into values, by the machine's culture; compare values as values, and format them in a message hole such as {Intent.Qty:F2}",
            _ when GrowingMembers.Contains(symbol.Name) => "it builds text or a collection larger than its inputs",
            _ => "it is not on the allow-list of members",
        };
    }
}
