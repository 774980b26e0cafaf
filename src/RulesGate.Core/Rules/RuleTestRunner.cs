using System.Globalization;

namespace RulesGate.Core.Rules;

/// <summary>How often one rule fired and stayed quiet over the cases run: each is a branch of its condition.</summary>
public sealed record RuleCoverageLine(string Rule, int Fired, int Quiet);

/// <summary>How many cases one override (a symbol's or a strategy's params) judged.</summary>
public sealed record OverrideCoverage(string Kind, string Key, int Cases);

/// <summary>What the cases run exercised of one rule file: each rule both ways, and each override.</summary>
public sealed record RuleCoverage(string RulesPath, string Identity, int Cases, IReadOnlyList<RuleCoverageLine> Rules, IReadOnlyList<OverrideCoverage> Overrides)
{
    /// <summary>Rules that fired in some case and stayed quiet in another, of all: both branches seen.</summary>
    public int BothWays => Rules.Count(rule => rule.Fired > 0 && rule.Quiet > 0);
}

/// <summary>Runs rule-test files: each case's context through the rule file it names, compared with what it expects.</summary>
public sealed class RuleTestRunner(RuleEngine engine)
{
    private readonly Dictionary<string, RuleResult<RuleBundle>> bundles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (RuleBundle Bundle, int Cases, int[] Fired, int[] Quiet, int[] Symbols, int[] Strategies)> seen = new(StringComparer.Ordinal);

    /// <summary>What the cases run so far exercised of each rule file they name, in the order the files were first met.</summary>
    public IReadOnlyList<RuleCoverage> Coverage() =>
        [.. seen.Values.Select(c => new RuleCoverage(
            c.Bundle.File.Path, c.Bundle.Identity, c.Cases,
            [.. c.Bundle.File.Rules.Select((rule, i) => new RuleCoverageLine(rule.Id, c.Fired[i], c.Quiet[i]))],
            [
                .. c.Bundle.File.Overrides.Symbols.Keys.Order(StringComparer.Ordinal).Select((key, i) => new OverrideCoverage("symbol", key, c.Symbols[i + 1])),
                .. c.Bundle.File.Overrides.Strategies.Keys.Order(StringComparer.Ordinal).Select((key, i) => new OverrideCoverage("strategy", key, c.Strategies[i + 1])),
            ]))];

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

        return [.. tests.Cases.Select(testCase => new RuleTestOutcome(path, testCase.Name, testCase.Location, Check(tests.RulesPath, bundle, testCase)))];
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

    private string? Check(string rulesPath, RuleBundle bundle, RuleTestCase testCase)
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
            Cover(rulesPath, bundle, evaluator, context, fired);
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

    /// <summary>Counts one case toward its rule file's coverage: each rule fired or quiet, and the override that judged it.</summary>
    private void Cover(string rulesPath, RuleBundle bundle, IRuleEvaluator evaluator, object context, IReadOnlyList<string> fired)
    {
        var file = bundle.File;
        if (!seen.TryGetValue(rulesPath, out var counts))
        {
            counts = (bundle, 0, new int[file.Rules.Count], new int[file.Rules.Count], new int[file.Overrides.Symbols.Count + 1], new int[file.Overrides.Strategies.Count + 1]);
        }

        for (var i = 0; i < file.Rules.Count; i++)
        {
            (fired.Contains(file.Rules[i].Id) ? counts.Fired : counts.Quiet)[i]++;
        }

        var (symbol, strategy) = evaluator.Overridden(context);
        counts.Symbols[symbol]++;
        counts.Strategies[strategy]++;
        seen[rulesPath] = counts with { Cases = counts.Cases + 1 };
    }

    private static int IndexOf(RuleBundle bundle, string rule) =>
        bundle.File.Rules.ToList().FindIndex(r => r.Id == rule);
}
