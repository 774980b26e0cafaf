using System.Globalization;
using Microsoft.AspNetCore.Http;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Server.Console;

/// <summary>The console's workflow pages: the approvals queue, the instances, and one instance with what it waits for and the vote form.</summary>
public static partial class ConsolePages
{
    private static async Task Approvals(HttpContext context, GovernanceService service, ConsoleSession session, DateTimeOffset now)
    {
        var waiting = (await service.Instances("approval").ConfigureAwait(false)).OrderBy(view => view.Instance.EnteredAt, StringComparer.Ordinal).ToList();
        var rows = waiting.Select(view =>
        {
            var (instance, approval) = (view.Instance, view.Definition.State(view.Instance.State).Approval!);
            var vote = VoteCell(service, session, instance, approval, back: "approvals");
            var votes = instance.Votes.Count == 0 ? Html.Of($"none yet") : Html.Join(instance.Votes.Select(v => Html.Of($"<div>{v.Actor} ({v.Role}): {v.Reason}</div>")));
            return Html.Of($"""
                <tr>
                  <td><a href="{Prefix}/workflows/{Uri.EscapeDataString(instance.Id)}">{instance.Id}</a><div class="muted">{instance.Workflow} · {instance.Subject}</div></td>
                  <td>{instance.State}</td><td>{When(instance.EnteredAt)}{(instance.Due is { } due ? Html.Of($"<div class=\"muted\">times out {When(JsonText.Timestamp(due))} ({Until(due, now)})</div>") : Html.Empty)}</td>
                  <td>{approval.Quorum} of {string.Join(" + ", approval.Roles)}</td><td>{instance.Requester}</td><td>{votes}</td><td>{vote}</td>
                </tr>
                """);
        });
        var body = Table(["instance", "waits in", "since", "needs", "requested by", "votes", "your vote"], rows, "Nothing waits for an approval.");
        await Send(context, Page("Approvals", session, body)).ConfigureAwait(false);
    }

    private static async Task Workflows(HttpContext context, GovernanceService service, ConsoleSession session)
    {
        var views = await service.Instances().ConfigureAwait(false);
        var rows = views.Select(view => Html.Of($"<tr><td><a href=\"{Prefix}/workflows/{Uri.EscapeDataString(view.Instance.Id)}\">{view.Instance.Id}</a></td><td>{view.Instance.Workflow}@{view.Instance.Version}</td><td>{view.Instance.Subject}</td><td>{view.Instance.State}</td><td>{When(view.Instance.EnteredAt)}</td><td>{string.Join(", ", view.WaitsFor)}</td></tr>"));
        await Send(context, Page("Workflows", session, Table(["instance", "workflow", "subject", "state", "since", "waits for"], rows, "No workflow instance has started."))).ConfigureAwait(false);
    }

    private static async Task Workflow(HttpContext context, GovernanceService service, ConsoleSession session, string id, DateTimeOffset now)
    {
        if (await service.Instance(id).ConfigureAwait(false) is not { } view)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await Send(context, Page("Not found", session, Html.Of($"<p>There is no workflow instance {id}.</p>"))).ConfigureAwait(false);
            return;
        }

