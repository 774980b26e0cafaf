using System.Collections;
using System.Globalization;

namespace RulesGate.Core.Rules;

/// <summary>One rule's verdict on a context and the value of every operand of its condition.</summary>
/// <param name="RuleId">The rule.</param>
/// <param name="Fired">Whether its condition was true; null when it threw.</param>
/// <param name="Lines">The condition, one clause a line, indented by nesting, each with its value.</param>
/// <param name="Error">What the condition threw, when it did.</param>
public sealed record RuleExplanation(string RuleId, bool? Fired, IReadOnlyList<string> Lines, string? Error = null);

/// <summary>
/// Explains a bundle's verdict on a context, rule by rule, operand by operand:
/// <c>Metrics.NewPositionPct = 0.4 (40%) &gt; Params.Exposure.MaxPositionPct = 0.1 (10%) → true</c>.
/// </summary>
public static class RuleExplainer
{
    public static IReadOnlyList<RuleExplanation> Explain(RuleBundle bundle, object context)
    {
        var evaluator = bundle.Evaluator();
        var plan = ExplainPlanner.Plan(bundle.File);
        var explanations = new List<RuleExplanation>();
        for (var i = 0; i < bundle.File.Rules.Count; i++)
        {
            bool? fired;
            string? error = null;
            try
            {
                fired = evaluator.When(i, context);
            }
            catch (RuleEvaluationException thrown)
            {
                fired = null;
                error = $"{thrown.InnerException!.GetType().Name}: {thrown.InnerException.Message}";
            }

            var lines = new List<string>();
            Render(plan[i], evaluator, context, 0, lines);
            explanations.Add(new RuleExplanation(bundle.File.Rules[i].Id, fired, lines, error));
        }

        return explanations;
    }

    private static void Render(ExplainNode node, IRuleEvaluator evaluator, object context, int depth, List<string> lines)
    {
        var indent = new string(' ', depth * 2);
        var value = Value(node, evaluator, context);
        switch (node.Operator)
        {
            case "&&" or "||":
                lines.Add($"{indent}{(node.Operator == "&&" ? "all of" : "any of")} ({node.Operator}) → {value}");
                foreach (var clause in Chain(node, node.Operator))
                {
                    Render(clause, evaluator, context, depth + 1, lines);
                }

                break;
            case "!":
                lines.Add($"{indent}not → {value}");
                Render(node.Children[0], evaluator, context, depth + 1, lines);
                break;
            case "":
                lines.Add($"{indent}{node.Text} → {value}");
                break;
            default:
                var (left, right) = (node.Children[0], node.Children[1]);
                lines.Add($"{indent}{Operand(left, evaluator, context)} {node.Operator} {Operand(right, evaluator, context)} → {value}");
                break;
        }
    }

    /// <summary><c>a || b || c</c> as three clauses rather than a nested pair.</summary>
    private static IEnumerable<ExplainNode> Chain(ExplainNode node, string op) =>
        node.Operator == op ? node.Children.SelectMany(child => Chain(child, op)) : [node];

    private static string Operand(ExplainNode node, IRuleEvaluator evaluator, object context) =>
        node.Children.Count == 0 && IsLiteral(node.Text) ? node.Text : $"{node.Text} = {Value(node, evaluator, context)}";

    /// <summary>A literal says its own value: it is written once, not as <c>"equity" = "equity"</c>.</summary>
    private static bool IsLiteral(string text) =>
        text is "null" or "true" or "false"
        || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
        || (text.Length >= 2 && ((text[0] == '"' && text[^1] == '"') || (text[0] == '\'' && text[^1] == '\'')));

    /// <summary>
    /// An operand's value as a reader takes it in: a number of many digits rounded (four significant digits below 1, four decimals above), marked
    /// <c>≈</c>; a ratio (an operand whose name ends in <c>Pct</c>) with its percentage beside it.
    /// </summary>
    private static string Value(ExplainNode node, IRuleEvaluator evaluator, object context)
    {
        try
        {
            var value = evaluator.Probe(node.Probe, context);
            if (value is not double number)
            {
                return Format(value);
            }

            var exact = Format(number);
            var rounded = Math.Abs(number) >= 1 ? number.ToString("0.####", CultureInfo.InvariantCulture) : number.ToString("G4", CultureInfo.InvariantCulture);
            var shown = rounded == exact || !double.IsFinite(number) ? exact : "≈" + rounded;
            return node.Text.EndsWith("Pct", StringComparison.Ordinal) && double.IsFinite(number)
                ? $"{shown} ({Application.DeskNumbers.Percent(number, 2)})"
                : shown;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            return $"(threw {error.GetType().Name}: {error.Message})";
        }
    }

    /// <summary>Values as an author would write them, culture-invariant.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        bool flag => flag ? "true" : "false",
        string text => $"\"{text}\"",
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset time => time.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => $"[{string.Join(", ", items.Cast<object?>().Take(8).Select(Format))}{(items.Cast<object?>().Skip(8).Any() ? ", …" : "")}]",
        _ => value.ToString() ?? "",
    };
}
