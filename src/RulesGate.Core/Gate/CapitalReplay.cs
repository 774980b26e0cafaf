using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Gate;

/// <summary>One recorded decision that a replay no longer reproduces.</summary>
public sealed record ReplayMismatch(long Seq, string IntentId, string Recorded, string Replayed);

/// <summary>What a replay found.</summary>
public sealed record ReplayReport(int Replayed, IReadOnlyList<ReplayMismatch> Mismatches)
{
    public bool Matches => Mismatches.Count == 0;
}

/// <summary>
/// Re-evaluates every recorded decision with the exact rule file that made it (its bytes are in the journal) and
/// compares the result byte for byte, timing aside. Malformed lines must still be refused for the same reason.
/// </summary>
public static class CapitalReplay
{
    public static ReplayReport Run(JournalStore store, RuleEngine engine, string? runId = null)
    {
        var gates = new Dictionary<string, CapitalGate>(StringComparer.Ordinal);
        var mismatches = new List<ReplayMismatch>();
        var replayed = 0;
        var stream = runId is null ? null : $"run:{runId}";
        foreach (var recorded in store.Read(stream))
        {
            if (recorded.Type is not (GateJournal.DecisionType or GateJournal.MalformedType))
            {
                continue;
            }

            replayed++;
            using var document = JsonDocument.Parse(recorded.Payload);
            var payload = document.RootElement;
            var (id, expected, actual) = recorded.Type == GateJournal.DecisionType
                ? Decision(store, engine, gates, payload)
                : Malformed(payload);
            if (expected != actual)
            {
                mismatches.Add(new ReplayMismatch(recorded.Seq, id, expected, actual));
            }
        }

        return new ReplayReport(replayed, mismatches);
    }

    private static (string Id, string Expected, string Actual) Decision(JournalStore store, RuleEngine engine, Dictionary<string, CapitalGate> gates, JsonElement payload)
    {
        var hash = payload.GetProperty("bundle_hash").GetString()!;
        if (!gates.TryGetValue(hash, out var gate))
        {
            var bytes = store.Blob(hash) ?? throw JournalException.Missing($"The journal lacks the rule file {payload.GetProperty("bundle").GetString()} that made a decision.");
            if (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)) != hash)
            {
                // Never replay with rules other than the recorded ones.
                throw JournalException.Missing($"The journal's copy of the rule file {payload.GetProperty("bundle").GetString()} was altered (its bytes no longer hash to {hash[..12]}); it is not used.");
            }

            var compiled = CapitalPolicies.Compile(engine, payload.GetProperty("bundle").GetString()!, bytes);
            gate = new CapitalGate(compiled.Value ?? throw JournalException.Missing($"The recorded rule file {payload.GetProperty("bundle").GetString()} no longer compiles: {compiled.Diagnostics[0]}"));
            gates[hash] = gate;
        }

        var context = CapitalContextJson.ReadRequest(payload.GetProperty("request"));
        var decision = gate.Decide(context);
        var actual = JsonText.Write(writer => CapitalJson.WriteDecision(writer, decision, withTiming: false), pretty: false);
        return (context.Intent.IntentId, payload.GetProperty("decision").GetRawText(), actual);
    }

    private static (string Id, string Expected, string Actual) Malformed(JsonElement payload)
    {
        var line = payload.GetProperty("line").GetInt32();
        string actual;
        try
        {
            using var document = JsonDocument.Parse(payload.GetProperty("text").GetString()!);
            CapitalContextJson.ReadIntent(document.RootElement);
            actual = "a valid intent";
        }
        catch (Exception error) when (error is JsonException or FormatException)
        {
            actual = error.Message;
        }

        return ($"line-{line}", payload.GetProperty("reason").GetString()!, actual);
    }
}
