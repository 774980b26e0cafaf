using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

/// <summary>
/// The promotion log: a JSON line per applied ledger change, with the posture after it, for tools that follow a
/// file rather than the journal. The journal stays the record; the log is written after the change is durable.
/// </summary>
public static class PromotionLog
{
    public const string DefaultPath = "artifacts/governance/policy_promotions.log";

    public static void Append(string path, PolicyLedgerRecord record) => AppendLine(path, Line(record));

    /// <summary>The log's line for <paramref name="record"/>'s latest change.</summary>
    public static string Line(PolicyLedgerRecord record)
    {
        var last = record.History[^1];
        return JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("at"u8, last.At);
            writer.WriteNumber("seq"u8, record.Version);
            writer.WriteString("policy_id"u8, record.PolicyId);
            writer.WriteString("kind"u8, last.Kind);
            writer.WriteString("from"u8, last.From.Name());
            writer.WriteString("to"u8, last.To.Name());
            writer.WriteString("actor"u8, last.Actor);
            JsonText.Strings(writer, "approvals"u8, record.Approvals);
            writer.WritePropertyName("evidence_id"u8);
            JsonText.Value(writer, record.EvidenceId);
            writer.WriteString("current_stage"u8, record.CurrentStage.Name());
            JsonText.Strings(writer, "audit_gaps"u8, record.AuditGaps(record.DeclaredStage));
            writer.WriteEndObject();
        }, pretty: false);
    }

    /// <summary>Appends a line made by <see cref="Line"/>, creating the log's folder when needed.</summary>
    public static void AppendLine(string path, string line)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        File.AppendAllText(path, line + "\n");
    }
}
