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
/// Decisions are replayed a chunk at a time on every core; the rule files they need are compiled first, in order.
/// </summary>
public static class CapitalReplay
{
    private const int Chunk = 4096;

    /// <exception cref="FormatException"><paramref name="runId"/> names a run the journal has no decision of.</exception>
    public static ReplayReport Run(JournalStore store, RuleEngine engine, string? runId = null)
    {
        var gates = new Dictionary<string, CapitalGate>(StringComparer.Ordinal);
        var mismatches = new List<ReplayMismatch>();
        var replayed = 0;
        var filter = new EventFilter(runId is null ? null : $"run:{runId}", [GateJournal.DecisionType, GateJournal.MalformedType]);
        foreach (var chunk in store.Read(filter).Chunk(Chunk))
        {
            var recorded = chunk.Select(Recorded.Of).ToArray();
            foreach (var decision in recorded.Where(r => r.BundleHash is not null))
            {
                Gate(store.Blob, engine, gates, decision.Bundle!, decision.BundleHash!);
            }

            mismatches.AddRange(InOrder(recorded, decision => decision.Replay(gates)).OfType<ReplayMismatch>());
            replayed += recorded.Length;
        }

        if (runId is not null && replayed == 0)
        {
            throw new FormatException($"The journal has no decision of run '{runId}'; 'rulesgate journal show --type {GateJournal.DecisionType}' lists the runs it has (streams run:…).");
        }

        return new ReplayReport(replayed, mismatches);
    }

    /// <summary>
    /// <paramref name="judge"/> applied to every item on every core, the results in the items' order; when some throw,
    /// the first of them in that order is thrown, as judging them one by one would meet it.
    /// </summary>
    internal static TResult[] InOrder<TItem, TResult>(IReadOnlyList<TItem> items, Func<TItem, TResult> judge)
    {
        var results = new TResult[items.Count];
        var failed = new Exception?[items.Count];
        Parallel.For(0, items.Count, i =>
        {
            try
            {
                results[i] = judge(items[i]);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                failed[i] = error;
            }
        });

        if (failed.FirstOrDefault(error => error is not null) is { } first)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }

