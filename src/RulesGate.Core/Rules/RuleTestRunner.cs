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

    private static string? Check(RuleBundle bundle, RuleTestCase testCase)
    {
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
