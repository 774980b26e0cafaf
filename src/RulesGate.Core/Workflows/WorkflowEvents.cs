using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RulesGate.Core.Journal;
using RulesGate.Core.Signing;

namespace RulesGate.Core.Workflows;

// The events the workflow runtime journals, one record each; docs/journal-events.md says what each records.
// Every event of an instance names it and the state it is in once the event happened.

/// <summary><c>workflow.started</c>: an instance was started, pinned to <paramref name="Workflow"/> (its identity).</summary>
public sealed record WorkflowStarted(string Instance, string State, string Workflow, string Subject, string Requester) : IEventPayload<WorkflowStarted>
{
    public static string Type => EventTypes.WorkflowStarted;

    public static JsonTypeInfo<WorkflowStarted> Json => WorkflowEventJson.Default.WorkflowStarted;
}

/// <summary><c>workflow.entered</c>: the instance entered <paramref name="State"/> from <paramref name="From"/> (empty at the start).</summary>
public sealed record WorkflowEntered(string Instance, string State, string From, string Cause, string Actor, string Detail) : IEventPayload<WorkflowEntered>
{
    public static string Type => EventTypes.WorkflowEntered;

    public static JsonTypeInfo<WorkflowEntered> Json => WorkflowEventJson.Default.WorkflowEntered;
}

/// <summary>
/// <c>workflow.approved</c>: a vote for the approval the instance waits on in <paramref name="State"/>, made when it had
/// moved <paramref name="Step"/> times, with how the voter proved who they are.
/// </summary>
public sealed record WorkflowApproved(string Instance, string State, string Actor, string Role, string Reason, int Step, Proof Proof) : IEventPayload<WorkflowApproved>
{
    public static string Type => EventTypes.WorkflowApproved;

    public static JsonTypeInfo<WorkflowApproved> Json => WorkflowEventJson.Default.WorkflowApproved;
}

/// <summary><c>workflow.rejected</c>: a vote against it, recorded as <see cref="WorkflowApproved"/> is.</summary>
public sealed record WorkflowRejected(string Instance, string State, string Actor, string Role, string Reason, int Step, Proof Proof) : IEventPayload<WorkflowRejected>
{
    public static string Type => EventTypes.WorkflowRejected;

    public static JsonTypeInfo<WorkflowRejected> Json => WorkflowEventJson.Default.WorkflowRejected;
}

/// <summary><c>workflow.escalated</c>: no decision on the approval of <paramref name="State"/> since <paramref name="WaitingSince"/>, so at <paramref name="At"/> it went to <paramref name="To"/>.</summary>
public sealed record WorkflowEscalated(string Instance, string State, string At, IReadOnlyList<string> To, string WaitingSince) : IEventPayload<WorkflowEscalated>
{
    public static string Type => EventTypes.WorkflowEscalated;

    public static JsonTypeInfo<WorkflowEscalated> Json => WorkflowEventJson.Default.WorkflowEscalated;
}

/// <summary><c>workflow.migrated</c>: moved from the definition <paramref name="From"/> to <paramref name="To"/> (its hash <paramref name="Definition"/>) in the same state.</summary>
public sealed record WorkflowMigrated(string Instance, string State, string From, string To, string Definition, string Actor, string Reason, int Step, Proof Proof) : IEventPayload<WorkflowMigrated>
{
    public static string Type => EventTypes.WorkflowMigrated;

    public static JsonTypeInfo<WorkflowMigrated> Json => WorkflowEventJson.Default.WorkflowMigrated;
}

/// <summary><c>workflow.notice</c>: the text a state's <c>notify</c> sends.</summary>
public sealed record WorkflowNotice(string Instance, string State, string Text) : IEventPayload<WorkflowNotice>
{
    public static string Type => EventTypes.WorkflowNotice;

    public static JsonTypeInfo<WorkflowNotice> Json => WorkflowEventJson.Default.WorkflowNotice;
}

/// <summary><c>workflow.signal</c>: a signal that moved nothing, kept so its key is not handled twice.</summary>
public sealed record WorkflowSignalled(string Instance, string State, string Key) : IEventPayload<WorkflowSignalled>
{
    public static string Type => EventTypes.WorkflowSignal;

    public static JsonTypeInfo<WorkflowSignalled> Json => WorkflowEventJson.Default.WorkflowSignalled;
}