        return results;
    }

    /// <summary>The SHA-256 of the rule file a recorded decision names; null for any other event.</summary>
    public static string? BundleHashOf(JournalEvent e)
    {
        if (e.Type != GateJournal.DecisionType)
        {
            return null;
        }

        using var document = JsonDocument.Parse(e.Payload);
        return document.RootElement.GetProperty("bundle_hash").GetString();
    }

    /// <summary>
    /// Every rule of the rule file that made a recorded decision, explained on the decision's request: whether it
    /// fired and the value of each operand. The rule file is the journal's copy (<paramref name="blobOf"/>), checked
    /// against its hash; compiling it needs no journal, so a host can do it away from its writer.
    /// </summary>
    /// <exception cref="FormatException">The event is not a capital decision.</exception>
    public static (string Bundle, IReadOnlyList<RuleExplanation> Rules) Explain(Func<string, byte[]?> blobOf, RuleEngine engine, JournalEvent e)
    {
        if (e.Type != GateJournal.DecisionType)
        {
            throw new FormatException($"Event {e.Seq} is a {e.Type}, not a {GateJournal.DecisionType}; only capital decisions are explained.");
        }

        using var document = JsonDocument.Parse(e.Payload);
        var payload = document.RootElement;
        var (bundle, hash) = (payload.GetProperty("bundle").GetString()!, payload.GetProperty("bundle_hash").GetString()!);
        var gates = new Dictionary<string, CapitalGate>(StringComparer.Ordinal);
        Gate(blobOf, engine, gates, bundle, hash);
        var rules = gates[hash].Bundle;
        return (bundle, RuleExplainer.Explain(rules, rules.Kind.ReadContext(payload.GetProperty("request"), rules.File)));
    }

    /// <summary>The request a recorded capital decision was made on, as the rules saw it.</summary>
    /// <exception cref="FormatException">The event is not a capital decision.</exception>
    public static CapitalContext RequestOf(JournalEvent e) => e.Type == GateJournal.DecisionType
        ? Recorded.Of(e).Context()
        : throw new FormatException($"Event {e.Seq} is a {e.Type}, not a {GateJournal.DecisionType}; only capital decisions have a request.");

    /// <summary>Compiles, once, the rule file <paramref name="hash"/> names from the journal's copy, checked against its hash.</summary>
    internal static void Gate(Func<string, byte[]?> blobOf, RuleEngine engine, Dictionary<string, CapitalGate> gates, string bundle, string hash)
    {
        if (gates.ContainsKey(hash))
        {
            return;
        }

        var bytes = blobOf(hash) ?? throw JournalException.Missing($"The journal lacks the rule file {bundle} that made a decision.");
        if (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)) != hash)
        {
            // Never replay with rules other than the recorded ones.
            throw JournalException.Missing($"The journal's copy of the rule file {bundle} was altered (its bytes no longer hash to {hash[..12]}); it is not used.");
        }

        var compiled = CapitalPolicies.Compile(engine, bundle, bytes);
        gates[hash] = new CapitalGate(compiled.Value ?? throw JournalException.Missing($"The recorded rule file {bundle} no longer compiles: {compiled.Diagnostics[0]}"));
    }

    /// <summary>
    /// One recorded decision or malformed line, read from its payload: for a decision its rule file, its request and
    /// the decision as recorded (its CBOR, or its JSON text for a decision journaled as JSON).
    /// </summary>
    internal sealed record Recorded(JournalEvent Event, string? Bundle, string? BundleHash, ReadOnlyMemory<byte> Request, ReadOnlyMemory<byte> Decision)
    {
        public static Recorded Of(JournalEvent e)
        {
            if (e.Type != GateJournal.DecisionType)
            {
                return new Recorded(e, null, null, default, default);
            }

            if (e.Cbor is not { } cbor)
            {
                using var document = JsonDocument.Parse(e.Payload);
                var payload = document.RootElement;
                return new Recorded(e, payload.GetProperty("bundle").GetString(), payload.GetProperty("bundle_hash").GetString(), default, default);
            }

            string? bundle = null, bundleHash = null;
            ReadOnlyMemory<byte> request = default, decision = default;
            try
            {
                var reader = new CborSpan(cbor.Span);
                for (var count = reader.Count(5, "the payload"); count > 0; count--)
                {
                    var key = reader.Text("a key");
                    var at = reader.Position;
                    var value = reader.Skip();
                    if (key.SequenceEqual("bundle"u8) || key.SequenceEqual("bundle_hash"u8))
                    {
                        var text = new CborSpan(value).Text("a rule file");
                        (key.SequenceEqual("bundle"u8) ? ref bundle : ref bundleHash) = System.Text.Encoding.UTF8.GetString(text);
                    }
                    else if (key.SequenceEqual("request"u8))
                    {
                        request = cbor.Slice(at, value.Length);
                    }
                    else if (key.SequenceEqual("decision"u8))
                    {
                        decision = cbor.Slice(at, value.Length);
                    }
                }
            }
            catch (FormatException error)
            {
                throw new JsonException($"the payload of event {e.Seq} is not a decision ({error.Message})", error);
            }

            return bundle is null || bundleHash is null || request.IsEmpty || decision.IsEmpty
                ? throw new JsonException($"the payload of event {e.Seq} lacks its bundle, request or decision")
                : new Recorded(e, bundle, bundleHash, request, decision);
        }

        /// <summary>The request the decision was made on.</summary>
        public CapitalContext Context()
        {
            if (Decision.IsEmpty)
            {
                using var document = JsonDocument.Parse(Event.Payload);
                return CapitalContextJson.ReadRequest(document.RootElement.GetProperty("request"));
            }

            return CborDocument.ReadAsJson(Request, CapitalContextJson.ReadRequest);
        }

        /// <summary>Replays it; the mismatch, or null when it is reproduced.</summary>
        public ReplayMismatch? Replay(Dictionary<string, CapitalGate> gates)
        {
            if (BundleHash is null)
            {
                using var malformed = JsonDocument.Parse(Event.Payload);
                var (line, expected, actual) = Malformed(malformed.RootElement);
                return expected == actual ? null : new ReplayMismatch(Event.Seq, line, expected, actual);
            }

            var gate = gates[BundleHash];
            var context = Context();
            if (Decision.IsEmpty)
            {
                using var document = JsonDocument.Parse(Event.Payload);
                var replayed = JsonText.Write(writer => CapitalJson.WriteDecision(writer, gate.Decide(context), withTiming: false), pretty: false);
                var recorded = document.RootElement.GetProperty("decision").GetRawText();
                return recorded == replayed ? null : new ReplayMismatch(Event.Seq, context.Intent.IntentId, recorded, replayed);
            }

            var decision = gate.Decide(context);
            var again = CborDocument.Write(writer => CapitalJson.WriteDecision(writer, decision, withTiming: false));
            return again.AsSpan().SequenceEqual(Decision.Span)
                ? null
                : new ReplayMismatch(Event.Seq, context.Intent.IntentId, CborDocument.ToJson(Decision), CborDocument.ToJson(again));
        }
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