        var (instance, definition) = (view.Instance, view.Definition);
        var state = definition.State(instance.State);
        var history = instance.History.Select(step => Html.Of($"<tr><td>{When(step.At)}</td><td>{(step.From.Length == 0 ? "start" : step.From)} → {step.To}</td><td>{step.Cause}</td><td>{step.Actor}</td><td>{step.Detail}</td></tr>"));
        var failing = view.Failing.Select(failed => Html.Of($"<tr><td>{failed.Effect.Seq}</td><td>{failed.Effect.What}</td><td>{failed.Effect.Standing(failed.Dead)}</td></tr>"));
        var effects = view.Failing.Count == 0 ? Html.Empty : Html.Of($"<h2>Effects not done</h2>{Table(["effect", "what", "how it stands"], failing, "")}");
        var ways = WorkflowDiagram.Ways(definition).Select(way => Html.Of($"<tr><td>{way.Number}</td><td>{way.From}</td><td>{way.To}</td><td>{way.Label}{(way.Detail.Length == 0 ? Html.Empty : Html.Of($"<div class=\"mono small\">{way.Detail}</div>"))}</td></tr>"));
        var body = Html.Of($"""
            <p class="headline">In <strong id="state">{instance.State}</strong> since {When(instance.EnteredAt)}{(state.Final ? " · finished" : view.WaitsFor.Count > 0 ? $" · waits for {string.Join(", ", view.WaitsFor)}" : "")}</p>
            <p><strong>{definition.Identity}</strong> about <strong>{instance.Subject}</strong>, requested by {instance.Requester}.</p>
            {Waiting(service, session, instance, state, now)}
            <figure class="diagram-frame">{Html.Trusted(WorkflowDiagram.Svg(definition, instance.State))}</figure>
            <details class="ways"><summary>Every way out, with its whole condition</summary>{Table(["#", "from", "to", "what takes it"], ways, "This workflow has no way out of any state.")}</details>
            <h2>History</h2>
            {Table(["time", "step", "cause", "actor", "detail"], history, "No step yet.")}
            {effects}
            """);
        await Send(context, Page(instance.Id, session, body)).ConfigureAwait(false);
    }

    /// <summary>What an instance waits for: the approval's votes, who may still vote and the form for them, and when its timer fires and where to.</summary>
    private static Html Waiting(GovernanceService service, ConsoleSession session, WorkflowInstance instance, WorkflowState state, DateTimeOffset now)
    {
        var timer = instance.Due is not { } due ? Html.Empty
            : state.Approval is { Timeout: not null } timed ? Html.Of($"<p id=\"timer\">Without a decision by {When(JsonText.Timestamp(due))} ({Until(due, now)}) it {string.Join(" and ", new[] { timed.EscalateTo.Count > 0 ? $"escalates to {string.Join(", ", timed.EscalateTo)}" : null, timed.OnTimeout is { } to ? $"moves to {to}" : null }.OfType<string>().DefaultIfEmpty("times out"))}.</p>")
            : state.After is { } after ? Html.Of($"<p id=\"timer\">Moves to {after.To} at {When(JsonText.Timestamp(due))} ({Until(due, now)}).</p>")
            : Html.Of($"<p id=\"timer\">Its timer fires at {When(JsonText.Timestamp(due))} ({Until(due, now)}).</p>");
        if (state.Approval is not { } approval)
        {
            return timer;
        }

        var votes = Table(["who", "role", "when", "why"], instance.Votes.Select(vote => Html.Of($"<tr><td>{vote.Actor}</td><td>{vote.Role}</td><td>{When(vote.At)}</td><td>{vote.Reason}</td></tr>")), "No vote yet.");
        var still = StillMay(service.Settings.Roles, instance, approval);
        var may = still.Count == 0
            ? Html.Of($"<p id=\"still-may\" class=\"alarm-text\">Nobody left may vote: every holder of {string.Join(", ", approval.Roles)} has voted or requested it.</p>")
            : Html.Of($"<p id=\"still-may\">May still vote: {string.Join(" · ", still.Select(pair => $"{pair.Role}: {string.Join(", ", pair.People)}"))}</p>");
        return Html.Of($"""
            <section class="waiting">
              <h2>Waiting for approval</h2>
              <p>Needs {approval.Quorum} of {string.Join(" + ", approval.Roles)}{(approval.DistinctRoles ? ", each from a different role" : "")}; {instance.Votes.Count} given. Approved, it moves to {approval.Approve}; rejected, to {approval.Reject}.</p>
              {votes}
              {may}
              {timer}
              <div class="your-vote">{VoteCell(service, session, instance, approval, back: "instance")}</div>
            </section>
            """);
    }

    /// <summary>
    /// The people who may still vote, by role: holders of the approval's roles who neither requested the instance
    /// nor voted on it, in the roles not already used when the roles must differ.
    /// </summary>
    private static IReadOnlyList<(string Role, IReadOnlyList<string> People)> StillMay(WorkflowRoles roles, WorkflowInstance instance, ApprovalStep approval) =>
        [.. approval.Roles.Where(role => !approval.DistinctRoles || instance.Votes.All(vote => vote.Role != role))
            .Select(role => (Role: role, People: (IReadOnlyList<string>)[.. roles.Holders(role).Where(person => person != instance.Requester && instance.Votes.All(vote => vote.Actor != person))]))
            .Where(pair => pair.People.Count > 0)];

    /// <summary>The vote form for who may vote now, or why the signed-in principal may not.</summary>
    private static Html VoteCell(GovernanceService service, ConsoleSession session, WorkflowInstance instance, ApprovalStep approval, string back)
    {
        var me = session.Principal.Name;
        var mine = approval.Roles.Where(role => service.Settings.Roles.Holds(me, role)).ToList();
        var open = mine.Where(role => !approval.DistinctRoles || instance.Votes.All(vote => vote.Role != role)).ToList();
        var voted = instance.Votes.FirstOrDefault(v => v.Actor == me);
        return !session.Principal.Has(Principals.ApproverRole) ? Html.Of($"<span class=\"muted\">needs the role approver</span>")
            : mine.Count == 0 ? Html.Of($"<span class=\"muted\">you hold none of these roles</span>")
            : instance.Requester == me ? Html.Of($"<span class=\"muted\">you requested it: four eyes, so others decide</span>")
            : voted is not null ? Html.Of($"<span class=\"muted\">you approved already, as {voted.Role}</span>")
            : open.Count == 0 ? Html.Of($"<span class=\"muted\">your roles ({string.Join(", ", mine)}) have voted already; another role decides</span>")
            : Html.Of($"""
                <form method="post" action="{Prefix}/instances/{Uri.EscapeDataString(instance.Id)}/vote" class="vote">
                  <input type="hidden" name="form_token" value="{session.FormToken}">
                  <input type="hidden" name="back" value="{back}">
                  <select name="role" aria-label="role">{open.Select(role => Html.Of($"<option>{role}</option>"))}</select>
                  <input name="reason" required maxlength="500" placeholder="reason" aria-label="reason">
                  <button type="submit" name="decision" value="approve">Approve</button>
                  <button type="submit" name="decision" value="reject" class="danger">Reject</button>
                </form>
                """);
    }

    /// <summary>How far a time is from now, in the two largest units: <c>in 2 d 3 h</c>, <c>overdue by 5 min</c>.</summary>
    private static string Until(DateTimeOffset due, DateTimeOffset now)
    {
        var span = due - now;
        var left = span.Duration();
        var text = left.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalDays} d {left.Hours} h")
            : left.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{left.Hours} h {left.Minutes} min")
            : left.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{left.Minutes} min")
            : "under a minute";
        return span >= TimeSpan.Zero ? $"in {text}" : $"overdue by {text}";
    }
}
