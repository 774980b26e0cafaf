using System.Globalization;
using Microsoft.AspNetCore.Http;
using RulesGate.Core;
using RulesGate.Core.Application;
using RulesGate.Core.Promotion;
using RulesGate.Core.Reports;
using RulesGate.Core.Workflows;

namespace RulesGate.Server.Console;

/// <summary>The console's governance pages: the ledger with its blockers, each strategy's standing and timeline, and the changelog.</summary>
public static partial class ConsolePages
{
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

    private static async Task Governance(HttpContext context, GovernanceService service, ConsoleSession session)
    {
        Html body;
        try
        {
            var reports = await service.Strategies().ConfigureAwait(false);
            var baseEquity = service.Settings.Governance!.Settings.BaseEquity;
            // Each strategy's one standing: the same record governance show and the gate read.
            body = Table(["strategy", "level", "sizing cap", "ladders", "why not further up", "health", "trades", "win rate", "drawdown", "drift alerts", "tokens"], reports.Select(report => Html.Of($"""
                <tr><td class="mono"><a href="{Prefix}/strategies/{Uri.EscapeDataString(report.Strategy)}">{report.Strategy}</a></td><td>{report.Level}</td><td>{(report.SizingCap is { } cap ? DeskNumbers.Percent(cap) : "none")}<br><span class="muted small">{report.CapSetBy ?? ""}</span></td>
                <td>{(report.Standing is { } standing ? Html.Of($"<ul class=\"plain\">{standing.Ladders.Select(ladder => Html.Of($"<li><b>{ladder.Workflow}</b> {ladder.State}{(ladder.Cap is { } c ? $" ({DeskNumbers.Percent(c)})" : "")}</li>"))}</ul>") : Html.Of($"none"))}</td>
                <td>{WhyNotFurther(report.Next)}</td><td>{report.Health.Score:F2} (×{report.Health.Multiplier:F2})</td>
                <td>{report.Outcomes.Trades}</td><td>{DeskNumbers.Percent(report.Outcomes.WinRate)}</td><td>{DeskNumbers.Percent(report.Outcomes.Drawdown(baseEquity))}</td>
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
                <p class="headline">Level <strong id="level">{report.Level}</strong> · sizing cap {(report.SizingCap is { } cap ? DeskNumbers.Percent(cap) : "none")}{(report.CapSetBy is { } setBy ? $" (set by {setBy})" : "")}</p>
                <p id="next"><strong>Why not further up:</strong> {WhyNotFurther(report.Next)}</p>
                {(report.Standing is { } standing ? Table(["ladder", "state", "sizing cap", "since", "how it got there"], standing.Ladders.Select(ladder => Html.Of($"<tr><td>{ladder.Workflow}</td><td>{ladder.State}</td><td>{(ladder.Cap is { } c ? DeskNumbers.Percent(c) : "none")}</td><td>{When(ladder.Change.At)}</td><td>{SubjectStanding.How(ladder.Change)}</td></tr>")), "") : Html.Of($"<p class=\"muted\">No workflow has placed it on a ladder.</p>"))}
                <p>Health {report.Health.Score.ToString("0.00", CultureInfo.InvariantCulture)} (size ×{report.Health.Multiplier.ToString("0.00", CultureInfo.InvariantCulture)}) · {report.Outcomes.Trades} trades · win rate {DeskNumbers.Percent(report.Outcomes.WinRate)} · drawdown {DeskNumbers.Percent(report.Outcomes.Drawdown(baseEquity))} · {report.Tokens.Count} execution tokens open{(report.Alerts.Count == 0 ? "" : " · drift: " + string.Join("; ", report.Alerts.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Metric} {a.DeviationPct:F1}% → {a.Action}"))))}</p>
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

    /// <summary>Why a strategy is not further up its maturity ladder: the reasons its maturity rules give, or that none holds it back.</summary>
    private static string WhyNotFurther(Core.Governance.MaturityStep? next) =>
        next is null ? "it stands at the top of its maturity ladder."
        : next.Change == "promotion" ? $"no maturity rule holds it back; next is {next.To}."
        : string.Join(" ", next.Reasons);

}
