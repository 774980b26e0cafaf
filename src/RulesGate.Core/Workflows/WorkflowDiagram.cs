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

            foreach (var (to, label) in Edges(definition, state))
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
            foreach (var (to, label) in Edges(definition, state))
            {
                text.Append(CultureInfo.InvariantCulture, $"    \"{state.Name}\" -> \"{to}\" [label=\"{Escape(label)}\"{(label.StartsWith("demote", StringComparison.Ordinal) ? ", style=dashed, color=red" : "")}];\n");
            }
        }

        text.Append("}\n");
        return text.ToString();
    }

    private static string Note(WorkflowState state) => string.Join("; ",
        state.Attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key} = {pair.Value}"))
            .Concat(state.OnEntry.Select(activity => activity.Describe())));

    private static IEnumerable<(string To, string Label)> Edges(WorkflowDefinition definition, WorkflowState state)
    {
        foreach (var exit in state.OnEvidence)
        {
            yield return (exit.To, exit.Gate is { } gate ? $"gate {gate} passes" : $"evidence: {Condition(definition, exit.Condition)}");
        }

        if (state.Approval is { } approval)
        {
            var who = $"{approval.Quorum} of {string.Join(" + ", approval.Roles)}";
            yield return (approval.Approve, $"approved by {who}");
            yield return (approval.Reject, "rejected");
            if (approval.Timeout is { } timeout)
            {
                var escalation = approval.EscalateTo.Count > 0 ? $", escalate to {string.Join(", ", approval.EscalateTo)}" : "";
                yield return (approval.OnTimeout ?? state.Name, $"no decision in {System.Xml.XmlConvert.ToString(timeout)}{escalation}");
            }
        }

        if (state.After is { } after)
        {
            yield return (after.To, $"after {System.Xml.XmlConvert.ToString(after.After)}");
        }

        var index = definition.States.ToList().IndexOf(state);
        foreach (var demotion in definition.Demotions)
        {
            if (demotion.To == WorkflowDefinition.GatesTarget)
            {
                // The gates file may send the instance to any level below.
                foreach (var lower in definition.States.Take(index))
                {
                    yield return (lower.Name, $"demote: by {definition.Gates!.Identity}");
                }

                continue;
            }

            var to = demotion.To == WorkflowDefinition.DownTarget ? index > 0 ? definition.States[index - 1].Name : null : demotion.To;
            if (to is not null && to != state.Name && definition.States.ToList().FindIndex(s => s.Name == to) < index)
            {
                yield return (to, $"demote: {Condition(definition, demotion.Condition)}");
            }
        }
    }

    private static string Condition(WorkflowDefinition definition, int? index) =>
        index is { } i && definition.Conditions is { } bundle ? string.Join(' ', bundle.File.Rules[i].When.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)) : "?";

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
