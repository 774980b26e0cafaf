using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Application;

/// <summary>Which events <c>journal export</c> and <c>journal show</c> take: by sequence range, stream, type and time.</summary>
/// <param name="Since">Only events at or after this UTC time.</param>
/// <param name="Until">Only events before this UTC time.</param>
/// <param name="Bookkeeping">Whether the journal's own bookkeeping (<c>journal.projected</c>, <c>journal.blob</c>) is taken too; the console leaves it out unless asked.</param>
public sealed record JournalQuery(long From = 1, long To = long.MaxValue, string? Stream = null, IReadOnlyList<string>? Types = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null, bool Bookkeeping = true)
{
    public IEnumerable<JournalEvent> Run(JournalStore store) =>
        store.Read(new EventFilter(Stream, Types is { Count: > 0 } ? Types : null, From, To))
            .Where(e => Bookkeeping || !JournalBrowse.IsBookkeeping(e.Type))
            .Where(e => (Since is null && Until is null) || (JsonFields.Timestamp(e.Time, $"event {e.Seq}") is var at && (Since is null || at >= Since) && (Until is null || at < Until)));
}

/// <summary>The journal for humans and other tools: JSON lines, and a readable one-line-per-event view.</summary>
public static class JournalBrowse
{
    /// <summary>One JSON object per event and line: seq, stream, type, time, payload (as JSON), prev_hash, hash.</summary>
    public static void Export(IEnumerable<JournalEvent> events, TextWriter output)
    {
        foreach (var e in events)
        {
            output.Write(JsonText.Write(writer => Write(writer, e), pretty: false));
            output.Write('\n');
        }
    }

    /// <summary>One event as <see cref="Export"/> writes it: seq, stream, type, time, payload (as JSON), prev_hash, hash.</summary>
    public static void Write(Utf8JsonWriter writer, JournalEvent e)
    {
        writer.WriteStartObject();
        writer.WriteNumber("seq"u8, e.Seq);
        writer.WriteString("stream"u8, e.Stream);
        writer.WriteString("type"u8, e.Type);
        writer.WriteString("time"u8, e.Time);
        writer.WritePropertyName("payload"u8);
        writer.WriteRawValue(e.Payload);
        writer.WriteString("prev_hash"u8, e.PrevHash);
        writer.WriteString("hash"u8, e.Hash);
        writer.WriteEndObject();
    }

    /// <summary>One line per event: its number, time, type, stream, and what happened, who did it and under which bundle.</summary>
    public static string Line(JournalEvent e) => $"{e.Seq,7}  {e.Time[..19]}Z  {e.Type,-22} {e.Stream,-36} {Summary(e)}";

    /// <summary>Whether events of <paramref name="type"/> are the journal's own bookkeeping (projection hashes, blobs kept), not something that happened.</summary>
    public static bool IsBookkeeping(string type) => type is EventTypes.JournalProjected or EventTypes.JournalBlob;

    /// <summary>
    /// What happened, in a line: for the events people read most (workflow moves, votes, notices, rule changes, shadow
    /// evaluation, bookkeeping) in words of their own; for others, the fields of the payload people look for first,
    /// when it has them: what, who, why, and which rule file.
    /// </summary>
    public static string Summary(JournalEvent e)
    {
        try
        {
            using var payload = JsonDocument.Parse(e.Payload);
            var root = payload.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "";
            }

            if (Specific(e.Type, root) is { } said)
            {
                return said;
            }

            if (Decision(e.Type, root) is { } decided)
            {
                return decided;
            }

            var parts = new List<string>();
            void Add(string label, params string[] path)
            {
                var value = root;
                foreach (var name in path)
                {
                    if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
                    {
                        return;
                    }
                }

                var text = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                    _ => null,
                };
                if (!string.IsNullOrEmpty(text))
                {
                    parts.Add(label.Length == 0 ? text : $"{label} {text}");
                }
            }

