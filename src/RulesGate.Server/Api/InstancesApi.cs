using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Server.Api;

/// <summary>Workflow instances: started by automation, voted on by approvers (the actor is the caller), read by anyone.</summary>
internal static class InstancesApi
{
    private static readonly string[] Waits = ["approval", "evidence", "timer"];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/instances", Start).Require(Principals.AutomationRole, "Starting a workflow instance");
        app.MapGet("/v1/instances", List).Require(role: null, "Reading");
        app.MapGet("/v1/instances/{id}", Show).Require(role: null, "Reading");
        app.MapPost("/v1/instances/{id}/approve", Approve).Require(Principals.ApproverRole, "Approving");
        app.MapPost("/v1/instances/{id}/reject", Reject).Require(Principals.ApproverRole, "Rejecting");
    }

    private static async Task<IResult> Start(HttpContext context, GovernanceService service)
    {
        var start = Http.Read(context, RequestJson.Default.StartRequest);
        var instance = await service.Start(Identities.Id(start.Workflow, "request.workflow"), Identities.Id(start.Subject, "request.subject"), Http.Caller(context), start.Key).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status201Created;
        return Http.Json(instance.Json());
    }

    /// <summary><c>?waiting=approval|evidence|timer</c>: only the instances waiting for that.</summary>
    private static async Task<IResult> List(HttpContext context, GovernanceService service)
    {
        var waiting = context.Request.Query["waiting"].ToString() is { Length: > 0 } wanted
            ? Waits.Contains(wanted) ? wanted : throw new FormatException($"waiting: '{wanted}' is not what an instance waits for; write one of {string.Join(", ", Waits)}.")
            : null;
        var instances = await service.Instances(waiting).ConfigureAwait(false);
        return Http.Json(WorkflowInstance.ListJson(instances.Select(view => (view.Instance, view.WaitsFor))));
    }

    private static async Task<IResult> Show(string id, GovernanceService service) =>
        await service.Instance(id).ConfigureAwait(false) is { } view ? Http.Json(view.Instance.Json(view.WaitsFor)) : throw new NotFoundException($"There is no workflow instance '{id}'.");

    private static Task<IResult> Approve(HttpContext context, string id, GovernanceService service) => Vote(context, id, service, approve: true);

    private static Task<IResult> Reject(HttpContext context, string id, GovernanceService service) => Vote(context, id, service, approve: false);

    /// <summary>A vote as the caller, in one of their roles, with why.</summary>
    private static async Task<IResult> Vote(HttpContext context, string id, GovernanceService service, bool approve)
    {
        var vote = Http.Read(context, RequestJson.Default.VoteRequest);
        if (string.IsNullOrWhiteSpace(vote.Reason))
        {
            throw new FormatException("request.reason: say why; the reason is recorded with the vote.");
        }

        return Signal(await service.Vote(id, Http.Caller(context), vote.Role, approve, vote.Reason, vote.Key).ConfigureAwait(false));
    }

    /// <summary><c>{"key", "already_handled", "moved"}</c>.</summary>
    internal static IResult Signal(SignalOutcome outcome) => Http.Json(JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("key"u8, outcome.Key);
        writer.WriteBoolean("already_handled"u8, outcome.AlreadyHandled);
        Instances(writer, "started"u8, outcome.Started);
        Instances(writer, "moved"u8, outcome.Moved);
        Held(writer, outcome.Held);
        writer.WriteEndObject();
    }, pretty: false));

    /// <summary><c>"held"</c>: each maturity ladder the evidence left where it is, with its blockers.</summary>
    internal static void Held(Utf8JsonWriter writer, IReadOnlyList<HeldInstance> held)
    {
        writer.WriteStartArray("held"u8);
        foreach (var stays in held)
        {
            writer.WriteStartObject();
            writer.WriteString("instance"u8, stays.Instance);
            writer.WriteString("state"u8, stays.State);
            JsonText.Strings(writer, "blockers"u8, stays.Blockers);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>A list of instances, each as <c>GET /v1/instances/{id}</c> answers.</summary>
    internal static void Instances(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IReadOnlyList<WorkflowInstance> instances)
    {
        writer.WriteStartArray(name);
        foreach (var instance in instances)
        {
            writer.WriteRawValue(instance.Json());
        }

        writer.WriteEndArray();
    }
}
