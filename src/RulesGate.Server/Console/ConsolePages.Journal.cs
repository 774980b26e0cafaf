using System.Globalization;
using Microsoft.AspNetCore.Http;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Console;

/// <summary>The console's journal: events in a line each, and a decision as the desk reads it, then rule by rule.</summary>
public static partial class ConsolePages
{
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
        name.EndsWith("_pct", StringComparison.Ordinal) || name is "drawdown" or "daily_return" ? DeskNumbers.Percent(value, 2)
        : name.EndsWith("_x", StringComparison.Ordinal) ? value.ToString("#,0.##", CultureInfo.InvariantCulture) + "×"
        : name.Contains("qty", StringComparison.Ordinal) ? DeskNumbers.Quantity(value)
        : value.ToString("#,0.####", CultureInfo.InvariantCulture);


    private static string Pretty(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return JsonText.Write(writer => document.RootElement.WriteTo(writer), pretty: true);
    }
}
