using System.Globalization;

namespace RulesGate.Core.Rules;

/// <summary>Runs rule-test files: each case's context through the rule file it names, compared with what it expects.</summary>
public sealed class RuleTestRunner(RuleEngine engine)
{
    private readonly Dictionary<string, RuleResult<RuleBundle>> bundles = new(StringComparer.Ordinal);

    /// <summary>Runs every case of one file; a file that does not load is one failed outcome per diagnostic.</summary>
    public IReadOnlyList<RuleTestOutcome> Run(string path)
    {
        var loaded = RuleTestLoader.Load(path);
        if (loaded.Value is not { } tests)
        {
            return [.. loaded.Diagnostics.Select(d => new RuleTestOutcome(path, "(file)", d.Location, d.ToString()))];
        }

        if (!bundles.TryGetValue(tests.RulesPath, out var compiled))
        {
            compiled = engine.Load(tests.RulesPath);
            bundles[tests.RulesPath] = compiled;
        }

        if (compiled.Value is not { } bundle)
        {
            return [.. tests.Cases.Select(c => new RuleTestOutcome(path, c.Name, c.Location, $"{tests.RulesPath} does not compile: {compiled.Diagnostics[0]}"))];
        }

        return [.. tests.Cases.Select(testCase => new RuleTestOutcome(path, testCase.Name, testCase.Location, Check(bundle, testCase)))];
    }

    /// <summary>
    /// The rule ids <paramref name="testCase"/> expects (to fire, or effects and messages of) that <paramref name="rules"/>
    /// does not have, each with why and the closest id it has: a test of a rule that does not exist passes nothing.
    /// </summary>
    public static IReadOnlyList<string> UnknownRules(RuleTestCase testCase, RuleFile rules)
    {
        var ids = rules.Rules.Select(rule => rule.Id).ToList();
        return [.. testCase.Fired.Concat(testCase.Effects.Keys.Select(key => key.Rule)).Concat(testCase.Messages.Keys)
            .Distinct(StringComparer.Ordinal)
            .Where(rule => !ids.Contains(rule))
            .Select(rule => $"expects rule {rule}, which {rules.Metadata.Id}@{rules.Metadata.Version} does not have{(Naming.Closest(rule, ids) is { } guess ? $"; did you mean {guess}?" : $"; its rules are {Naming.OneOf(ids)}.")}")];
    }

    /// <summary>What <c>rules check</c> says of a rule-test file that loads: each case that expects a rule its rule file does not have.</summary>
    public IReadOnlyList<RuleDiagnostic> Check(RuleTestFile tests)
    {
        var rules = engine.Loader.Parse(tests.RulesPath, InputFile.ReadAtMost(tests.RulesPath, YamlLimits.MaxBytes));
        if (rules.Value is not { } file)
        {
            return rules.Diagnostics;
        }

        return [.. tests.Cases.SelectMany(testCase => UnknownRules(testCase, file).Select(problem =>
            new RuleDiagnostic("RG1005", testCase.Location, $"case '{testCase.Name}'", problem, "", "")))];
    }

    private static string? Check(RuleBundle bundle, RuleTestCase testCase)
    {
        if (UnknownRules(testCase, bundle.File) is [var unknown, ..])
        {
            return unknown;
        }

        object context;
        try
        {
            context = bundle.Kind.ReadContext(testCase.Context, bundle.File);
        }
        catch (FormatException error)
        {
            return $"context: {error.Message}";
        }

        var evaluator = bundle.Evaluator();
        try
        {
            var fired = evaluator.Fired(context);
            var expected = testCase.Fired.Order(StringComparer.Ordinal).ToList();
            if (!fired.Order(StringComparer.Ordinal).SequenceEqual(expected))
            {
                return $"expected fired [{string.Join(", ", expected)}], got [{string.Join(", ", fired)}]";
            }

            foreach (var ((rule, key), want) in testCase.Effects)
            {
                var index = IndexOf(bundle, rule);
                if (index < 0)
                {
                    return $"no rule {rule} in {bundle.Identity}";
                }

                var got = evaluator.Effect(index, key, context);
                if (got is not { } value || Math.Abs(value - want) > 1e-9)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"expected {rule}.{key} = {want}, got {RuleExplainer.Format(got)}");
                }
            }

            foreach (var (rule, want) in testCase.Messages)
            {
                var index = IndexOf(bundle, rule);
                var got = index < 0 ? $"(no rule {rule})" : evaluator.Message(index, context);
                if (got != want)
                {
                    return $"expected {rule} message \"{want}\", got \"{got}\"";
                }
            }

            return null;
        }
        catch (RuleEvaluationException error)
        {
            return error.Message;
        }
    }

    private static int IndexOf(RuleBundle bundle, string rule) =>
        bundle.File.Rules.ToList().FindIndex(r => r.Id == rule);
}
