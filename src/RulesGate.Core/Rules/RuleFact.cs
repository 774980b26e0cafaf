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
    /// <summary>
    /// The plan as text the generated code keeps: a fact is <c>rule,role,start,length,name</c> (its piece of the
    /// rule's condition), a measure <c>metric,value,limit</c>; facts and measures are separated by <c>|</c>, each by <c>;</c>.
    /// </summary>
    public string Write()
    {
        var facts = Facts.Select(fact => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{fact.Rule},{(int)fact.Role},{fact.Expression.Offset},{fact.Expression.Text.Length},{fact.Name}"));
        var measures = Measures.Select(measure => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{measure.Metric},{measure.Value},{measure.Limit}"));
        return string.Join(';', facts) + "|" + string.Join(';', measures);
    }

    /// <summary>The plan <see cref="Write"/> wrote for <paramref name="file"/>; null when the text does not fit the file.</summary>
    public static RuleFactPlan? Read(string text, RuleFile file)
    {
        var parts = text.Split('|');
        if (parts.Length != 2)
        {
            return null;
        }

        var facts = new List<RuleFact>();
        foreach (var item in parts[0].Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = item.Split(',', 5);
            if (fields.Length != 5 || !Number(fields[0], out var rule) || rule >= file.Rules.Count || !Number(fields[1], out var role) || role > (int)RuleFactRole.Measure
                || !Number(fields[2], out var start) || !Number(fields[3], out var length))
            {
                return null;
            }

            var when = file.Rules[rule].When;
            var offset = start - when.Offset;
            if (offset < 0 || length > when.Text.Length - offset)
            {
                return null;
            }

            facts.Add(new RuleFact(rule, fields[4], (RuleFactRole)role, when with { Text = when.Text.Substring(offset, length), Offset = start }));
        }

        var measures = new List<RuleMeasure>();
        foreach (var item in parts[1].Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = item.Split(',');
            if (fields.Length != 3 || !Number(fields[1], out var value) || !Number(fields[2], out var limit) || value >= facts.Count || limit >= facts.Count)
            {
                return null;
            }

            measures.Add(new RuleMeasure(fields[0], value, limit));
        }

        return new RuleFactPlan(facts, measures);
    }

    private static bool Number(string text, out int value) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value);

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
