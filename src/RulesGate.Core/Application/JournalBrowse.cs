using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Application;

/// <summary>Which events <c>journal export</c> and <c>journal show</c> take: by sequence range, stream, type and time.</summary>
/// <param name="Since">Only events at or after this UTC time.</param>
/// <param name="Until">Only events before this UTC time.</param>
public sealed record JournalQuery(long From = 1, long To = long.MaxValue, string? Stream = null, IReadOnlyList<string>? Types = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null)
{
    public IEnumerable<JournalEvent> Run(JournalStore store) =>
        store.Read(new EventFilter(Stream, Types is { Count: > 0 } ? Types : null, From, To))
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

    /// <summary>The fields of a payload people look for first, when it has them: what, who, why, and which rule file.</summary>
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
}
