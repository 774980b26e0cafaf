using System.Globalization;
using System.Text;

namespace RulesGate.Core.Workflows;

/// <summary>A definition as a diagram a designer can read: states (with their attributes), and every way out labelled by what takes it.</summary>
public static class WorkflowDiagram
{
    public static string Mermaid(WorkflowDefinition definition)
    {
        var text = new StringBuilder();
        text.Append("stateDiagram-v2\n");
        text.Append(CultureInfo.InvariantCulture, $"    %% {definition.Identity}, subject: {definition.Subject}\n");
        text.Append(CultureInfo.InvariantCulture, $"    [*] --> {definition.Initial}\n");
        foreach (var state in definition.States)
        {
            if (Note(state) is { Length: > 0 } note)
            {
                text.Append(CultureInfo.InvariantCulture, $"    {state.Name} : {note}\n");
            }

            foreach (var (to, label) in Edges(definition, state).Select(edge => (edge.To, Whole(edge.Label, edge.Detail))))
            {
                text.Append(CultureInfo.InvariantCulture, $"    {state.Name} --> {to} : {label.Replace('"', '\'')}\n");
            }

            if (state.Final)
            {
                text.Append(CultureInfo.InvariantCulture, $"    {state.Name} --> [*]\n");
            }
        }

        return text.ToString();
    }

    public static string Dot(WorkflowDefinition definition)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"digraph \"{definition.Id}\" {{\n");
        text.Append(CultureInfo.InvariantCulture, $"    label=\"{Escape(definition.Identity)}, subject: {definition.Subject}\";\n    rankdir=LR;\n    node [shape=box, style=rounded];\n");
        text.Append(CultureInfo.InvariantCulture, $"    \"__start\" [shape=point];\n    \"__start\" -> \"{definition.Initial}\";\n");
        foreach (var state in definition.States)
        {
            var note = Note(state);
            text.Append(CultureInfo.InvariantCulture, $"    \"{state.Name}\" [label=\"{state.Name}{(note.Length > 0 ? "\\n" + Escape(note) : "")}\"{(state.Final ? ", peripheries=2" : "")}];\n");
            foreach (var (to, label) in Edges(definition, state).Select(edge => (edge.To, Whole(edge.Label, edge.Detail))))
            {
                text.Append(CultureInfo.InvariantCulture, $"    \"{state.Name}\" -> \"{to}\" [label=\"{Escape(label)}\"{(label.StartsWith("demote", StringComparison.Ordinal) ? ", style=dashed, color=red" : "")}];\n");
            }
        }

        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>
    /// Every way out of every state, numbered in the order the states are declared: what takes it in a few words
    /// (<see cref="WorkflowWay.Label"/>) and the whole condition (<see cref="WorkflowWay.Detail"/>). The console's
    /// diagram writes the number and the few words on each arrow and lists the rest beneath it.
    /// </summary>
    public static IReadOnlyList<WorkflowWay> Ways(WorkflowDefinition definition) =>
        definition.States.SelectMany(state => Edges(definition, state).Select(edge => (From: state.Name, edge.To, edge.Label, edge.Detail)))
            .Distinct().Select((edge, i) => new WorkflowWay(i + 1, edge.From, edge.To, edge.Label, edge.Detail)).ToList();

    /// <summary>
    /// The definition drawn as SVG, for the console: states top to bottom in their declared order (<paramref name="current"/>
    /// filled), ways forward curving on the right, ways back (rejections, demotions) dashed on the left, each arrow
    /// labelled by its number in <see cref="Ways"/> and a few words, never cut; the whole condition is its tooltip.
    /// </summary>
    public static string Svg(WorkflowDefinition definition, string? current = null)
    {
        const int boxWidth = 200, boxHeight = 34, row = 64, top = 30, charWidth = 7;
        var states = definition.States.ToList();
        int Y(string name) => top + (states.FindIndex(state => state.Name == name) * row) + (boxHeight / 2);
        var ways = Ways(definition).Where(way => way.From != way.To).ToList();
        static string Text(WorkflowWay way) => string.Create(CultureInfo.InvariantCulture, $"{way.Number} · {way.Label}");
        var backWays = ways.Where(way => Y(way.To) < Y(way.From)).ToList();
        var forward = ways.Count - backWays.Count;
        var backRoom = 24 + (14 * Math.Min(backWays.Count, 12)) + (charWidth * backWays.Select(way => Text(way).Length).DefaultIfEmpty(0).Max());
        var left = Math.Max(40, backRoom + 16);
        var width = left + boxWidth + 30 + (forward * 12) + 10 + (charWidth * ways.Except(backWays).Select(way => Text(way).Length).DefaultIfEmpty(0).Max()) + 16;
        var height = top + (states.Count * row);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"diagram\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{Xml(definition.Identity)}\">");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\"/></marker></defs>");
        int ahead = 0, back = 0;
        var taken = new HashSet<(bool Down, int Y)>();   // where a label is already written on each side
        foreach (var way in ways)
        {
            var (y1, y2) = (Y(way.From), Y(way.To));
            var down = y2 > y1;
            var bend = down ? left + boxWidth + 30 + (12 * ahead++) : left - 24 - (14 * (back++ % 12));
            var x = down ? left + boxWidth : left;
            var whole = Whole(way.Label, way.Detail);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"way{(down ? "" : " back")}\"><title>{Xml($"{way.Number}. {way.From} → {way.To}: {whole}")}</title>");
            svg.Append(CultureInfo.InvariantCulture, $"<path class=\"edge{(down ? "" : " back")}\" d=\"M {x} {y1} C {bend} {y1}, {bend} {y2}, {x} {y2}\" marker-end=\"url(#arrow)\"/>");
            var labelY = ((y1 + y2) / 2) + 4;
            while (!taken.Add((down, labelY)))
            {
                labelY += 14;
            }

            // Forward labels start right of their own curve; back labels end left of all of theirs, so none is cut at the edge.
            var labelX = down ? bend + 6 : left - 30 - (14 * Math.Min(backWays.Count, 12));
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"edge-label\" x=\"{labelX}\" y=\"{labelY}\"{(down ? "" : " text-anchor=\"end\"")}>{Xml(Text(way))}</text></g>");
        }

        foreach (var state in states)
        {
            var y = Y(state.Name) - (boxHeight / 2);
            var kind = state.Name == current ? "state current" : state.Final ? "state final" : "state";
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"{kind}\"><rect x=\"{left}\" y=\"{y}\" width=\"{boxWidth}\" height=\"{boxHeight}\" rx=\"8\"/><text x=\"{left + (boxWidth / 2)}\" y=\"{y + 22}\" text-anchor=\"middle\">{Xml(state.Name)}</text>");
            if (Note(state) is { Length: > 0 } note)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<title>{Xml(note)}</title>");
            }

            svg.Append("</g>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Xml(string text) => System.Net.WebUtility.HtmlEncode(text);

    private static string Note(WorkflowState state) => string.Join("; ",
        state.Attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key} = {pair.Value}"))
            .Concat(state.OnEntry.Select(activity => activity.Describe())));

    private static IEnumerable<(string To, string Label, string Detail)> Edges(WorkflowDefinition definition, WorkflowState state)
    {
        foreach (var exit in state.OnEvidence)
        {
            yield return exit.Gate is { } gate ? (exit.To, $"gate {gate} passes", "") : (exit.To, "evidence", Condition(definition, exit.Condition));
        }

        if (state.Approval is { } approval)
        {
            var who = $"{approval.Quorum} of {string.Join(" + ", approval.Roles)}";
            yield return (approval.Approve, $"approved by {who}", "");
            yield return (approval.Reject, "rejected", "");
            if (approval.Timeout is { } timeout)
            {
                var escalation = approval.EscalateTo.Count > 0 ? $", escalate to {string.Join(", ", approval.EscalateTo)}" : "";
                yield return (approval.OnTimeout ?? state.Name, $"no decision in {System.Xml.XmlConvert.ToString(timeout)}{escalation}", "");
            }
        }

        if (state.After is { } after)
        {
            yield return (after.To, $"after {System.Xml.XmlConvert.ToString(after.After)}", "");
        }

        var index = definition.States.ToList().IndexOf(state);
        foreach (var demotion in definition.Demotions)
        {
            if (demotion.To == WorkflowDefinition.GatesTarget)
            {
                // The gates file may send the instance to any level below.
                foreach (var lower in definition.States.Take(index))
                {
                    yield return (lower.Name, "demote", $"by {definition.Gates!.Identity}");
                }

                continue;
            }

            var to = demotion.To == WorkflowDefinition.DownTarget ? index > 0 ? definition.States[index - 1].Name : null : demotion.To;
            if (to is not null && to != state.Name && definition.States.ToList().FindIndex(s => s.Name == to) < index)
            {
                yield return (to, "demote", Condition(definition, demotion.Condition));
            }
        }
    }

    private static string Whole(string label, string detail) => detail.Length == 0 ? label : $"{label}: {detail}";

    private static string Condition(WorkflowDefinition definition, int? index) =>
        index is { } i && definition.Conditions is { } bundle ? string.Join(' ', bundle.File.Rules[i].When.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)) : "?";

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}

/// <summary>One way out of a state in a workflow's diagram.</summary>
/// <param name="Number">Its number, in the order the states are declared.</param>
/// <param name="Label">What takes it, in a few words: <c>evidence</c>, <c>approved by 2 of risk + compliance</c>, <c>demote</c>.</param>
/// <param name="Detail">The whole condition that takes it, or empty when the label says it all.</param>
public sealed record WorkflowWay(int Number, string From, string To, string Label, string Detail);
