using System.Text.Json;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Workflows;

/// <summary>An approval vote recorded on an instance.</summary>
public sealed record WorkflowVote(string Actor, string Role, string Reason, string At);

/// <summary>One step of an instance's history: who or what moved it, when and why; <see cref="From"/> is empty for the start.</summary>
/// <param name="Cause"><c>start</c>, <c>evidence</c>, <c>approval</c>, <c>rejection</c>, <c>timeout</c>, <c>timer</c>, <c>demotion</c> or <c>migration</c>.</param>
public sealed record WorkflowStep(string At, string From, string To, string Cause, string Actor, string Detail);

/// <summary>
/// A running workflow, as the projection of its journal events (<c>workflow:{id}</c>): pinned to the definition it
/// started with (<see cref="Hash"/>), its state, the votes and due time of what it waits for, and its history.
/// </summary>
/// <param name="Due">When its timer (an approval timeout or an <c>after</c>) fires; null when none is set.</param>
/// <param name="Seq">The journal sequence number of its last change: the version signals are checked against.</param>
public sealed record WorkflowInstance(
    string Id,
    string Workflow,
    int Version,
    string Hash,
    string DefinitionPath,
    string Subject,
    string Requester,
    string State,
    string EnteredAt,
    DateTimeOffset? Due,
    IReadOnlyList<WorkflowVote> Votes,
    IReadOnlyList<WorkflowStep> History,
    long Seq)
{
    /// <summary>The projection of every instance's current state, by instance id; also the prefix of its streams.</summary>
    public const string Projection = "workflow";

    /// <summary>The instance's stream.</summary>
    public string Key => $"{Projection}:{Id}";

    public string Json() => JsonText.Write(Write, pretty: false);

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        WriteFields(writer);
        writer.WriteEndObject();
    }

    /// <summary>The projection with what the instance waits for (<c>evidence</c>, <c>approval</c>, <c>timer</c>), as <c>workflow show --json</c> prints it.</summary>
    public string Json(IReadOnlyList<string> waitsFor) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        WriteFields(writer);
        writer.WritePropertyName("waits_for"u8);
        JsonText.Value(writer, waitsFor);
        writer.WriteEndObject();
    }, pretty: false);

    private void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("id"u8, Id);
        writer.WriteString("workflow"u8, Workflow);
        writer.WriteNumber("version"u8, Version);
        writer.WriteString("hash"u8, Hash);
        writer.WriteString("definition_path"u8, DefinitionPath);
        writer.WriteString("subject"u8, Subject);
        writer.WriteString("requester"u8, Requester);
        writer.WriteString("state"u8, State);
        writer.WriteString("entered_at"u8, EnteredAt);
        writer.WritePropertyName("due"u8);
        JsonText.Value(writer, Due);
        writer.WriteStartArray("votes"u8);
        foreach (var vote in Votes)
        {
            writer.WriteStartObject();
            writer.WriteString("actor"u8, vote.Actor);
            writer.WriteString("role"u8, vote.Role);
            writer.WriteString("reason"u8, vote.Reason);
            writer.WriteString("at"u8, vote.At);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("history"u8);
        foreach (var step in History)
        {
            writer.WriteStartObject();
            writer.WriteString("at"u8, step.At);
            writer.WriteString("from"u8, step.From);
            writer.WriteString("to"u8, step.To);
            writer.WriteString("cause"u8, step.Cause);
            writer.WriteString("actor"u8, step.Actor);
            writer.WriteString("detail"u8, step.Detail);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    public static WorkflowInstance Parse(string json, long seq)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        string Text(JsonElement element, string name) => element.GetProperty(name).GetString()!;
        return new WorkflowInstance(
            Text(root, "id"), Text(root, "workflow"), root.GetProperty("version").GetInt32(), Text(root, "hash"), Text(root, "definition_path"),
            Text(root, "subject"), Text(root, "requester"), Text(root, "state"), Text(root, "entered_at"),
            root.GetProperty("due").ValueKind == JsonValueKind.String ? DateTimeOffset.Parse(Text(root, "due"), System.Globalization.CultureInfo.InvariantCulture) : null,
            [.. root.GetProperty("votes").EnumerateArray().Select(v => new WorkflowVote(Text(v, "actor"), Text(v, "role"), Text(v, "reason"), Text(v, "at")))],
            [.. root.GetProperty("history").EnumerateArray().Select(s => new WorkflowStep(Text(s, "at"), Text(s, "from"), Text(s, "to"), Text(s, "cause"), Text(s, "actor"), Text(s, "detail")))],
            seq);
    }
}
