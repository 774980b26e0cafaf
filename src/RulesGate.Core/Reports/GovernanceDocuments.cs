using System.Globalization;
using System.Text.Json;
using HandlebarsDotNet;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;

namespace RulesGate.Core.Reports;

/// <summary>
/// Markdown for compliance, rendered from Handlebars templates a user can edit: <c>templates/NAME</c> when it
/// exists, else the copy built into RulesGate. Values reach templates as text, already formatted.
/// </summary>
public static class GovernanceDocuments
{
    public const string SummaryTemplate = "promotion_summary.md.hbs";
    public const string ChangelogTemplate = "changelog.md.hbs";

    private static readonly string[] ChangeTypes = ["ledger.promoted", "ledger.demoted", "ledger.updated", GateJournal.TrippedType, GateJournal.ResetType];

    /// <summary>The summary of a record's latest transition.</summary>
    public static string PromotionSummary(PolicyLedgerRecord record, string templates = "templates")
    {
        var last = record.History[^1];
        var model = new Dictionary<string, object?>
        {
            ["policy_id"] = record.PolicyId,
            ["kind"] = last.Kind,
            ["from"] = last.From.Name(),
            ["to"] = last.To.Name(),
            ["actor"] = last.Actor,
            ["at"] = last.At,
            ["approvals"] = record.Approvals,
            ["evidence_id"] = record.EvidenceId,
            ["current_stage"] = record.CurrentStage.Name(),
            ["declared_stage"] = record.DeclaredStage.Name(),
            ["audit_stage"] = record.AuditStage.Name(),
            ["audit_gaps"] = record.AuditGaps(record.DeclaredStage),
            ["seq"] = record.Version.ToString(CultureInfo.InvariantCulture),
            ["checklist"] = record.Checklist.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new Dictionary<string, object?> { ["item"] = pair.Key, ["status"] = pair.Value }).ToList(),
            ["policy_delta"] = last.PolicyDelta,
            ["history"] = record.History.Select(t => new Dictionary<string, object?>
            {
                ["at"] = t.At, ["kind"] = t.Kind, ["from"] = t.From.Name(), ["to"] = t.To.Name(), ["actor"] = t.Actor,
                ["approvals"] = t.Approvals.Count == 0 ? "none" : string.Join(", ", t.Approvals),
            }).ToList(),
        };
        return Render(templates, SummaryTemplate, model);
    }

    /// <summary>Every governance change in the journal, oldest first: promotions, demotions, kill switch trips and resets, and each rule bundle's first decision.</summary>
    public static string Changelog(JournalStore store, string templates = "templates")
    {
        var changes = new List<(long Seq, Dictionary<string, object?> Row)>();
        foreach (var change in store.Read(new EventFilter(Types: ChangeTypes)))
        {
            using var payload = JsonDocument.Parse(change.Payload);
            changes.Add((change.Seq, Change(change.Type, change.Time, payload.RootElement)));
        }

        var bundles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var decision in store.Read(EventFilter.OfType(GateJournal.DecisionType)))
        {
            if (Bundle(decision.Payload) is { } bundle && bundles.Add(bundle))
            {
                changes.Add((decision.Seq, Row(decision.Time, "rule bundle", bundle, "first decision", "", "")));
            }
        }

        var rows = changes.OrderBy(change => change.Seq).Select(change => change.Row).ToList();
        return Render(templates, ChangelogTemplate, new Dictionary<string, object?> { ["count"] = rows.Count.ToString(CultureInfo.InvariantCulture), ["changes"] = rows });
    }

    /// <summary>The <c>bundle</c> a decision's payload names, read without building the rest of it.</summary>
    private static string? Bundle(string payload)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(payload));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isBundle = reader.ValueTextEquals("bundle"u8);
            reader.Read();
            if (isBundle)
            {
                return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }

            reader.Skip();
        }

        return null;
    }

    private static Dictionary<string, object?> Change(string type, string time, JsonElement payload)
    {
        string Text(string name) => payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
        if (type.StartsWith("ledger.", StringComparison.Ordinal))
        {
            var approvals = payload.GetProperty("approvals").EnumerateArray().Select(item => item.GetString()).ToList();
            var why = $"approvals {(approvals.Count == 0 ? "none" : string.Join(", ", approvals))}; evidence {(Text("evidence_id") is { Length: > 0 } evidence ? evidence : "none")}";
            return Row(time, Text("kind"), Text("policy_id"), $"{Text("from")} → {Text("to")}", Text("actor"), why);
        }

        return type == GateJournal.TrippedType
            ? Row(time, "kill switch tripped", "killswitch", "on", "gate", Text("cause"))
            : Row(time, "kill switch reset", "killswitch", "off", Text("actor"), Text("reason"));
    }

    private static Dictionary<string, object?> Row(string at, string what, string subject, string change, string actor, string why) => new()
    {
        ["at"] = at, ["what"] = what, ["subject"] = subject, ["change"] = change, ["actor"] = actor.Length == 0 ? "-" : actor, ["why"] = why.Length == 0 ? "-" : why.Replace("|", "\\|", StringComparison.Ordinal),
    };

    /// <summary>Whether <paramref name="name"/> is a template of <paramref name="templates"/> or built in.</summary>
    public static bool Exists(string name, string templates = "templates") =>
        File.Exists(Path.Combine(templates, name)) || typeof(GovernanceDocuments).Assembly.GetManifestResourceInfo($"RulesGate.Templates.{name}") is not null;

    /// <summary>Any template of <c>templates/</c> (or built in) with a model of text values.</summary>
    public static string Render(string name, IReadOnlyDictionary<string, object?> model, string templates = "templates") => Render(templates, name, model);

    /// <exception cref="FormatException">The template does not compile; names the file.</exception>
    private static string Render(string folder, string name, object model)
    {
        var path = Path.Combine(folder, name);
        string source;
        if (File.Exists(path))
        {
            source = System.Text.Encoding.UTF8.GetString(InputFile.Read(path, 1 << 20));
        }
        else
        {
            using var stream = typeof(GovernanceDocuments).Assembly.GetManifestResourceStream($"RulesGate.Templates.{name}")
                ?? throw new FileNotFoundException($"{path}: no such template, and none is built in.");
            using var text = new StreamReader(stream);
            source = text.ReadToEnd();
            path = $"{name} (built in)";
        }

        try
        {
            var handlebars = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true, FormatProvider = CultureInfo.InvariantCulture });
            return handlebars.Compile(source)(model);
        }
        catch (HandlebarsException error)
        {
            throw new FormatException($"{path}: the template does not render: {error.Message}", error);
        }
    }
}
