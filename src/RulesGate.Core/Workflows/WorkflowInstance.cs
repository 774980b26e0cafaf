using System.Text.Json;
using RulesGate.Core.Journal;
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
    [property: System.Text.Json.Serialization.JsonIgnore] long Seq = 0)
{
    /// <summary>The projection of every instance's current state, by instance id; also the prefix of its streams.</summary>
    public const string Projection = "workflow";

    /// <summary>The instance's stream.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Key => $"{Projection}:{Id}";

    /// <summary>The projection's JSON.</summary>
    public string Json() => RecordJson.Write(this);

    /// <summary>The projection with what the instance waits for (<c>evidence</c>, <c>approval</c>, <c>timer</c>), as <c>workflow show --json</c> prints it.</summary>
    public string Json(IReadOnlyList<string> waitsFor)
    {
        var json = Json();
        return JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            using (var document = JsonDocument.Parse(json))
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    property.WriteTo(writer);
                }
            }

            writer.WritePropertyName("waits_for"u8);
            JsonText.Value(writer, waitsFor);
            writer.WriteEndObject();
        }, pretty: false);
    }

    /// <summary><c>{"instances": [instance with waits_for, …]}</c>: as <c>workflow list --json</c> prints it and <c>GET /v1/instances</c> answers.</summary>
    public static string ListJson(IEnumerable<(WorkflowInstance Instance, IReadOnlyList<string> WaitsFor)> instances) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("instances"u8);
        foreach (var (instance, waitsFor) in instances)
        {
            writer.WriteRawValue(instance.Json(waitsFor));
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty: false);

    /// <summary>The instance a projection document holds; a malformed one is a <see cref="JournalException"/> naming it.</summary>
    public static WorkflowInstance Of(StoredProjection document) => JournalException.Parsed(document.Key, () => Parse(document.Value, document.Seq));

    /// <summary>An instance from its projection, at version <paramref name="seq"/>.</summary>
    /// <exception cref="JsonException">The projection is not a whole instance.</exception>
    public static WorkflowInstance Parse(string json, long seq) => RecordJson.Read<WorkflowInstance>(json) with { Seq = seq };
}
