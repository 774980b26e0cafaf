using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Signing;

/// <summary>One journaled act by a person, and whether its proof holds: <see cref="Problem"/> is null when it does.</summary>
/// <param name="By"><c>signature</c>, <c>principal</c> (authenticated by <c>serve</c>) or <c>none</c> (journaled before acts were signed).</param>
public sealed record AuditedAct(long Seq, string Time, string Type, string Actor, string By, string? KeyId, string? Problem);

/// <summary>
/// Checks, long after, who did what: every journaled vote, migration and kill switch reset whose proof is a
/// signature is verified again with the public keys a roles file lists for its actor, and its signed statement
/// must say what the event records (the same actor, act, instance, reason, …), so a signature cannot be moved to
/// another event.
/// </summary>
public static class SignatureAudit
{
    private static readonly Dictionary<string, string> Kinds = new(StringComparer.Ordinal)
    {
        [EventTypes.WorkflowApproved] = "vote",
        [EventTypes.WorkflowRejected] = "vote",
        [EventTypes.WorkflowMigrated] = "migrate",
        [GateJournal.ResetType] = "killswitch.reset",
    };

    public static IReadOnlyList<AuditedAct> Check(JournalStore store, WorkflowRoles roles) =>
        [.. Kinds.Keys.SelectMany(type => store.Read(type: type)).OrderBy(journaled => journaled.Seq).Select(journaled => Check(journaled, roles))];

    private static AuditedAct Check(JournalEvent journaled, WorkflowRoles roles)
    {
        using var document = JsonDocument.Parse(journaled.Payload);
        var payload = document.RootElement;
        var actor = payload.TryGetProperty("actor", out var named) && named.ValueKind == JsonValueKind.String ? named.GetString()! : "";
        if (!payload.TryGetProperty("proof", out var proof) || proof.ValueKind != JsonValueKind.Object)
        {
            return new AuditedAct(journaled.Seq, journaled.Time, journaled.Type, actor, "none", null, null);
        }

        var by = Text(proof, "by");
        var keyId = Text(proof, "key");
        string? Problem()
        {
            if (by == Proof.ByPrincipal)
            {
                return null;
            }

            if (by != Proof.BySignature || Text(proof, "statement") is not { } statement || Text(proof, "signature") is not { } signature || keyId is null)
            {
                return "its proof is not one RulesGate writes";
            }

            if (Act.Read(statement) is not { } act)
            {
                return "its signed statement is not one RulesGate writes";
            }

            if (act.Actor != actor || act.Kind != Kinds[journaled.Type] || (act.Kind == "vote" && journaled.Type != (Field(act, "vote") == "approve" ? EventTypes.WorkflowApproved : EventTypes.WorkflowRejected)))
            {
                return $"it was signed as a {act.Kind} by {act.Actor}, not as this {journaled.Type} by {actor}";
            }

            foreach (var (name, value) in act.Fields)
            {
                var recorded = name == "instance" ? journaled.Stream == $"{WorkflowInstance.Projection}:{value}"
                    : !payload.TryGetProperty(name, out var field) || field.ValueKind switch
                    {
                        JsonValueKind.String => field.GetString() == value,
                        JsonValueKind.Number => field.GetRawText() == value,
                        _ => false,
                    };
                if (!recorded)
                {
                    return $"its signed {name} '{value}' is not what the event records";
                }
            }

            var key = roles.KeysOf(actor).FirstOrDefault(listed => PersonKeys.Id(listed) == keyId);
            if (key is null)
            {
                return $"it was signed with key {keyId}, which {roles.Source} does not list for {actor}";
            }

            return PersonKeys.Verifies(key, act.Bytes, signature) ? null : $"its signature does not verify with {actor}'s key {keyId}";
        }

        return new AuditedAct(journaled.Seq, journaled.Time, journaled.Type, actor, by ?? "", keyId, Problem());
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Field(Act act, string name) => act.Fields.FirstOrDefault(field => field.Key == name).Value ?? "";
}