            Add("intent", "request", "intent", "intent_id");
            Add("", "decision", "decision");
            Add("", "decision", "action");
            Add("", "decision", "status");
            Add("", "decision", "reason");
            Add("", "action");
            Add("policy", "policy_id");
            Add("patch", "patch_id");
            Add("", "target");
            Add("", "component");
            Add("ok", "ok");
            Add("kind", "kind");
            Add("strategy", "strategy");
            Add("subject", "subject");
            Add("", "from");
            Add("→", "to");
            Add("by", "actor");
            Add("", "reason");
            Add("", "cause");
            Add("bundle", "bundle");
            return string.Join("  ", parts);
        }
        catch (JsonException)
        {
            return "(payload is not JSON)";
        }
    }

    /// <summary>
    /// An order's decision as the desk reads it, verdict first: <c>MODIFY buy 100 MSFT → 25 · trend · intent demo-001 ·
    /// fired EXP-001 · under capital-default@1#23b0bf937eca</c>; a governance decision with its action, the size it
    /// leaves and why. Null for a payload of another shape (an older RulesGate), which the general line then says.
    /// </summary>
    private static string? Decision(string type, JsonElement root) => Glance(type, root) is not { } glance ? null
        : $"{glance.Verdict} {glance.Order}{(glance.Leaves is { } leaves ? $" → {leaves}" : "")} · {glance.Strategy} · intent {glance.Intent}"
          + (glance.Fired.Count == 0 ? "" : $" · fired {string.Join(", ", glance.Fired)}") + (glance.Tripped ? " · tripped the kill switch" : "")
          + (glance.Reason is { Length: > 0 } reason ? $" · {reason}" : "") + (glance.Bundle is { Length: > 0 } bundle ? $" · under {bundle}" : "");

    /// <summary>A decision event's parts a reader takes in first (<see cref="DecisionGlance"/>); null for another event, or a payload of another shape.</summary>
    public static DecisionGlance? Glance(JournalEvent e)
    {
        try
        {
            using var payload = JsonDocument.Parse(e.Payload);
            return Glance(e.Type, payload.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static DecisionGlance? Glance(string type, JsonElement root)
    {
        if (type is not (EventTypes.GateDecision or EventTypes.GovernanceDecision) || root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.Object || !request.TryGetProperty("intent", out var intent) || intent.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("decision", out var decision) || decision.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        static string Text(JsonElement parent, string name) => parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";
        static string Quantity(JsonElement parent, string name) =>
            parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? DeskNumbers.Quantity(value.GetDouble()) : "?";
        var symbol = intent.TryGetProperty("instrument", out var instrument) && instrument.ValueKind == JsonValueKind.Object ? Text(instrument, "symbol") : "";
        var order = $"{Text(intent, "side")} {Quantity(intent, "qty")} {symbol}";
        if (type == EventTypes.GovernanceDecision)
        {
            var left = Quantity(decision, "qty");
            return new DecisionGlance(Text(decision, "action"), order, left == Quantity(intent, "qty") ? null : left, Text(intent, "strategy_id"), Text(intent, "intent_id"), [], false, Text(decision, "reason"), null);
        }

        var fired = decision.TryGetProperty("violations", out var violations) && violations.ValueKind == JsonValueKind.Array
            ? violations.EnumerateArray().Where(violation => violation.ValueKind == JsonValueKind.Object).Select(violation => Text(violation, "rule_id")).ToList()
            : [];
        return new DecisionGlance(
            Text(decision, "decision"), order,
            decision.TryGetProperty("modified_intent", out var to) && to.ValueKind == JsonValueKind.Object ? Quantity(to, "qty") : null,
            Text(intent, "strategy_id"), Text(intent, "intent_id"), fired,
            decision.TryGetProperty("kill_switch_triggered", out var trip) && trip.ValueKind == JsonValueKind.True,
            null, Text(root, "bundle"));
    }

    /// <summary>The line of an event that has words of its own; null for the rest.</summary>
    private static string? Specific(string type, JsonElement root)
    {
        string T(string name) => root.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(item => item.ToString())),
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            _ => value.GetRawText(),
        } : "";
        string Then(string prefix, string name) => T(name) is { Length: > 0 } text ? prefix + text : "";
        return type switch
        {
            EventTypes.WorkflowStarted => $"{T("instance")} started in {T("state")}, requested by {T("requester")}",
            EventTypes.WorkflowEntered => $"{T("instance")}: {(T("from") is { Length: > 0 } from ? from : "start")} → {T("state")} by {T("actor")} ({T("cause")}){Then(": ", "detail")}",
            EventTypes.WorkflowApproved => $"{T("instance")}: approved in {T("state")} by {T("actor")} ({T("role")}){Then(": ", "reason")}",
            EventTypes.WorkflowRejected => $"{T("instance")}: rejected in {T("state")} by {T("actor")} ({T("role")}){Then(": ", "reason")}",
            EventTypes.WorkflowEscalated => $"{T("instance")}: no decision in {T("state")} since {T("waiting_since")}; escalated to {T("to")}",
            EventTypes.WorkflowNotice => $"{T("instance")}: {T("text")}",
            EventTypes.RulesProposed => $"{T("identity")} proposed for {T("file")} by {T("requester")}{Then("; live no earlier than ", "live_at")}{Then("; ", "assessed")}",
            EventTypes.RulesApproved or EventTypes.RulesRejected => $"{T("identity")} {T("status")}{Then(": ", "settled_by")}",
            EventTypes.RulesChanged => $"{T("identity")} live in {T("file")} (was {T("live")})",
            EventTypes.ShadowStarted => $"{T("candidate")} judges in shadow beside {T("live")}, started by {T("by")}",
            EventTypes.ShadowStopped => $"{T("candidate")} stopped by {T("by")}: {T("judged")} judged, {T("disagreed")} decided otherwise, {T("dropped")} dropped",
            EventTypes.ShadowDisagreed => $"intent {T("intent_id")}: live {T("live_summary")}; {T("candidate")} {T("shadow_summary")}",
            EventTypes.JournalProjected => "bookkeeping: the hash of the projection documents this transaction set",
            EventTypes.JournalBlob => $"bookkeeping: content kept under {T("sha256")} ({T("bytes")} bytes)",
            _ => null,
        };
    }
}

/// <summary>An order's decision in the parts a reader takes in first, its numbers as the desk writes them.</summary>
/// <param name="Verdict">The capital gate's verdict (ALLOW, MODIFY, DENY), or the governance gate's action.</param>
/// <param name="Order">Side, quantity and symbol: <c>buy 100 MSFT</c>.</param>
/// <param name="Leaves">The quantity the decision leaves when it is not the one asked for; null when it is.</param>
/// <param name="Fired">The capital rules that fired, in order.</param>
/// <param name="Tripped">Whether it tripped the kill switch.</param>
/// <param name="Reason">A governance decision's reason; null for a capital one.</param>
/// <param name="Bundle">The capital rule file that decided (<c>id@version#sha</c>); null for a governance decision.</param>
public sealed record DecisionGlance(string Verdict, string Order, string? Leaves, string Strategy, string Intent, IReadOnlyList<string> Fired, bool Tripped, string? Reason, string? Bundle);
