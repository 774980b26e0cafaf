using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

/// <summary>
/// The policy ledger in the journal: every change is an event on <c>ledger:{policy}</c> (<c>ledger.promoted</c>,
/// <c>ledger.demoted</c> or <c>ledger.updated</c>), and the current record is the <c>ledger:{policy}</c> projection,
/// changed in the same transaction under an optimistic version check.
/// </summary>
public static class PolicyLedger
{
    /// <summary>The projection that holds each policy's current record, by policy id; also the prefix of its streams.</summary>
    public const string Projection = "ledger";

    /// <summary>The kind of subject a policy is, in workflows and standing records.</summary>
    public const string SubjectKind = "policy";

    /// <exception cref="FormatException">The policy id is empty or holds an invisible character.</exception>
    public static PolicyLedgerRecord Read(JournalStore store, string policyId)
    {
        policyId = Identities.Id(policyId, "policy id");
        return store.Load(Projection, policyId) is { } state ? JournalException.Parsed(state.Key, () => Parse(state.Value, state.Seq)) : PolicyLedgerRecord.New(policyId);
    }

    /// <summary>Every policy the ledger has a record for, by id.</summary>
    public static IReadOnlyList<PolicyLedgerRecord> All(JournalStore store) =>
        [.. store.All(Projection).Select(state => JournalException.Parsed(state.Key, () => Parse(state.Value, state.Seq)))];

    /// <summary>Records the declared stage with its approvals and evidence; the operator's explicit act.</summary>
    /// <exception cref="PromotionRefusedException">The ledger's rules do not allow it; nothing was written.</exception>
    /// <exception cref="LedgerConflictException">The record changed since it was read; nothing was written.</exception>
    public static PolicyLedgerRecord Promote(JournalStore store, PromotionRequest request)
    {
        request = request with { PolicyId = Identities.Id(request.PolicyId, "policy id") };
        var before = Read(store, request.PolicyId);
        if (request.ExpectedVersion is { } expected && expected != before.Version)
        {
            throw new LedgerConflictException(request.PolicyId, expected, before.Version);
        }

        var change = Prepare(before, request);
        PolicyLedgerRecord? written = null;
        store.Append([change.Entry], project: (scope, events) => written = change.Apply(scope, events[0]));
        return written!;
    }

    /// <summary>A ledger change ready to append: its event, and how to project it inside the same transaction.</summary>
    /// <param name="Apply">Checks that the record is still at the version it was prepared from, then writes it; returns the new record.</param>
    internal sealed record Change(JournalEntry Entry, Func<JournalTransaction, JournalEvent, PolicyLedgerRecord> Apply);

    /// <summary>Validates a request against the record it changes and prepares the change, so that callers can append it with events of their own.</summary>
    /// <exception cref="PromotionRefusedException">The ledger's rules do not allow it.</exception>
    /// <exception cref="FormatException">A checklist status is not one of the known statuses.</exception>
    internal static Change Prepare(PolicyLedgerRecord before, PromotionRequest request)
    {
        var given = PolicyLedgerRecord.Normalize(request.Approvals ?? []);
        if (request.DeclaredRoles is { } roles && given.FirstOrDefault(approval => !roles.Contains(approval)) is { } unknown)
        {
            var guess = Rules.Naming.Closest(unknown, roles);
            throw new PromotionRefusedException(request.PolicyId, $"Approval '{unknown}' names no role declared in {Workflows.WorkflowRoles.DefaultPath}; {(roles.Count == 0 ? "that file declares none (or is missing), so no approval can be recorded." : guess is null ? $"the roles are {string.Join(", ", roles.Order(StringComparer.Ordinal))}." : $"did you mean '{guess}'?")}");
        }

        var approvals = PolicyLedgerRecord.Normalize(before.Approvals.Concat(given));
        Refuse(request, before, given, approvals);
        var checklist = Merge(before.Checklist, request.Checklist?.ToDictionary(pair => pair.Key, pair => PolicyLedgerRecord.Status(pair.Key, pair.Value)));
        var thresholds = Merge(before.ThresholdOverrides, request.ThresholdOverrides);
        var metadata = Merge(before.Metadata, request.Metadata);
        var kind = request.Stage > before.DeclaredStage ? request.Override is null ? "promotion" : "override" : request.Stage < before.DeclaredStage ? "demotion" : "update";
        var evidence = request.EvidenceId is null ? before.EvidenceId : Identities.Id(request.EvidenceId, "evidence id");
        var actor = Identities.Name(request.Actor, "actor");
        var transition = new LedgerTransition(kind, before.DeclaredStage, request.Stage, "", actor, given, evidence, request.PolicyDelta);
        var after = before with { DeclaredStage = request.Stage, Approvals = approvals, EvidenceId = evidence, Checklist = checklist, ThresholdOverrides = thresholds, Metadata = metadata };
        var key = $"{Projection}:{request.PolicyId}";
        var (from, to, approvalList) = (transition.From.Name(), transition.To.Name(), transition.Approvals);
        using var delta = request.PolicyDelta is { } text ? JsonDocument.Parse(text) : null;
        var policyDelta = delta?.RootElement;
        var entry = kind switch
        {
            "promotion" or "override" => EventPayload.Entry(key, new LedgerPromoted(request.PolicyId, kind, from, to, actor, approvalList, evidence, policyDelta, checklist, thresholds, metadata)),
            "demotion" => EventPayload.Entry(key, new LedgerDemoted(request.PolicyId, kind, from, to, actor, approvalList, evidence, policyDelta, checklist, thresholds, metadata)),
            _ => EventPayload.Entry(key, new LedgerUpdated(request.PolicyId, kind, from, to, actor, approvalList, evidence, policyDelta, checklist, thresholds, metadata)),
        };
        return new Change(entry, (scope, appended) =>
        {
            // The version check and the write are one transaction: of two concurrent promotions, one wins.
            var now = scope.Load(Projection, request.PolicyId)?.Seq ?? 0;
            if (now != before.Version)
            {
                throw new LedgerConflictException(request.PolicyId, before.Version, now);
            }

            var written = after with { History = [.. before.History, transition with { At = appended.Time }], Version = appended.Seq };
            scope.Store(Projection, request.PolicyId, Json(written), appended.Seq);
            return written;
        });
    }