/// <summary><c>evidence.submitted</c>: evidence of <paramref name="Kind"/> about <paramref name="Subject"/>, as it was given.</summary>
public sealed record EvidenceSubmitted(string Subject, string Kind, string Key, JsonElement Evidence) : IEventPayload<EvidenceSubmitted>
{
    public static string Type => EventTypes.EvidenceSubmitted;

    public static JsonTypeInfo<EvidenceSubmitted> Json => WorkflowEventJson.Default.EvidenceSubmitted;
}

/// <summary><c>workflow.effect_done</c>: the effect recorded by event <paramref name="Effect"/> was done.</summary>
public sealed record EffectDone(string Instance, long Effect) : IEventPayload<EffectDone>
{
    public static string Type => EventTypes.EffectDone;

    public static JsonTypeInfo<EffectDone> Json => WorkflowEventJson.Default.EffectDone;
}

/// <summary><c>workflow.effect_retried</c>: a dead letter put back in the outbox by <paramref name="Actor"/>.</summary>
public sealed record EffectRetried(string Instance, long Effect, string Actor, string Reason) : IEventPayload<EffectRetried>
{
    public static string Type => EventTypes.EffectRetried;

    public static JsonTypeInfo<EffectRetried> Json => WorkflowEventJson.Default.EffectRetried;
}

// An attempt at an effect that failed (the four below): its error, which attempt it was, when it is tried again
// (none once it is a dead letter).

/// <summary><c>workflow.render_failed</c>: <paramref name="Template"/> was not rendered.</summary>
public sealed record RenderFailed(string Instance, long Effect, string Template, string Error, int Attempt, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RetryAt, bool DeadLetter)
    : IEventPayload<RenderFailed>
{
    public static string Type => EventTypes.RenderFailed;

    public static JsonTypeInfo<RenderFailed> Json => WorkflowEventJson.Default.RenderFailed;
}

/// <summary><c>workflow.webhook_failed</c>: the notice <paramref name="Text"/> was not delivered to <paramref name="Url"/>.</summary>
public sealed record WebhookFailed(
    string Instance,
    long Effect,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url,
    string Text,
    string Error,
    int Attempt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RetryAt,
    bool DeadLetter)
    : IEventPayload<WebhookFailed>
{
    public static string Type => EventTypes.WebhookFailed;

    public static JsonTypeInfo<WebhookFailed> Json => WorkflowEventJson.Default.WebhookFailed;
}

/// <summary><c>effect.write_failed</c>: <paramref name="Path"/> was not written.</summary>
public sealed record WriteFailed(string Instance, long Effect, string Path, string Error, int Attempt, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RetryAt, bool DeadLetter)
    : IEventPayload<WriteFailed>
{
    public static string Type => EventTypes.WriteFailed;

    public static JsonTypeInfo<WriteFailed> Json => WorkflowEventJson.Default.WriteFailed;
}

/// <summary><c>workflow.log_failed</c>: the line was not appended to <paramref name="Log"/>.</summary>
public sealed record LogFailed(string Instance, long Effect, string Log, string Error, int Attempt, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RetryAt, bool DeadLetter)
    : IEventPayload<LogFailed>
{
    public static string Type => EventTypes.LogFailed;

    public static JsonTypeInfo<LogFailed> Json => WorkflowEventJson.Default.LogFailed;
}

/// <summary>The workflow events' JSON: snake_case names, in the order each record declares them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WorkflowStarted))]
[JsonSerializable(typeof(WorkflowEntered))]
[JsonSerializable(typeof(WorkflowApproved))]
[JsonSerializable(typeof(WorkflowRejected))]
[JsonSerializable(typeof(WorkflowEscalated))]
[JsonSerializable(typeof(WorkflowMigrated))]
[JsonSerializable(typeof(WorkflowNotice))]
[JsonSerializable(typeof(WorkflowSignalled))]
[JsonSerializable(typeof(EvidenceSubmitted))]
[JsonSerializable(typeof(EffectDone))]
[JsonSerializable(typeof(EffectRetried))]
[JsonSerializable(typeof(RenderFailed))]
[JsonSerializable(typeof(WebhookFailed))]
[JsonSerializable(typeof(WriteFailed))]
[JsonSerializable(typeof(LogFailed))]
internal sealed partial class WorkflowEventJson : JsonSerializerContext;
