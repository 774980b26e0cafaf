using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RulesGate.Core;
using RulesGate.Core.Application;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Server;

/// <summary>
/// The governance API under <c>/v1</c>: evidence intake (diary, evidence, outcomes) for <c>automation</c>; workflow
/// instances started by <c>automation</c> and voted on by <c>approver</c>s; execution tokens for <c>risk</c>; reads of
/// the ledger, instances, governance and the journal for any principal. The actor recorded is the caller.
/// </summary>
public static partial class RulesGateServer
{
    /// <summary>The most events one journal read returns.</summary>
    public const int MaxEvents = 1_000;

    private static void MapDesk(WebApplication app, Desk desk)
    {
        app.MapPost("/v1/diary", (HttpContext context) => Run(context, Principals.AutomationRole, "Recording diary entries", async _ =>
        {
            using var body = await Body(context, MaxBatchBody).ConfigureAwait(false);
            var entries = Items(new JsonFields(body.RootElement, "request", "entries").Required("entries"), "entries", DiaryEntry.Read);
            var intake = await desk.Diary(entries).ConfigureAwait(false);
            return Json(JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("added"u8, intake.Added);
                writer.WriteNumber("duplicates"u8, intake.Duplicates);
                Moved(writer, intake.Moved);
                writer.WriteEndObject();
            }, pretty: false));
        }));

        app.MapPost("/v1/evidence", (HttpContext context) => Run(context, Principals.AutomationRole, "Submitting evidence", async _ =>
        {
            using var body = await Body(context).ConfigureAwait(false);
            var fields = new JsonFields(body.RootElement, "request", "subject", "kind", "evidence", "key");
            var evidence = fields.Required("evidence");
            if (evidence.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("request.evidence: expected one JSON object, the evidence's fields.");
            }

            return Signal(await desk.Evidence(fields.Id("subject"), fields.Id("kind"), evidence, Key(fields)).ConfigureAwait(false));
        }));

        app.MapPost("/v1/outcomes", (HttpContext context) => Run(context, Principals.AutomationRole, "Recording trade outcomes", async _ =>
        {
            using var body = await Body(context, MaxBatchBody).ConfigureAwait(false);
            var outcomes = Items(new JsonFields(body.RootElement, "request", "outcomes").Required("outcomes"), "outcomes", TradeOutcome.Read);
            var (intake, moved) = await desk.Outcomes(outcomes).ConfigureAwait(false);
            var baseEquity = desk.Settings.Governance!.Settings.BaseEquity;
            return Json(JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("added"u8, intake.Added);
                writer.WriteNumber("duplicates"u8, intake.Duplicates);
                writer.WriteStartArray("strategies"u8);
                foreach (var strategy in intake.Strategies)
                {
                    writer.WriteStartObject();
                    writer.WriteString("strategy_id"u8, strategy.Strategy);
                    writer.WritePropertyName("figures"u8);
                    writer.WriteRawValue(strategy.FiguresJson(baseEquity));
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                Moved(writer, moved);
                writer.WriteEndObject();
            }, pretty: false));
        }));

        app.MapPost("/v1/instances", (HttpContext context) => Run(context, Principals.AutomationRole, "Starting a workflow instance", async principal =>
        {
            using var body = await Body(context).ConfigureAwait(false);
            var fields = new JsonFields(body.RootElement, "request", "workflow", "subject", "key");
            var instance = await desk.Start(fields.Id("workflow"), fields.Id("subject"), principal, Key(fields)).ConfigureAwait(false);
            context.Response.StatusCode = StatusCodes.Status201Created;
            return Json(instance.Json());
        }));

        app.MapGet("/v1/instances", (HttpContext context) => Read(context, async () =>
        {
            var waiting = context.Request.Query["waiting"].ToString() is { Length: > 0 } wanted
                ? Waits.Contains(wanted) ? wanted : throw new FormatException($"waiting: '{wanted}' is not what an instance waits for; write one of {string.Join(", ", Waits)}.")
                : null;
            var instances = await desk.Instances().ConfigureAwait(false);
            return Json(WorkflowInstance.ListJson(instances.Where(view => waiting is null || view.WaitsFor.Contains(waiting)).Select(view => (view.Instance, view.WaitsFor))));
        }));

        app.MapGet("/v1/instances/{id}", (HttpContext context, string id) => Read(context, async () =>
            await desk.Instance(id).ConfigureAwait(false) is { } view ? Json(view.Instance.Json(view.WaitsFor)) : throw new NotFoundException($"There is no workflow instance '{id}'.")));

        foreach (var approve in new[] { true, false })
        {
            app.MapPost(approve ? "/v1/instances/{id}/approve" : "/v1/instances/{id}/reject", (HttpContext context, string id) => Run(context, Principals.ApproverRole, approve ? "Approving" : "Rejecting", async principal =>
            {
                using var body = await Body(context).ConfigureAwait(false);
                var fields = new JsonFields(body.RootElement, "request", "role", "reason", "key");
                var reason = fields.String("reason");
                if (string.IsNullOrWhiteSpace(reason))
                {
                    throw new FormatException("request.reason: say why; the reason is recorded with the vote.");
                }

                return Signal(await desk.Vote(id, principal, fields.String("role"), approve, reason, Key(fields)).ConfigureAwait(false));
            }));
        }

        app.MapGet("/v1/ledger", (HttpContext context) => Read(context, async () =>
        {
            var assessments = await desk.Ledger().ConfigureAwait(false);
            return Json(JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("policies"u8);
                foreach (var assessment in assessments)
                {
                    Assessed(writer, assessment);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }, pretty: false));
        }));

        app.MapGet("/v1/ledger/{policy}", (HttpContext context, string policy) => Read(context, async () =>
        {
            var assessment = (await desk.Ledger(Identities.Id(policy, "policy")).ConfigureAwait(false))[0];
            return Json(JsonText.Write(writer => Assessed(writer, assessment), pretty: false));
        }));

        app.MapGet("/v1/governance", (HttpContext context) => Read(context, async () => Strategies(await desk.Strategies().ConfigureAwait(false), desk)));
        app.MapGet("/v1/governance/{strategy}", (HttpContext context, string strategy) => Read(context, async () => Json(Report((await desk.Strategies(Identities.Id(strategy, "strategy")).ConfigureAwait(false))[0], desk))));

        app.MapGet("/v1/journal", (HttpContext context) => Read(context, async () =>
        {
            var (query, limit) = JournalQueryOf(context.Request.Query);
            var events = await desk.Journal(query, limit).ConfigureAwait(false);
            return Json(JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("events"u8);
                foreach (var e in events)
                {
                    JournalBrowse.Write(writer, e);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }, pretty: false));
        }));

        app.MapGet("/v1/journal/{seq:long}", (HttpContext context, long seq) => Read(context, async () =>
        {
            var (e, bundle, rules) = await desk.Event(seq).ConfigureAwait(false) ?? throw new NotFoundException($"The journal has no event {seq}.");
            return Json(JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WritePropertyName("event"u8);
                JournalBrowse.Write(writer, e);
                JsonText.Optional(writer, "bundle"u8, bundle);
                writer.WriteStartArray("explain"u8);
                foreach (var rule in rules)
                {
                    writer.WriteStartObject();
                    writer.WriteString("rule_id"u8, rule.RuleId);
                    writer.WritePropertyName("fired"u8);
                    JsonText.Value(writer, rule.Fired);
                    JsonText.Strings(writer, "lines"u8, rule.Lines);
                    JsonText.Optional(writer, "error"u8, rule.Error);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }, pretty: false));
        }));

        app.MapPost("/v1/tokens", (HttpContext context) => Run(context, Principals.RiskRole, "Issuing an execution token", async principal =>
        {
            using var body = await Body(context).ConfigureAwait(false);
            var fields = new JsonFields(body.RootElement, "request", "strategy_id", "symbol", "max_qty");
            var (token, secret) = await desk.IssueToken(fields.Id("strategy_id"), fields.Has("symbol") ? fields.String("symbol") : null, fields.OptionalNumber("max_qty"), principal).ConfigureAwait(false);
            context.Response.StatusCode = StatusCodes.Status201Created;
            return Json(JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WritePropertyName("token"u8);
                GovernanceJson.WriteToken(writer, token);
                writer.WriteString("secret"u8, secret);
                writer.WriteEndObject();
            }, pretty: false));
        }));

        app.MapPost("/v1/tokens/revoke", (HttpContext context) => Run(context, Principals.RiskRole, "Revoking execution tokens", async principal =>
        {
            using var body = await Body(context).ConfigureAwait(false);
            var fields = new JsonFields(body.RootElement, "request", "strategy_id", "id", "all", "reason");
            var id = fields.Has("id") ? fields.String("id") : null;
            if ((id is null) != (fields.Has("all") && fields.Bool("all")))
            {
                throw new FormatException("request: give either 'id' (one token) or \"all\": true (every active token of the strategy).");
            }

            var revoked = await desk.RevokeTokens(fields.Id("strategy_id"), id, principal, fields.String("reason")).ConfigureAwait(false);
            return Json(string.Create(CultureInfo.InvariantCulture, $$"""{"revoked":{{revoked}}}"""));
        }));
    }

    /// <summary><c>{"ledger": record, "assessment": {…}}</c>.</summary>
    private static void Assessed(Utf8JsonWriter writer, Assessment assessment)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("ledger"u8);
        writer.WriteRawValue(PolicyLedger.Json(assessment.Ledger));
        writer.WritePropertyName("assessment"u8);
        PromotionJson.Write(writer, assessment);
        writer.WriteEndObject();
    }

    private static readonly string[] Waits = ["approval", "evidence", "timer"];

    /// <summary>Runs a read: any principal may read; what is not there is a 404.</summary>
    private static Task Read(HttpContext context, Func<Task<IResult>> read) => Run(context, role: null, "Reading", _ => read());

    /// <summary>The list field <paramref name="name"/>, each item read by <paramref name="read"/>; a bad one is named by its place.</summary>
    private static List<T> Items<T>(JsonElement list, string name, Func<JsonElement, T> read)
    {
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            throw new FormatException($"request.{name}: expected a list of at least one.");
        }

        return [.. list.EnumerateArray().Select((item, i) => Item(i, name, () => read(item)))];
    }

    private static string? Key(JsonFields fields) => fields.Has("key") ? fields.String("key") : null;

    private static IResult Signal(SignalOutcome outcome) => Json(JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("key"u8, outcome.Key);
        writer.WriteBoolean("already_handled"u8, outcome.AlreadyHandled);
        Moved(writer, outcome.Moved);
        writer.WriteEndObject();
    }, pretty: false));

    private static void Moved(Utf8JsonWriter writer, IReadOnlyList<WorkflowInstance> moved)
    {
        writer.WriteStartArray("moved"u8);
        foreach (var instance in moved)
        {
            writer.WriteRawValue(instance.Json());
        }

        writer.WriteEndArray();
    }

    private static IResult Strategies(IReadOnlyList<StrategyReport> reports, Desk desk) => Json(JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("strategies"u8);
        foreach (var report in reports)
        {
            writer.WriteRawValue(Report(report, desk));
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty: false));

    private static string Report(StrategyReport report, Desk desk) => GovernanceJson.Report(report, desk.Settings.Governance!.Settings.BaseEquity);

    /// <summary><c>?stream=&amp;type=&amp;since=&amp;until=&amp;from=&amp;to=&amp;limit=</c>: which events, newest first, at most <c>limit</c> (default 100, at most <see cref="MaxEvents"/>).</summary>
    internal static (JournalQuery Query, int Limit) JournalQueryOf(IQueryCollection query)
    {
        string? Text(string name) => query[name].ToString() is { Length: > 0 } text ? text : null;
        long Seq(string name, long fallback) => Text(name) is not { } text ? fallback
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq >= 1 ? seq
            : throw new FormatException($"{name}: '{text}' is not a sequence number; write a whole number from 1.");
        DateTimeOffset? Time(string name) => Text(name) is { } text ? JsonFields.Timestamp(text, name) : null;
        var limit = Text("limit") is { } given
            ? int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxEvents ? n : throw new FormatException($"limit: '{given}' is not from 1 to {MaxEvents}.")
            : 100;
        return (new JournalQuery(Seq("from", 1), Seq("to", long.MaxValue), Text("stream"), Text("type") is { } type ? [type] : null, Time("since"), Time("until")), limit);
    }
}
