using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RulesGate.Core;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Promotion;
using RulesGate.Core.Reports;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Server.Console;

/// <summary>
/// The console: server-rendered pages for the people who govern — approvals, workflows with their diagrams, the
/// ledger with its blockers, the journal with a decision explained rule by rule, the kill switch, governance per
/// strategy and live decision rates. Signing in takes a bearer token once; the session is an HttpOnly, SameSite=Strict
/// cookie, every form carries the session's form token, and every page is sent with a strict Content-Security-Policy
/// (no inline script or style: the two files this program serves are the only ones).
/// </summary>
public static class ConsolePages
{
    public const string Prefix = "/console";

    private const string Cookie = "rulesgate_session";

    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>Whether <paramref name="path"/> is the console's: it signs in with its own session, not a bearer token on each request.</summary>
    public static bool Owns(PathString path) => path.StartsWithSegments(Prefix, StringComparison.Ordinal);

    public static void Map(WebApplication app, GateHost gate, Principals principals, GovernanceService? service, TimeProvider time)
    {
        var sessions = new ConsoleSessions(time);
        var css = Asset("console.css");
        var script = Asset("console.js");

        app.MapGet($"{Prefix}/console.css", (HttpContext context) => Static(context, css, "text/css"));
        app.MapGet($"{Prefix}/console.js", (HttpContext context) => Static(context, script, "text/javascript"));

        app.MapGet($"{Prefix}/login", (HttpContext context) => Send(context, Page("Sign in", null, Login(null))));
        app.MapPost($"{Prefix}/login", async (HttpContext context) =>
        {
            var form = await Form(context).ConfigureAwait(false);
            if (form is null || principals.Authenticate($"Bearer {form["token"]}") is not { } principal)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await Send(context, Page("Sign in", null, Login("That token is not one of this server's principals."))).ConfigureAwait(false);
                return;
            }

            var (id, _) = sessions.Start(principal);
            context.Response.Cookies.Append(Cookie, id, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                Path = Prefix,
                MaxAge = ConsoleSessions.Lifetime,
            });
            context.Response.Redirect(Prefix, permanent: false);
        });

        // Everything else needs a session; a change needs the session's form token too.
        app.MapGet(Prefix, (HttpContext context) => Signed(context, sessions, session => Overview(context, gate, service, session)));
        app.MapPost($"{Prefix}/logout", (HttpContext context) => Change(context, sessions, (_, _) =>
        {
            sessions.End(context.Request.Cookies[Cookie]);
            context.Response.Cookies.Delete(Cookie, new CookieOptions { Path = Prefix });
            context.Response.Redirect($"{Prefix}/login");
            return Task.CompletedTask;
        }));
        app.MapGet($"{Prefix}/rates", (HttpContext context) => Signed(context, sessions, _ => Rates(context, gate)));
        app.MapGet($"{Prefix}/killswitch", (HttpContext context) => Signed(context, sessions, session => KillSwitch(context, gate, service, session)));
        app.MapPost($"{Prefix}/killswitch/reset", (HttpContext context) => Change(context, sessions, async (session, form) =>
        {
            if (!session.Principal.Has(Principals.RiskRole))
            {
                session.Flash = "Resetting the kill switch needs the role 'risk'.";
            }
            else if (string.IsNullOrWhiteSpace(form["reason"]))
            {
                session.Flash = "Say why the kill switch may be reset; the reason is recorded.";
            }
            else
            {
                var state = await gate.Reset(session.Principal, form["reason"].ToString()).ConfigureAwait(false);
                session.Flash = state.Active ? "The kill switch is still on." : $"The kill switch was reset by {session.Principal.Name}.";
            }

            context.Response.Redirect($"{Prefix}/killswitch");
        }));

        if (service is null)
        {
            return;
        }

        app.MapGet($"{Prefix}/approvals", (HttpContext context) => Signed(context, sessions, session => Approvals(context, service, session, time.GetUtcNow())));
        app.MapPost($"{Prefix}/instances/{{id}}/vote", (HttpContext context, string id) => Change(context, sessions, async (session, form) =>
        {
            var approve = form["decision"] == "approve";
            if (!session.Principal.Has(Principals.ApproverRole))
            {
                session.Flash = "Voting needs the role 'approver'.";
            }
            else if (form["decision"] != "approve" && form["decision"] != "reject")
            {
                session.Flash = "Choose approve or reject.";
            }
            else if (string.IsNullOrWhiteSpace(form["reason"]))
            {
                session.Flash = "Say why; the reason is recorded with the vote.";
            }
            else
            {
                try
                {
                    var outcome = await service.Vote(id, session.Principal, form["role"].ToString(), approve, form["reason"].ToString(), key: null).ConfigureAwait(false);
                    session.Flash = $"{(approve ? "Approved" : "Rejected")} {id} as {session.Principal.Name}; it is in {(outcome.Moved is [var moved, ..] ? moved.State : "the same state")}{(outcome.Started.Count == 0 ? "" : $"; started {string.Join(", ", outcome.Started.Select(started => started.Id))}")}.";
                }
                catch (Exception error) when (error is RefusalException or FormatException)
                {
                    session.Flash = error.Message;
                }
            }

            // Back to the page the vote was given on: one of two this program names, never a place the form says.
            context.Response.Redirect(form["back"] == "instance" ? $"{Prefix}/workflows/{Uri.EscapeDataString(id)}" : $"{Prefix}/approvals");
        }));
        app.MapGet($"{Prefix}/workflows", (HttpContext context) => Signed(context, sessions, session => Workflows(context, service, session)));
        app.MapGet($"{Prefix}/workflows/{{id}}", (HttpContext context, string id) => Signed(context, sessions, session => Workflow(context, service, session, id, time.GetUtcNow())));
        app.MapGet($"{Prefix}/ledger", (HttpContext context) => Signed(context, sessions, session => Ledger(context, service, session)));
        app.MapGet($"{Prefix}/journal", (HttpContext context) => Signed(context, sessions, session => Journal(context, service, session)));
        app.MapGet($"{Prefix}/journal/{{seq:long}}", (HttpContext context, long seq) => Signed(context, sessions, session => Event(context, service, session, seq)));
        app.MapGet($"{Prefix}/governance", (HttpContext context) => Signed(context, sessions, session => Governance(context, service, session)));
        app.MapGet($"{Prefix}/strategies/{{strategy}}", (HttpContext context, string strategy) => Signed(context, sessions, session => Strategy(context, service, session, strategy)));
        app.MapGet($"{Prefix}/changelog", (HttpContext context) => Signed(context, sessions, session => ChangelogPage(context, service, session)));
    }

    private static async Task Overview(HttpContext context, GateHost gate, GovernanceService? service, ConsoleSession session)
    {
        var killSwitch = await gate.KillSwitch().ConfigureAwait(false);
        var waiting = service is null || !gate.HasJournal ? null : (int?)(await service.Instances("approval").ConfigureAwait(false)).Count;
        var body = Html.Of($"""
            <section class="cards">
              <a class="card {(killSwitch.Active ? "alarm" : "calm")}" href="{Prefix}/killswitch"><h2>Kill switch</h2><p class="big" id="kill-switch">{(killSwitch.Active ? "ON" : "off")}</p><p>{killSwitch.Cause}</p></a>
              <a class="card" href="{Prefix}/approvals"><h2>Approvals waiting</h2><p class="big" id="waiting">{waiting?.ToString(CultureInfo.InvariantCulture) ?? "—"}</p></a>
              <div class="card"><h2>Rule file</h2><p class="mono">{gate.Gate.Bundle.Identity}</p></div>
            </section>
            <section>
              <h2>Decisions, live</h2>
              <p><span class="big" id="rate">0</span> in the last second · <span id="minute">0</span> in the last minute · since start <span id="totals"></span></p>
              <svg id="sparkline" class="sparkline" viewBox="0 0 600 80" preserveAspectRatio="none" role="img" aria-label="decisions per second, last minute"></svg>
              <p class="muted small">Decisions per second over the last minute, newest on the right.</p>
            </section>
            """);
        await Send(context, Page("Overview", session, body)).ConfigureAwait(false);
    }

    /// <summary><c>{"totals": {verdict: count}, "per_second": [60 counts, oldest first]}</c>: the overview's live figures.</summary>
    private static Task Rates(HttpContext context, GateHost gate)
    {
        var (totals, minute) = (gate.Metrics.Totals(), gate.Metrics.Recent.LastMinute());
        context.Response.Headers.CacheControl = "no-store";
        return Results.Text(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("totals");
            foreach (var (verdict, count) in totals)
            {
                writer.WriteNumber(verdict, count);
            }

            writer.WriteEndObject();
            writer.WriteStartArray("per_second");
            foreach (var count in minute)
            {
                writer.WriteNumberValue(count);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }, pretty: false), "application/json").ExecuteAsync(context);
    }

    private static async Task KillSwitch(HttpContext context, GateHost gate, GovernanceService? service, ConsoleSession session)
    {
        var state = await gate.KillSwitch().ConfigureAwait(false);
        var history = service is null || !gate.HasJournal ? [] : await service.Journal(new JournalQuery(Types: [GateJournal.TrippedType, GateJournal.ResetType]), 50).ConfigureAwait(false);
        var reset = state.Active && session.Principal.Has(Principals.RiskRole) && gate.HasJournal
            ? Html.Of($"""
                <form method="post" action="{Prefix}/killswitch/reset" class="vote">
                  <input type="hidden" name="form_token" value="{session.FormToken}">
                  <label>Reason <input name="reason" required maxlength="500" placeholder="why trading may resume"></label>
                  <button type="submit" class="danger">Reset as {session.Principal.Name}</button>
                </form>
                """)
            : Html.Empty;
        var body = Html.Of($"""
            <p class="big {(state.Active ? "alarm-text" : "")}" id="state">{(state.Active ? "ON" : "off")}</p>
            <p>{state.Cause}{(state.Since is { } since ? Html.Of($" (since {When(since)})") : Html.Empty)}</p>
            {reset}
            <h2>Trips and resets</h2>
            {Table(["seq", "time", "what", "who and why"], history.Select(e => Html.Of($"<tr><td><a href=\"{Prefix}/journal/{e.Seq}\">{e.Seq}</a></td><td>{When(e.Time)}</td><td>{e.Type}</td><td>{JournalBrowse.Summary(e)}</td></tr>")), "No trip or reset is recorded.")}
            """);
        await Send(context, Page("Kill switch", session, body)).ConfigureAwait(false);
    }

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

    private static async Task Ledger(HttpContext context, GovernanceService service, ConsoleSession session)
    {
        var assessments = await service.Ledger().ConfigureAwait(false);
        var rows = assessments.Select(assessment =>
        {
            var record = assessment.Ledger;
            // Each blocker as a sentence with its numbers; the code the ledger keeps is its tooltip.
            var blockers = assessment.StageBlockers.Where(pair => pair.Value.Count > 0).OrderBy(pair => pair.Key)
                .Select(pair => Html.Of($"<div><strong>To {pair.Key.Name()}</strong><ul class=\"why\">{pair.Value.Select(code => Html.Of($"<li title=\"{code}\">{Blockers.Sentence(code)}</li>"))}</ul></div>"));
            var gaps = assessment.AuditGaps.Count == 0 ? Html.Empty
                : Html.Of($"<div><strong>At {record.DeclaredStage.Name()}</strong>: the record lacks {string.Join(", ", assessment.AuditGaps.Select(Blockers.Gap))}.</div>");
            return Html.Of($"""
                <tr>
                  <td class="mono">{record.PolicyId}</td><td>{record.CurrentStage.Name()}</td><td>{record.DeclaredStage.Name()}</td>
                  <td>{(record.Approvals.Count == 0 ? "none" : string.Join(", ", record.Approvals))}</td><td>{assessment.RecommendedStage.Name()}</td>
                  <td>{blockers}{gaps}</td>
                </tr>
                """);
        });
        await Send(context, Page("Ledger", session, Table(["policy", "current", "declared", "approvals", "recommended", "why not further up"], rows, "The ledger and the diary are empty."))).ConfigureAwait(false);
    }

    private static async Task Journal(HttpContext context, GovernanceService service, ConsoleSession session)
    {
        var q = context.Request.Query;
        Html body;
        try
        {
            var (query, limit) = Api.JournalApi.QueryOf(q);
            var events = await service.Journal(query with { Bookkeeping = q["bookkeeping"] == "1" }, limit).ConfigureAwait(false);     // what happened, unless the bookkeeping is asked for
            body = Table(["seq", "time", "type", "stream", "what"], events.Select(e => Html.Of($"<tr><td><a href=\"{Prefix}/journal/{e.Seq}\">{e.Seq}</a></td><td>{When(e.Time)}</td><td>{e.Type}</td><td class=\"mono\">{e.Stream}</td><td>{JournalBrowse.Summary(e)}</td></tr>")), "No event matches.");
        }
        catch (FormatException error)
        {
            body = Html.Of($"<p class=\"error\">{error.Message}</p>");
        }

        var filter = Html.Of($"""
            <form method="get" action="{Prefix}/journal" class="filter">
              <label>Stream <input name="stream" value="{q["stream"]}"></label>
              <label>Type <input name="type" value="{q["type"]}" placeholder="gate.decision"></label>
              <label>Since <input name="since" value="{q["since"]}" placeholder="2026-11-30T00:00:00Z"></label>
              <label>Until <input name="until" value="{q["until"]}"></label>
              <label><input type="checkbox" name="bookkeeping" value="1"{(q["bookkeeping"] == "1" ? " checked" : "")}> Bookkeeping rows too</label>
              <button type="submit">Filter</button>
            </form>
            """);
        await Send(context, Page("Journal", session, Html.Of($"{filter}{body}"))).ConfigureAwait(false);
    }

    private static async Task Event(HttpContext context, GovernanceService service, ConsoleSession session, long seq)
    {
        if (await service.Event(seq).ConfigureAwait(false) is not { } found)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await Send(context, Page("Not found", session, Html.Of($"<p>The journal has no event {seq}.</p>"))).ConfigureAwait(false);
            return;
        }

        var (e, bundle, rules) = found;
        var explain = bundle is null ? Html.Empty : Html.Of($"""
            <h2>Rule by rule, under {bundle}</h2>
            {rules.Select(rule => Html.Of($"""
                <div class="rule {(rule.Fired == true ? "fired" : rule.Fired is null ? "failed" : "quiet")}">
                  <h3>{rule.RuleId} <span class="verdict">{(rule.Fired switch { true => "FIRED", false => "quiet", null => $"ERROR {rule.Error} (fails closed)" })}</span></h3>
                  <pre>{string.Join("\n", rule.Lines)}</pre>
                </div>
                """))}
            """);
        var body = Html.Of($"""
            {(e.Type == GateJournal.DecisionType ? Headline(e) : Html.Empty)}
            <p>{e.Type} on <span class="mono">{e.Stream}</span> at {When(e.Time)}</p>
            <p class="mono small">hash {e.Hash}<br>prev {e.PrevHash}</p>
            {explain}
            <details><summary>Payload</summary><pre class="payload">{Pretty(e.Payload)}</pre></details>
            """);
        await Send(context, Page($"Event {seq}", session, body)).ConfigureAwait(false);
    }

    private static async Task Governance(HttpContext context, GovernanceService service, ConsoleSession session)
    {
        Html body;
        try
        {
            var reports = await service.Strategies().ConfigureAwait(false);
            var baseEquity = service.Settings.Governance!.Settings.BaseEquity;
            // Each strategy's one standing: the same record governance show and the gate read.
            body = Table(["strategy", "level", "sizing cap", "ladders", "why not further up", "health", "trades", "win rate", "drawdown", "drift alerts", "tokens"], reports.Select(report => Html.Of($"""
                <tr><td class="mono"><a href="{Prefix}/strategies/{Uri.EscapeDataString(report.Strategy)}">{report.Strategy}</a></td><td>{report.Level}</td><td>{(report.SizingCap is { } cap ? Percent(cap) : "none")}<br><span class="muted small">{report.CapSetBy ?? ""}</span></td>
                <td>{(report.Standing is { } standing ? Html.Of($"<ul class=\"plain\">{standing.Ladders.Select(ladder => Html.Of($"<li><b>{ladder.Workflow}</b> {ladder.State}{(ladder.Cap is { } c ? $" ({Percent(c)})" : "")}</li>"))}</ul>") : Html.Of($"none"))}</td>
                <td>{WhyNotFurther(report.Next)}</td><td>{report.Health.Score:F2} (×{report.Health.Multiplier:F2})</td>
                <td>{report.Outcomes.Trades}</td><td>{Percent(report.Outcomes.WinRate)}</td><td>{Percent(report.Outcomes.Drawdown(baseEquity))}</td>
                <td>{(report.Alerts.Count == 0 ? "none" : string.Join("; ", report.Alerts.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Metric} {a.DeviationPct:F1}% → {a.Action}"))))}</td>
                <td>{report.Tokens.Count}</td></tr>
                """)), "The journal knows no strategy yet: outcomes, tokens and evidence make them known.");
        }
        catch (NoGovernanceException error)
        {
            body = Html.Of($"<p class=\"error\">{error.Message}</p>");
        }

        await Send(context, Page("Governance", session, body)).ConfigureAwait(false);
    }

    /// <summary>
    /// One strategy: where it stands on every ladder and why it is not further up, then everything that happened to it
    /// in the last <c>days</c> (30 unless asked, at most 366): its orders per day, and each change about it with who and why.
    /// </summary>
    private static async Task Strategy(HttpContext context, GovernanceService service, ConsoleSession session, string strategy)
    {
        var days = StrategyTimeline.DefaultDays;
        Html body;
        try
        {
            days = StrategyTimeline.DaysOf(context.Request.Query["days"]);
            strategy = Identities.Id(strategy, "strategy");
            var report = (await service.Strategies(strategy).ConfigureAwait(false))[0];
            var timeline = await service.Timeline(strategy, days).ConfigureAwait(false);
            var baseEquity = service.Settings.Governance!.Settings.BaseEquity;
            static string Counts(IReadOnlyList<KeyValuePair<string, int>> counts) => string.Join(" · ", counts.Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key} {pair.Value}")));
            var orders = timeline.Days.Select(day => Html.Of($"<tr><td class=\"day\">{day.Day}</td><td class=\"number\">{day.Decisions}</td><td>{Counts(day.Verdicts)}</td><td>{(day.Actions.Count == 0 ? "—" : Counts(day.Actions))}</td><td>{(day.Trips == 0 ? "" : Html.Of($"<strong class=\"alarm-text\">tripped {day.Trips}×</strong>"))}</td></tr>"));
            var changes = timeline.Changes.Select(row => Html.Of($"<tr><td>{When(row.At)}</td><td>{row.What}</td><td>{row.Change}</td><td>{row.Actor}</td><td>{row.Why}</td></tr>"));
            body = Html.Of($"""
                <p class="headline">Level <strong id="level">{report.Level}</strong> · sizing cap {(report.SizingCap is { } cap ? Percent(cap) : "none")}{(report.CapSetBy is { } setBy ? $" (set by {setBy})" : "")}</p>
                <p id="next"><strong>Why not further up:</strong> {WhyNotFurther(report.Next)}</p>
                {(report.Standing is { } standing ? Table(["ladder", "state", "sizing cap", "since", "how it got there"], standing.Ladders.Select(ladder => Html.Of($"<tr><td>{ladder.Workflow}</td><td>{ladder.State}</td><td>{(ladder.Cap is { } c ? Percent(c) : "none")}</td><td>{When(ladder.Change.At)}</td><td>{SubjectStanding.How(ladder.Change)}</td></tr>")), "") : Html.Of($"<p class=\"muted\">No workflow has placed it on a ladder.</p>"))}
                <p>Health {report.Health.Score.ToString("0.00", CultureInfo.InvariantCulture)} (size ×{report.Health.Multiplier.ToString("0.00", CultureInfo.InvariantCulture)}) · {report.Outcomes.Trades} trades · win rate {Percent(report.Outcomes.WinRate)} · drawdown {Percent(report.Outcomes.Drawdown(baseEquity))} · {report.Tokens.Count} execution tokens open{(report.Alerts.Count == 0 ? "" : " · drift: " + string.Join("; ", report.Alerts.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Metric} {a.DeviationPct:F1}% → {a.Action}"))))}</p>
                <h2>Orders per day, last {days} days</h2>
                {Table(["day (UTC)", "orders", "capital gate", "governance", "kill switch"], orders, $"No order of {strategy} in the last {days} days.")}
                <h2>What changed, last {days} days</h2>
                {Table(["time", "what", "change", "who", "why"], changes, $"Nothing changed for {strategy} in the last {days} days.")}
                """);
        }
        catch (Exception error) when (error is NotFoundException or NoGovernanceException or FormatException)
        {
            context.Response.StatusCode = error is NotFoundException ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest;
            body = Html.Of($"<p class=\"error\">{error.Message}</p>");
        }

        await Send(context, Page(strategy, session, Html.Of($"<div class=\"timeline\">{body}</div>"))).ConfigureAwait(false);
    }

    /// <summary>Every governance change, newest first, with who, when and why; as <c>rulesgate changelog</c> and <c>GET /v1/changelog</c> say it.</summary>
    private static async Task ChangelogPage(HttpContext context, GovernanceService service, ConsoleSession session)
    {
        var changelog = await service.Changelog().ConfigureAwait(false);
        var rows = changelog.Changes.Reverse().Select(row => Html.Of($"<tr><td>{When(row.At)}</td><td>{row.What}</td><td class=\"mono\">{row.Subject}</td><td>{row.Change}</td><td>{row.Actor}</td><td>{row.Why}</td></tr>"));
        var body = Html.Of($"""
            <p>{(changelog.Count == 1 ? "1 change" : $"{changelog.Count.ToString(CultureInfo.InvariantCulture)} changes")} recorded, newest first; as <code>rulesgate changelog</code> and <code>GET /v1/changelog</code> give them.</p>
            {Table(["time", "what", "subject", "change", "who", "why"], rows, "No change is recorded yet.")}
            """);
        await Send(context, Page("Changelog", session, body)).ConfigureAwait(false);
    }

    private static Html Login(string? error) => Html.Of($"""
        <form method="post" action="{Prefix}/login" class="login">
          {(error is null ? Html.Empty : Html.Of($"<p class=\"error\" role=\"alert\">{error}</p>"))}
          <label>Bearer token <input type="password" name="token" autocomplete="current-password" required></label>
          <button type="submit">Sign in</button>
          <p class="muted">A token from <code>rulesgate principal new</code>; the console keeps only a session cookie.</p>
        </form>
        """);

    /// <summary>
    /// A decision first, as the desk reads it (<see cref="JournalBrowse.Glance"/>): the verdict, the order, the quantity
    /// a MODIFY leaves, the strategy and intent, the rules that fired and a kill switch it tripped; then why, in the
    /// desk's numbers, and what the gate measured against each limit.
    /// </summary>
    private static Html Headline(Core.Journal.JournalEvent e)
    {
        if (JournalBrowse.Glance(e) is not { } glance)
        {
            // A decision journaled in another shape (an older RulesGate): the page still shows it, rule by rule and in full.
            return Html.Of($"<p class=\"muted\">This decision's verdict line cannot be read from its payload; see it below.</p>");
        }

        return Html.Of($"""
            <p class="headline"><strong class="verdict {glance.Verdict.ToLowerInvariant()}">{glance.Verdict}</strong>
              {glance.Order}{(glance.Leaves is { } leaves ? $" → {leaves}" : "")}
              <span class="muted">· {glance.Strategy} · intent {glance.Intent}{(glance.Fired.Count == 0 ? "" : $" · fired {string.Join(", ", glance.Fired)}")}</span>
              {(glance.Tripped ? Html.Of($"<strong class=\"alarm-text\">· tripped the kill switch</strong>") : Html.Empty)}</p>
            {Why(e.Payload)}
            """);
    }

    /// <summary>Each rule that fired in the desk's numbers (ratios as percentages, exposure as multiples; the message as recorded is its tooltip), and what the gate measured against each limit.</summary>
    private static Html Why(string payload)
    {
        using var document = System.Text.Json.JsonDocument.Parse(payload);
        var decision = document.RootElement.GetProperty("decision");
        static string Field(System.Text.Json.JsonElement item, string name) => item.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() ?? "" : "";
        var violations = decision.TryGetProperty("violations", out var fired) && fired.ValueKind == System.Text.Json.JsonValueKind.Array ? fired.EnumerateArray().Where(item => item.ValueKind == System.Text.Json.JsonValueKind.Object).ToList() : [];
        var why = violations.Select(violation => Html.Of($"""
            <li title="{Field(violation, "message")}"><strong>{Field(violation, "rule_id")}</strong> <span class="muted">{Field(violation, "severity")}</span>
              {Measures(violation, "computed")}{(Measures(violation, "inputs") is { Length: > 0 } limits ? $" against {limits}" : "")}</li>
            """));
        var measures = decision.TryGetProperty("evidence", out var measured) && measured.ValueKind == System.Text.Json.JsonValueKind.Array
            ? measured.EnumerateArray().Where(item => item.ValueKind == System.Text.Json.JsonValueKind.Object).ToList()
            : [];
        var rows = measures.Select(item => (Metric: Field(item, "metric"), Item: item)).Select(m => Html.Of(
            $"<tr><td>{Label(m.Metric)}</td><td class=\"number\">{Measure(m.Metric, m.Item, "value")}</td><td class=\"number\">{Measure(m.Metric, m.Item, "limit")}</td></tr>"));
        return Html.Of($"""
            {(violations.Count == 0 ? Html.Empty : Html.Of($"<ul class=\"why\">{why}</ul>"))}
            {(measures.Count == 0 ? Html.Empty : Html.Of($"<details class=\"measured\"><summary>What the gate measured</summary>{Table(["measure", "value", "limit"], rows, "")}</details>"))}
            """);
    }

    /// <summary>A violation's named numbers in the desk's units: <c>new position 12.01%, modify qty 108.22</c>.</summary>
    private static string Measures(System.Text.Json.JsonElement violation, string part) =>
        violation.TryGetProperty(part, out var values) && values.ValueKind == System.Text.Json.JsonValueKind.Object
            ? string.Join(", ", values.EnumerateObject().Where(pair => pair.Value.ValueKind != System.Text.Json.JsonValueKind.String).Select(pair => $"{Label(pair.Name)} {Measure(pair.Name, pair.Value)}"))
            : "";

    /// <summary>A measure's name in words: <c>new_position_pct</c> → "new position", <c>gross_exposure_x</c> → "gross exposure".</summary>
    private static string Label(string name) =>
        (name.EndsWith("_pct", StringComparison.Ordinal) ? name[..^4] : name.EndsWith("_x", StringComparison.Ordinal) ? name[..^2] : name).Replace('_', ' ');

    /// <summary>
    /// A number as the desk reads it, by what its name says it is: a ratio of equity (<c>_pct</c>, drawdown, daily
    /// return) as a percentage, an exposure (<c>_x</c>) as a multiple, a quantity as traded, a count whole.
    /// </summary>
    private static string Measure(string name, System.Text.Json.JsonElement item, string field) =>
        item.TryGetProperty(field, out var value) ? Measure(name, value) : "—";

    private static string Measure(string name, System.Text.Json.JsonElement value) => value.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Number => Measure(name, value.GetDouble()),
        System.Text.Json.JsonValueKind.Null => "—",
        System.Text.Json.JsonValueKind.Array => value.GetArrayLength() == 0 ? "none" : string.Join(", ", value.EnumerateArray().Select(item => item.ToString())),
        _ => value.ToString(),
    };

    private static string Measure(string name, double value) =>
        name.EndsWith("_pct", StringComparison.Ordinal) || name is "drawdown" or "daily_return" ? (value * 100).ToString("#,0.##", CultureInfo.InvariantCulture) + "%"
        : name.EndsWith("_x", StringComparison.Ordinal) ? value.ToString("#,0.##", CultureInfo.InvariantCulture) + "×"
        : name.Contains("qty", StringComparison.Ordinal) ? Quantity(value)
        : value.ToString("#,0.####", CultureInfo.InvariantCulture);

    /// <summary>Why a strategy is not further up its maturity ladder: the reasons its maturity rules give, or that none holds it back.</summary>
    private static string WhyNotFurther(Core.Governance.MaturityStep? next) =>
        next is null ? "it stands at the top of its maturity ladder."
        : next.Change == "promotion" ? $"no maturity rule holds it back; next is {next.To}."
        : string.Join(" ", next.Reasons);

    /// <summary>A ratio as a percentage, to a tenth at most: <c>0.1118</c> → "11.2%".</summary>
    private static string Percent(double ratio) => (ratio * 100).ToString("#,0.#", CultureInfo.InvariantCulture) + "%";

    /// <summary>A quantity as traded: whole lots without decimals, fractions to eight places at most.</summary>
    private static string Quantity(double qty) => qty.ToString("#,0.########", CultureInfo.InvariantCulture);

    /// <summary>
    /// A time as the desk reads it: UTC to the second (<c>2026-12-06 19:07:13 UTC</c>), the journal's exact time in
    /// its <c>datetime</c>, and the reader's local time on hover (console.js sets it); text that is no time stays as it is.
    /// </summary>
    private static Html When(string time) =>
        DateTimeOffset.TryParseExact(time, "O", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? Html.Of($"<time datetime=\"{time}\" title=\"{time}\">{at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC</time>")
            : Html.Of($"{time}");

    private static Html Table(IReadOnlyList<string> headings, IEnumerable<Html> rows, string empty)
    {
        var list = rows.ToList();
        return list.Count == 0
            ? Html.Of($"<p class=\"empty\">{empty}</p>")
            : Html.Of($"<table><thead><tr>{headings.Select(heading => Html.Of($"<th>{heading}</th>"))}</tr></thead><tbody>{list}</tbody></table>");
    }

    private static Html Page(string title, ConsoleSession? session, Html body)
    {
        var flash = session?.TakeFlash() is { } message ? Html.Of($"<p class=\"flash\" role=\"status\">{message}</p>") : Html.Empty;
        var nav = session is null ? Html.Empty : Html.Of($"""
            <nav>
              <a href="{Prefix}">Overview</a><a href="{Prefix}/approvals">Approvals</a><a href="{Prefix}/workflows">Workflows</a><a href="{Prefix}/ledger">Ledger</a>
              <a href="{Prefix}/journal">Journal</a><a href="{Prefix}/changelog">Changelog</a><a href="{Prefix}/killswitch">Kill switch</a><a href="{Prefix}/governance">Governance</a>
              <form method="post" action="{Prefix}/logout"><input type="hidden" name="form_token" value="{session.FormToken}"><button type="submit" class="link">Sign out {session.Principal.Name}</button></form>
            </nav>
            """);
        return Html.Of($"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · RulesGate</title>
            <link rel="stylesheet" href="{Prefix}/console.css"><script src="{Prefix}/console.js" defer></script></head>
            <body><header><span class="brand">RulesGate</span>{nav}</header><main><h1>{title}</h1>{flash}{body}</main></body>
            </html>
            """);
    }

    /// <summary>Runs a page for a signed-in user; without a session, to the sign-in page.</summary>
    private static Task Signed(HttpContext context, ConsoleSessions sessions, Func<ConsoleSession, Task> page)
    {
        if (sessions.Find(context.Request.Cookies[Cookie]) is not { } session)
        {
            context.Response.Redirect($"{Prefix}/login");
            return Task.CompletedTask;
        }

        return page(session);
    }

    /// <summary>Runs a change for a signed-in user whose form carries the session's form token; anything else is a 403 and changes nothing.</summary>
    private static async Task Change(HttpContext context, ConsoleSessions sessions, Func<ConsoleSession, IFormCollection, Task> change)
    {
        var form = await Form(context).ConfigureAwait(false);
        if (sessions.Find(context.Request.Cookies[Cookie]) is not { } session || form is null || !ConsoleSessions.Carries(session, form["form_token"]))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await Send(context, Page("Refused", null, Html.Of($"<p>This form was not sent from a signed-in console page; nothing was changed. <a href=\"{Prefix}/login\">Sign in</a>.</p>"))).ConfigureAwait(false);
            return;
        }

        await change(session, form).ConfigureAwait(false);
    }

    /// <summary>The request's form (URL-encoded, at most 16 KB), or null when it has none.</summary>
    private static async Task<IFormCollection?> Form(HttpContext context)
    {
        if (!context.Request.HasFormContentType || context.Request.ContentLength is null or > 16_384)
        {
            return null;
        }

        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception error) when (error is InvalidDataException or IOException)
        {
            return null;
        }
    }

    private static Task Send(HttpContext context, Html page)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(page.ToString());
    }

    private static Task Static(HttpContext context, string text, string type)
    {
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.ContentType = $"{type}; charset=utf-8";
        return context.Response.WriteAsync(text);
    }

    private static string Pretty(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return JsonText.Write(writer => document.RootElement.WriteTo(writer), pretty: true);
    }

    private static string Asset(string name)
    {
        using var stream = typeof(ConsolePages).Assembly.GetManifestResourceStream($"RulesGate.Server.Console.{name}") ?? throw new InvalidOperationException($"The console's {name} is missing from this build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
