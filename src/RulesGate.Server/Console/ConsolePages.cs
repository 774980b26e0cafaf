using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RulesGate.Core;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Console;

/// <summary>
/// The console: server-rendered pages for the people who govern, in the desk's words and numbers — approvals, workflow
/// instances with their votes, timers and diagrams (ConsolePages.Workflows), the journal with a decision verdict first
/// and then rule by rule (ConsolePages.Journal), the ledger with its blockers as sentences, each strategy's standing and
/// timeline, the changelog (ConsolePages.Governance), the kill switch and live decision rates (here). Signing in takes a bearer token once; the session is an HttpOnly, SameSite=Strict
/// cookie, every form carries the session's form token, and every page is sent with a strict Content-Security-Policy
/// (no inline script or style: the two files this program serves are the only ones).
/// </summary>
public static partial class ConsolePages
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
            {Table(["seq", "time", "what", "who and why"], history.Select(e => Html.Of($"<tr><td><a href=\"{Prefix}/journal/{e.Seq}\">{e.Seq}</a></td><td>{When(e.Time)}</td><td>{(e.Type == GateJournal.TrippedType ? "tripped" : "reset")}</td><td>{JournalBrowse.Summary(e)}</td></tr>")), "No trip or reset is recorded.")}
            """);
        await Send(context, Page("Kill switch", session, body)).ConfigureAwait(false);
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

    private static string Asset(string name)
    {
        using var stream = typeof(ConsolePages).Assembly.GetManifestResourceStream($"RulesGate.Server.Console.{name}") ?? throw new InvalidOperationException($"The console's {name} is missing from this build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
