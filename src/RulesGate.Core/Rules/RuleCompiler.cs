using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace RulesGate.Core.Rules;

/// <summary>
/// Compiles a rule file into one assembly: every expression checked alone, then all of them in one Roslyn
/// compilation (Release, deterministic), walked by the <see cref="Sandbox"/>, and emitted. Errors are mapped
/// back to the YAML line and column of the expression that caused them.
/// </summary>
internal static partial class RuleCompiler
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.None);

    private static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        optimizationLevel: OptimizationLevel.Release,
        deterministic: true,
        allowUnsafe: false,
        nullableContextOptions: NullableContextOptions.Enable,
        concurrentBuild: false);

    /// <summary>The emitted assembly's bytes, or the diagnostics that say why there are none.</summary>
    /// <param name="emit">False to find the problems only: nothing is emitted.</param>
    public static (byte[]? Assembly, IReadOnlyList<RuleDiagnostic> Diagnostics) Compile(RuleFile file, RuleKind kind, bool emit = true)
    {
        var diagnostics = new List<RuleDiagnostic>();
        foreach (var expression in Expressions(file))
        {
            CheckAlone(expression, diagnostics);
        }

        CheckDeriveOrder(file, diagnostics);
        if (diagnostics.Count > 0)
        {
            return (null, diagnostics);
        }

        var references = MetadataReferences.For(kind);
        var deriveTypes = new List<string>();
        var failed = new HashSet<string>(StringComparer.Ordinal);   // derived values with problems of their own
        for (var i = 0; i < file.Derive.Count; i++)
        {
            // A derived value that failed stands as an object from here on, and what uses it is not judged by it.
            if (UsesAny(file.Derive[i].Expression, failed) || DeriveType(file, kind, i, deriveTypes, references, diagnostics) is not { } type)
            {
                failed.Add(file.Derive[i].Name);
                deriveTypes.Add("object");
                continue;
            }

            deriveTypes.Add(type);
        }

        var source = new CodeGenerator(file, kind, deriveTypes).Generate(ExplainPlanner.Plan(file), RuleFactPlanner.Plan(file, kind));
        var (final, finalTree) = Build(file, source, references);
        var finalModel = final.GetSemanticModel(finalTree);
        var found = new List<RuleDiagnostic>(diagnostics);
        Check(kind, final, finalTree, finalModel, source, found);
        CheckConditionsAreBool(file, finalTree, finalModel, source, found);
        CheckHolesAreValues(file, finalTree, finalModel, source, found);
        var tainted = Expressions(file).Where(expression => UsesAny(expression, failed)).Select(expression => expression.KeyPath)
            .Concat(file.Derive.Where(derive => failed.Contains(derive.Name)).Select(derive => derive.Expression.KeyPath)).ToHashSet(StringComparer.Ordinal);
        diagnostics.AddRange(found.Skip(diagnostics.Count).Where(problem => !tainted.Contains(problem.KeyPath)));
        if (diagnostics.Count > 0 || !emit)
        {
            return (null, RuleDiagnostic.InFileOrder(diagnostics));
        }

        // What is emitted counts its steps against the budget; the counters go in only now, around expressions the sandbox admitted.
        var spans = source.Regions.Select(region => ExpressionAt(finalTree, region).Span).ToList();
        var counted = finalTree.WithRootAndOptions(new BudgetRewriter(finalModel, spans).Rewrite(finalTree.GetRoot()), finalTree.Options);
        using var pe = new MemoryStream();
        var emitted = final.ReplaceSyntaxTree(finalTree, counted).Emit(pe);
        if (!emitted.Success)
        {
            var first = emitted.Diagnostics.First(d => d.Severity == DiagnosticSeverity.Error);
            throw new InvalidOperationException($"{file.Path}: the code that counts the evaluation budget did not compile ({first.Id}: {first.GetMessage(CultureInfo.InvariantCulture)}); this is a defect of RulesGate, not of the file.");
        }

        return (pe.ToArray(), []);
    }

    /// <summary>The type of derived value <paramref name="index"/>, written for the generated code; null after adding its problems.</summary>
    private static string? DeriveType(RuleFile file, RuleKind kind, int index, List<string> deriveTypes, IReadOnlyList<MetadataReference> references, List<RuleDiagnostic> diagnostics)
    {
        var probe = new CodeGenerator(file, kind, deriveTypes).GenerateDeriveProbe(index);
        var (compilation, tree) = Build(file, probe, references);
        var model = compilation.GetSemanticModel(tree);
        var before = diagnostics.Count;
        Check(kind, compilation, tree, model, probe, diagnostics);
        var node = ExpressionAt(tree, probe.Regions[0]);
        var type = model.GetTypeInfo(node).Type;
        if (diagnostics.Count > before || type is null or IErrorTypeSymbol)
        {
            return null;
        }

        if (type.IsAnonymousType || type.SpecialType == SpecialType.System_Void)
        {
            diagnostics.Add(Map(probe.Regions[0], 0, node.Span.Length, "RG2003", $"A derived value cannot be of type '{type.ToDisplayString()}'.", "Compute a number, bool, text, or a list of them."));
            return null;
        }

        return type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
    }

    /// <summary>Whether the expression uses one of the derived values named.</summary>
    private static bool UsesAny(RuleExpression expression, HashSet<string> derived) =>
        derived.Count > 0 && SyntaxFactory.ParseExpression(expression.Text, 0, ParseOptions).DescendantNodesAndSelf().OfType<MemberAccessExpressionSyntax>()
            .Any(access => access.Expression is IdentifierNameSyntax { Identifier.Text: "Derived" } && derived.Contains(access.Name.Identifier.Text));

    private static IEnumerable<RuleExpression> Expressions(RuleFile file) =>
        file.Derive.Select(derive => derive.Expression)
            .Concat(file.Rules.SelectMany(rule => rule.Message.Parts.Select(part => part.Hole).OfType<RuleExpression>().Prepend(rule.When).Concat(rule.Effects.Values)));

    /// <summary>An expression must parse alone as exactly one C# expression: no statements, no directives, nothing after it.</summary>
    private static void CheckAlone(RuleExpression expression, List<RuleDiagnostic> diagnostics)
    {
        if (expression.Text.Length > RuleExpression.MaxLength)
        {
            diagnostics.Add(Error(expression, 0, 1, "RG2005", $"The expression is {expression.Text.Length} characters long, more than {RuleExpression.MaxLength}.", "Split it into derived values."));
            return;
        }

        var syntax = SyntaxFactory.ParseExpression(expression.Text, 0, ParseOptions, consumeFullText: true);
        if (TooDeep(syntax) is { } deep)
        {
            diagnostics.Add(Error(expression, deep.SpanStart, 1, "RG2005", $"The expression nests deeper than {RuleExpression.MaxDepth} levels.", "Split it into derived values."));
            return;
        }

        if (syntax.DescendantTrivia(descendIntoTrivia: true).FirstOrDefault(trivia => trivia.IsDirective) is { RawKind: not 0 } directive)
        {
            var at = directive.SpanStart;
            diagnostics.Add(Error(expression, at, 1, "RG2001", "Directives (#r, #load, #if, …) and statements are not allowed: a rule expression is a single C# expression.", "Remove everything after the expression."));
            return;
        }

        var error = syntax.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
        if (error is not null)
        {
            var span = error.Location.SourceSpan;
            diagnostics.Add(Error(expression, span.Start, span.Length, error.Id, $"Not a single C# expression: {error.GetMessage(CultureInfo.InvariantCulture)}", "Write one expression, such as Metrics.Drawdown >= Params.Loss.MaxDrawdownPct; wrap a ?: inside a message hole in parentheses."));
        }
    }

    /// <summary>The first expression node nested deeper than allowed, found without recursion (the tree may be very deep).</summary>
    private static SyntaxNode? TooDeep(ExpressionSyntax root)
    {
        var pending = new Stack<(SyntaxNode Node, int Depth)>();
        pending.Push((root, 1));
        while (pending.Count > 0)
        {
            var (node, depth) = pending.Pop();
            if (depth > RuleExpression.MaxDepth)
            {
                return node;
            }

            foreach (var child in node.ChildNodes())
            {
                pending.Push((child, child is ExpressionSyntax ? depth + 1 : depth));
            }
        }

        return null;
    }

    /// <summary>A derived value may use only those above it: they are computed in order, once.</summary>
    private static void CheckDeriveOrder(RuleFile file, List<RuleDiagnostic> diagnostics)
    {
        var names = file.Derive.Select(derive => derive.Name).ToList();
        for (var i = 0; i < file.Derive.Count; i++)
        {
            var expression = file.Derive[i].Expression;
            var uses = SyntaxFactory.ParseExpression(expression.Text, 0, ParseOptions).DescendantNodesAndSelf()
                .OfType<MemberAccessExpressionSyntax>()
                .Where(access => access.Expression is IdentifierNameSyntax { Identifier.Text: "Derived" } && names.IndexOf(access.Name.Identifier.Text) >= i);
            foreach (var use in uses)
            {
                diagnostics.Add(Error(expression, use.SpanStart, use.Span.Length, "RG2004", $"Derived.{use.Name.Identifier.Text} is not computed yet when {file.Derive[i].Name} is.", $"Move {use.Name.Identifier.Text} above {file.Derive[i].Name} in derive:; derived values are computed in order."));
            }
        }
    }

    private static (CSharpCompilation Compilation, SyntaxTree Tree) Build(RuleFile file, GeneratedSource source, IReadOnlyList<MetadataReference> references)
    {
        var tree = CSharpSyntaxTree.ParseText(source.Text, ParseOptions, path: file.Path + ".g.cs");
        var name = string.Create(CultureInfo.InvariantCulture, $"RulesGate.Generated.{file.Kind}.{file.Hash[..16]}");
        return (CSharpCompilation.Create(name, [tree], references, CompilationOptions), tree);
    }

    private static void Check(RuleKind kind, CSharpCompilation compilation, SyntaxTree tree, SemanticModel model, GeneratedSource source, List<RuleDiagnostic> diagnostics)
    {
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        foreach (var error in errors)
        {
            var mapped = Map(source, error, tree, model);
            if (!diagnostics.Contains(mapped))
            {
                diagnostics.Add(mapped);
            }
        }

        // Each expression must stand in the generated code as exactly the one expression it parsed as alone.
        foreach (var region in source.Regions)
        {
            var span = TrimmedSpan(tree, new TextSpan(region.Start, region.Expression.Text.Length));
            var node = ExpressionAt(tree, region);
            if (tree.GetRoot().DescendantTokens(span).Any(token => token.Span.IntersectsWith(span) && !node.Span.Contains(token.Span)))
            {
                var mapped = Map(region, 0, region.Expression.Text.Length, "RG2001", "Not a single C# expression in its place.", "Write one expression.");
                if (!diagnostics.Contains(mapped))
                {
                    diagnostics.Add(mapped);
                }
            }
        }

        var sandbox = new Sandbox(kind, model, reportUnresolved: errors.Count == 0);
        foreach (var region in source.Regions.Where(region => region.Primary))
        {
            foreach (var (node, message, hint) in sandbox.Check(ExpressionAt(tree, region)))
            {
                var mapped = Map(region, node.SpanStart - region.Start, node.Span.Length, "RG3001", message, hint);
                if (!diagnostics.Contains(mapped))
                {
                    diagnostics.Add(mapped);
                }
            }
        }

    }

    private static void CheckConditionsAreBool(RuleFile file, SyntaxTree tree, SemanticModel model, GeneratedSource source, List<RuleDiagnostic> diagnostics)
    {
        foreach (var region in source.Regions.Where(region => region.Primary && file.Rules.Any(rule => ReferenceEquals(rule.When, region.Expression))))
        {
            var node = ExpressionAt(tree, region);
            var type = model.GetTypeInfo(node).Type;
            if (type is not null and not IErrorTypeSymbol && type.SpecialType != SpecialType.System_Boolean)
            {
                var mapped = Map(region, 0, node.Span.Length, "RG2002", $"A condition must be true or false, but this is a {type.ToDisplayString()}.", "Compare it, such as Metrics.Drawdown >= Params.Loss.MaxDrawdownPct.");
                diagnostics.RemoveAll(d => d.Location == mapped.Location && d.Code is "CS0029" or "CS0266");
                diagnostics.Add(mapped);
            }
        }
    }

    /// <summary>
    /// A message hole must be a value the invariant culture formats: text, a number, a date, a time span, a bool or
    /// an enum. A record, a tuple or a collection would print through its own ToString, by the machine's culture.
    /// </summary>
    private static void CheckHolesAreValues(RuleFile file, SyntaxTree tree, SemanticModel model, GeneratedSource source, List<RuleDiagnostic> diagnostics)
    {
        var holes = file.Rules.SelectMany(rule => rule.Message.Parts).Select(part => part.Hole).OfType<RuleExpression>().ToHashSet();
        foreach (var region in source.Regions.Where(region => region.Primary && holes.Contains(region.Expression)))
        {
            var node = ExpressionAt(tree, region);
            var type = model.GetTypeInfo(node).Type;
            if (type is not null and not IErrorTypeSymbol && !IsFormattedValue(type))
            {
                diagnostics.Add(Map(region, 0, node.Span.Length, "RG2006", $"A message hole must be text, a number, a date, a time span, a bool or an enum, but this is a {type.ToDisplayString()}.", "Name the member you mean, such as {Intent.Qty:F2}; join a list of text with {string.Join(\", \", Gaps)}."));
            }
        }
    }

    private static bool IsFormattedValue(ITypeSymbol type) => type switch
    {
        INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable => IsFormattedValue(nullable.TypeArguments[0]),
        { SpecialType: SpecialType.System_String or SpecialType.System_Char or SpecialType.System_Boolean or (>= SpecialType.System_SByte and <= SpecialType.System_Double) or SpecialType.System_DateTime } => true,
        { TypeKind: TypeKind.Enum } => true,
        INamedTypeSymbol { Name: "DateTimeOffset" or "TimeSpan", ContainingNamespace.Name: "System" } => true,
        _ => false,
    };

    private static ExpressionSyntax ExpressionAt(SyntaxTree tree, SourceRegion region)
    {
        var span = new TextSpan(region.Start, region.Expression.Text.Length);
        var node = tree.GetRoot().FindNode(span, getInnermostNodeForTie: false);
        while (node is not ExpressionSyntax || !node.Span.Contains(TrimmedSpan(tree, span)))
        {
            node = node.Parent!;
        }

        return (ExpressionSyntax)node;
    }

    private static TextSpan TrimmedSpan(SyntaxTree tree, TextSpan span)
    {
        var text = tree.GetText().ToString(span);
        var start = text.Length - text.TrimStart().Length;
        var end = text.TrimEnd().Length;
        return TextSpan.FromBounds(span.Start + start, span.Start + Math.Max(start, end));
    }

    private static RuleDiagnostic Map(GeneratedSource source, Diagnostic diagnostic, SyntaxTree tree, SemanticModel model)
    {
        var span = diagnostic.Location.SourceSpan;
        var message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        if (source.RegionAt(span.Start) is { } region)
        {
            return Map(region, span.Start - region.Start, span.Length, diagnostic.Id, Translate(diagnostic, message, tree, model), Hint(diagnostic, tree, model));
        }

        // Outside any expression: a generator bug, not the author's; still reported against the file.
        var path = source.Regions[0].Expression.Scalar.Source.Path;
        return new RuleDiagnostic(diagnostic.Id, new SourceLocation(path, 1, 1), "", $"Generated code failed to compile: {message}", "Report this with the rule file.", "");
    }

    private static RuleDiagnostic Map(SourceRegion region, int offset, int length, string code, string message, string hint) =>
        Error(region.Expression, offset, length, code, message, hint);

    private static RuleDiagnostic Error(RuleExpression expression, int offset, int length, string code, string message, string hint) =>
        RuleDiagnostic.At(expression.Locate(offset), expression.Scalar.Source, code, expression.KeyPath, message, hint, length);

    /// <summary>
    /// Roslyn's message in the author's words: names as the rule file writes them (<c>Params.Loss</c>, never the
    /// generated <c>Params_Loss</c>), no advice about using directives or assemblies, and a full stop.
    /// </summary>
    private static string Translate(Diagnostic diagnostic, string message, SyntaxTree tree, SemanticModel model)
    {
        var node = tree.GetRoot().FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var text = diagnostic.Id switch
        {
            // Without a derive: block, Derived is no value of the file's, and the name resolves to generated code.
            _ when node is IdentifierNameSyntax { Identifier.Text: "Derived" } && node.Parent is MemberAccessExpressionSyntax derived && derived.Expression == node =>
                $"Derived has no '{derived.Name.Identifier.Text}': the file has no derive: block, where derived values are computed.",
            "CS1061" or "CS0117" when node.Parent is MemberAccessExpressionSyntax access =>
                $"{Written(access.Expression, model)} has no '{access.Name.Identifier.Text}'.",
            "CS0103" when node is IdentifierNameSyntax identifier =>
                $"'{identifier.Identifier.Text}' is not a name a rule can use.",
            _ => GeneratedName().Replace(message, match => match.Value.Replace('_', '.').TrimEnd('.'))
                .Replace(" (are you missing a using directive or an assembly reference?)", "", StringComparison.Ordinal),
        };
        return text.EndsWith('.') ? text : text + ".";
    }

    /// <summary>An expression as the author wrote it, with its type when that is a plain one: <c>Derived.Notional (a double)</c>.</summary>
    private static string Written(ExpressionSyntax expression, SemanticModel model)
    {
        var written = expression.ToString();
        return model.GetSymbolInfo(expression).Symbol is INamedTypeSymbol || model.GetTypeInfo(expression).Type is not { } type
            || type.SpecialType == SpecialType.None
            ? written
            : $"{written} (a {type.ToDisplayString()})";
    }

    /// <summary>A generated type's name in a message: <c>Params_</c>, <c>Params_Loss</c>, <c>Derived_</c>.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\b(Params|Derived)_[A-Za-z0-9_]*")]
    private static partial System.Text.RegularExpressions.Regex GeneratedName();

    /// <summary>"Did you mean …" for a misspelt member or name.</summary>
    private static string Hint(Diagnostic diagnostic, SyntaxTree tree, SemanticModel model)
    {
        var node = tree.GetRoot().FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        IEnumerable<string> candidates;
        string name;
        switch (diagnostic.Id)
        {
            case "CS1061" or "CS0117" when node.Parent is MemberAccessExpressionSyntax access:
                name = access.Name.Identifier.Text;
                var receiver = model.GetTypeInfo(access.Expression).Type ?? model.GetSymbolInfo(access.Expression).Symbol as ITypeSymbol;
                candidates = receiver?.GetMembers().Where(m => m.DeclaredAccessibility == Accessibility.Public && !m.IsImplicitlyDeclared && m is not IMethodSymbol { MethodKind: not MethodKind.Ordinary }).Select(m => m.Name).Distinct() ?? [];
                break;
            case "CS0103" when node is IdentifierNameSyntax identifier:
                name = identifier.Identifier.Text;
                candidates = model.LookupSymbols(identifier.SpanStart).Where(s => s is ILocalSymbol).Select(s => s.Name).Where(n => !n.StartsWith("__", StringComparison.Ordinal)).Concat(["Math"]);
                break;
            default:
                return "";
        }

        var list = candidates.Order(StringComparer.Ordinal).ToList();
        var guess = Naming.Closest(name, list);
        return guess is not null ? $"Did you mean '{guess}'?" : list.Count is > 0 and <= 16 ? $"Available: {Naming.OneOf(list)}." : "";
    }
}
