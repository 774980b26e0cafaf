using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;
using RulesGate.Core.Signing;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Gate;

/// <summary>
/// How the gate writes to the journal: each decision with its full request and the bundle that made it (the
/// rule file's bytes kept once per hash), malformed input with its reason, and the kill switch's trips and resets
/// with the projection that latches it.
/// </summary>
public static class GateJournal
{
    public const string DecisionType = EventTypes.GateDecision;
    public const string MalformedType = EventTypes.GateMalformed;
    public const string TrippedType = EventTypes.KillSwitchTripped;
    public const string ResetType = EventTypes.KillSwitchReset;
    /// <summary>The kill switch's stream, and its projection: one document, whose id is empty.</summary>
    public const string KillSwitchKey = "killswitch";

    /// <summary>
    /// The event for one decision as the gate made it; <paramref name="windowTrip"/> says the stream's violation
    /// count then tripped the kill switch. Its payload is CBOR (<see cref="CborDocument"/>): what a decision's JSON
    /// would say, written without formatting a number.
    /// </summary>
    public static JournalEntry Decision(CapitalGate gate, CapitalContext context, CapitalDecision decision, string? runId, bool windowTrip = false)
    {
        var payload = CborDocument.Write(writer =>
        {
            writer.WriteStartObject();
            if (runId is not null)
            {
                writer.WriteString("run_id"u8, runId);
            }

            writer.WriteString("bundle"u8, gate.Bundle.Identity);
            writer.WriteString("bundle_hash"u8, gate.Bundle.File.Hash);
            writer.WritePropertyName("request");
            CapitalJson.WriteRequest(writer, context);
            writer.WritePropertyName("decision");
            CapitalJson.WriteDecision(writer, decision, withTiming: false);
            writer.WriteBoolean("window_trip"u8, windowTrip);
            writer.WriteNumber("eval_us"u8, Math.Round(decision.EvalMicros, 3));
            writer.WriteEndObject();
        });
        return JournalEntry.OfCbor(runId is null ? "gate" : $"run:{runId}", DecisionType, payload);
    }

    /// <summary>The rule file's bytes under its hash, stored with the first decision that used it.</summary>
    public static KeyValuePair<string, byte[]> Bundle(CapitalGate gate) => new(gate.Bundle.File.Hash, gate.Bundle.File.Bytes);

    public static JournalEntry Malformed(string? runId, int line, string text, string reason) =>
        EventPayload.Entry(runId is null ? "gate" : $"run:{runId}", new OrderMalformed(runId, line, text, reason));

    /// <summary>Appends a decision; when it trips the kill switch, the trip and the latch go in the same transaction.</summary>
    /// <param name="also">Further events of the same order (its governance decision), in the same transaction.</param>
    /// <param name="alsoBlobs">The rule files those events used.</param>
    /// <returns>The decision's event, with its sequence number.</returns>
    public static JournalEvent Record(JournalStore store, CapitalGate gate, CapitalContext context, CapitalDecision decision, string? runId, bool windowTrip = false, IReadOnlyList<JournalEntry>? also = null, IReadOnlyList<KeyValuePair<string, byte[]>>? alsoBlobs = null) =>
        Append(store, [Decision(gate, context, decision, runId, windowTrip), .. also ?? []], decision.KillSwitchTriggered || windowTrip ? Trip(decision, windowTrip) : null, [Bundle(gate), .. alsoBlobs ?? []])[0];

    public static void RecordMalformed(JournalStore store, string? runId, int line, string text, string reason, string? tripCause) =>
        Append(store, [Malformed(runId, line, text, reason)], tripCause, []);

    /// <summary>
    /// Turns the kill switch off, journaled with who and why and the proof that it was them: the reset is signed
    /// over the kill switch's last event, so a signature resets that trip and no later one.
    /// </summary>
    /// <exception cref="SignatureRefusedException">The reset does not prove it is the actor's.</exception>
    public static KillSwitchState Reset(JournalStore store, Actor actor, string reason, WorkflowRoles roles)
    {
        reason = Identities.Text(reason, "reason");
        var was = State(store);
        var last = store.Read(KillSwitchKey).LastOrDefault()?.Seq ?? 0;
        var proof = actor.Prove(ResetAct(actor.Name, reason, last), roles);
        var cause = $"reset by {actor.Name}: {reason}";
        store.Append([EventPayload.Entry(KillSwitchKey, new KillSwitchReset(actor.Name, reason, was.Active, last, proof))], project: (scope, events) =>
            scope.Store(KillSwitchKey, "", StateJson(new KillSwitchState(false, null, cause)), events[^1].Seq));
        return State(store);
    }