    private static void Refuse(PromotionRequest request, PolicyLedgerRecord before, IReadOnlyList<string> given, IReadOnlyList<string> approvals)
    {
        var policy = request.PolicyId;
        if (request.Stage < before.DeclaredStage && !request.AllowRegression)
        {
            throw new PromotionRefusedException(policy, $"{policy} is declared at {before.DeclaredStage.Name()}; lowering it to {request.Stage.Name()} needs --allow-regression.");
        }

        if (request.PolicyDelta is not null && given.Count == 0)
        {
            throw new PromotionRefusedException(policy, $"A policy delta for {policy} needs approvals given with it (--approval NAME).");
        }

        if (request.Stage == PromotionStage.Pilot && approvals.Count == 0)
        {
            throw new PromotionRefusedException(policy, $"Promoting {policy} to pilot needs at least one approval (--approval NAME).");
        }

        if (request.Stage == PromotionStage.LimitedLive && approvals.Count < (request.AllowSingleApproval ? 1 : 2))
        {
            throw new PromotionRefusedException(policy, request.AllowSingleApproval
                ? $"Promoting {policy} to limited_live needs at least one approval (--approval NAME)."
                : $"Promoting {policy} to limited_live needs two distinct approvals and it has {approvals.Count}; add --approval NAME or pass --allow-single-approval.");
        }
    }

    /// <summary>The record's JSON, as its projection keeps it and <c>ledger show --json</c> prints it.</summary>
    public static string Json(PolicyLedgerRecord record) => RecordJson.Write(record);

    private static PolicyLedgerRecord Parse(string json, long version) => RecordJson.Read<PolicyLedgerRecord>(json) with { Version = version };

    private static void WriteTransition(Utf8JsonWriter writer, LedgerTransition transition)
    {
        writer.WriteString("kind"u8, transition.Kind);
        writer.WriteString("from"u8, transition.From.Name());
        writer.WriteString("to"u8, transition.To.Name());
        if (transition.At.Length > 0)
        {
            writer.WriteString("at"u8, transition.At);
        }

        writer.WriteString("actor"u8, transition.Actor);
        JsonText.Strings(writer, "approvals"u8, transition.Approvals);
        JsonText.Optional(writer, "evidence_id"u8, transition.EvidenceId);
        if (transition.PolicyDelta is { } delta)
        {
            writer.WritePropertyName("policy_delta"u8);
            using var parsed = JsonDocument.Parse(delta);
            parsed.RootElement.WriteTo(writer);
        }
    }

    private static SortedDictionary<string, T> Merge<T>(IReadOnlyDictionary<string, T> recorded, IReadOnlyDictionary<string, T>? given)
    {
        var merged = new SortedDictionary<string, T>(recorded.ToDictionary(), StringComparer.Ordinal);
        foreach (var (key, value) in given ?? new Dictionary<string, T>())
        {
            merged[key.Trim()] = value;
        }

        return merged;
    }

    private static void WriteNumbers(Utf8JsonWriter writer, IReadOnlyDictionary<string, double> numbers)
    {
        writer.WriteStartObject("threshold_overrides"u8);
        foreach (var (name, value) in numbers.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(name);
            JsonText.Value(writer, value);
        }

        writer.WriteEndObject();
    }

    private static void WriteMap(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> map)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in map.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    }
}
