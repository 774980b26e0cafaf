using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core.Application;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Api;

/// <summary>The journal, for anyone: <c>GET /v1/journal</c> (newest first, filtered) and <c>GET /v1/journal/{seq}</c> (one event, a decision with its rules explained).</summary>
internal static class JournalApi
{
    /// <summary>The most events one journal read returns.</summary>
    public const int MaxEvents = 1_000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/journal", Events).Require(role: null, "Reading");
        app.MapGet("/v1/journal/{seq:long}", Event).Require(role: null, "Reading");
    }

    private static async Task<IResult> Events(HttpContext context, GovernanceService service)
    {
        var (query, limit) = QueryOf(context.Request.Query);
        var events = await service.Journal(query, limit).ConfigureAwait(false);
        return Http.Json(JsonText.Write(writer =>
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
    }

    private static async Task<IResult> Event(long seq, GovernanceService service)
    {
        var (e, bundle, rules) = await service.Event(seq).ConfigureAwait(false) ?? throw new NotFoundException($"The journal has no event {seq}.");
        return Http.Json(JsonText.Write(writer =>
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
    }

    /// <summary><c>?stream=&amp;type=&amp;since=&amp;until=&amp;from=&amp;to=&amp;limit=</c>: which events, newest first, at most <c>limit</c> (default 100, at most <see cref="MaxEvents"/>).</summary>
    internal static (JournalQuery Query, int Limit) QueryOf(IQueryCollection query)
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