    /// <summary>What a reset of the kill switch says, for its actor to sign: why, and the kill switch event it follows.</summary>
    public static Act ResetAct(string actor, string reason, long after) =>
        new("killswitch.reset", actor, [new("reason", reason), new("after", after.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    /// <summary>
    /// The latch, failing closed: its projection row must agree with the last kill switch event (the one that
    /// set it, and on or off as that event says). A row that is missing, extra, malformed or out of step with
    /// the events reads as ACTIVE, and stays so until an attributed reset.
    /// </summary>
    public static KillSwitchState State(JournalStore store)
    {
        var last = store.Read(KillSwitchKey).LastOrDefault();
        var row = store.Load(KillSwitchKey, "");
        if (last is null && row is null)
        {
            return KillSwitchState.Off;
        }

        KillSwitchState? projected = null;
        try
        {
            projected = row is not null ? Parse(row.Value) : null;
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // Malformed: falls through to the disagreement below.
        }

        if (last is not null && projected is not null && row!.Seq == last.Seq && projected.Active == (last.Type == TrippedType))
        {
            return projected;
        }

        var since = last?.Type == TrippedType ? last.Time : null;
        return new KillSwitchState(true, since, $"the journal's kill switch row disagrees with its events ({(row is null ? "the row is missing" : projected is null ? "the row is malformed" : last is null ? "no event set it" : $"it was set by event {row.Seq}, the last kill switch event is {last.Seq}")}); every order is denied until an attributed reset");
    }

    /// <summary>Why <paramref name="decision"/> tripped the kill switch, for its trip event.</summary>
    internal static string Trip(CapitalDecision decision, bool windowTrip) => decision.KillSwitchTriggered
        ? $"{string.Join(", ", decision.Violations.Select(v => v.RuleId))} at intent {decision.IntentId}"
        : $"violations in the window reached the limit at intent {decision.IntentId}";

    /// <summary>
    /// Appends <paramref name="entries"/> in one transaction, with the token an order used (checked again inside it)
    /// and, when <paramref name="tripCause"/> trips a kill switch that is not on yet, the trip and its latch.
    /// </summary>
    /// <exception cref="Governance.TokenRefusedException">The token was used meanwhile: nothing was written.</exception>
    internal static IReadOnlyList<JournalEvent> Append(JournalStore store, List<JournalEntry> entries, string? tripCause, IReadOnlyList<KeyValuePair<string, byte[]>> blobs, JournalChange? token = null, bool segment = false)
    {
        var used = entries.Count;
        if (token is not null)
        {
            entries.Add(token.Entry);
        }

        if (tripCause is not null && !State(store).Active)
        {
            entries.Add(TripEntry(tripCause));
        }

        return store.Append(entries, blobs, (scope, events) =>
        {
            token?.Project(scope, events[used]);
            if (events[^1].Type == TrippedType)
            {
                Latch(scope, events[^1], tripCause!);
            }
        }, segment: segment);
    }

    /// <summary>The event that trips the kill switch for <paramref name="cause"/>; append it with <see cref="Latch"/> in the same transaction.</summary>
    internal static JournalEntry TripEntry(string cause) => EventPayload.Entry(KillSwitchKey, new KillSwitchTripped(cause));

    /// <summary>Latches the kill switch as of the <paramref name="tripped"/> event.</summary>
    internal static void Latch(JournalTransaction scope, JournalEvent tripped, string cause) =>
        scope.Store(KillSwitchKey, "", StateJson(new KillSwitchState(true, tripped.Time, cause)), tripped.Seq);

    private static string StateJson(KillSwitchState state) => RecordJson.Write(state);

    private static KillSwitchState Parse(string json) => RecordJson.Read<KillSwitchState>(json);
}
