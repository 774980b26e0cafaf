namespace RulesGate.Core.Rules;

/// <summary>What a fact is to the reader of a decision.</summary>
internal enum RuleFactRole
{
    /// <summary>A value the caller or the rule file supplied: a parameter, the intent, the state.</summary>
    Input,

    /// <summary>A value RulesGate computed: a metric or a derived value.</summary>
    Computed,

    /// <summary>Only a side of a measure, such as <c>-Params.Loss.DailyLossLimitPct</c>; not listed with the rule.</summary>
    Measure,
}

/// <summary>A value a rule's condition reads, reported with the rule when it fires.</summary>
/// <param name="Rule">The rule's index in the file.</param>
/// <param name="Name">snake_case, from the last member the expression names (<c>Metrics.NewPositionPct</c> → <c>new_position_pct</c>).</param>
/// <param name="Expression">The C# of the value, a piece of the rule's condition.</param>
internal sealed record RuleFact(int Rule, string Name, RuleFactRole Role, RuleExpression Expression);

/// <summary>A comparison of a value against a parameter, reported for every decision as evidence.</summary>
/// <param name="Metric">The compared value's name.</param>
/// <param name="Value">The fact holding the value.</param>
/// <param name="Limit">The fact holding the limit in force.</param>
internal sealed record RuleMeasure(string Metric, int Value, int Limit);

/// <summary>The facts and measures of one rule file, in rule order.</summary>
internal sealed record RuleFactPlan(IReadOnlyList<RuleFact> Facts, IReadOnlyList<RuleMeasure> Measures)
{
    public IEnumerable<int> OfRule(int rule)
    {
        for (var i = 0; i < Facts.Count; i++)
        {
            if (Facts[i].Rule == rule && Facts[i].Role != RuleFactRole.Measure)
            {
                yield return i;
            }
        }
    }
}
