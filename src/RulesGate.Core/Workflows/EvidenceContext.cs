using RulesGate.Core.Promotion;

namespace RulesGate.Core.Workflows;

/// <summary>
/// What a workflow's C# conditions see when evidence arrives for an instance's subject: the evidence that woke
/// it, the latest of every kind, the subject's diary and ledger (as a PromotionGate rule would), the current
/// state and its attributes, and the signal's time.
/// </summary>
public sealed class EvidenceContext(
    string subject,
    string state,
    EvidenceRecord latest,
    IReadOnlyDictionary<string, EvidenceRecord> byKind,
    PromotionContext diary,
    IReadOnlyDictionary<string, double> attributes,
    DateTimeOffset now,
    Func<bool>? journalVerified = null)
{
    public string Subject { get; } = subject;

    /// <summary>The instance's current state.</summary>
    public string State { get; } = state;

    /// <summary>The evidence that woke the instance.</summary>
    public EvidenceRecord Latest { get; } = latest;

    /// <summary>The kind of <see cref="Latest"/>.</summary>
    public string Kind => Latest.Kind;

    /// <summary>The signal's time.</summary>
    public DateTimeOffset Now { get; } = now;

    /// <summary>The subject's diary metrics and ledger record.</summary>
    public PromotionContext Diary { get; } = diary;

    /// <summary>The latest evidence of each kind for the subject: <c>Evidence["validation"].Flag("strict")</c>.</summary>
    public EvidenceByKind Evidence { get; } = new(byKind);

    /// <summary>
    /// Whether the journal's hash chain and projections verify now, checked by RulesGate itself (as
    /// <c>rulesgate journal verify</c> does) the first time a condition asks during a signal, never taken from a flag in
    /// the evidence; false where no journal is at hand.
    /// </summary>
    public bool JournalVerified => journalVerified?.Invoke() ?? false;

    /// <summary>A numeric attribute of the current state (such as <c>sizing_cap</c>); NaN when it has none.</summary>
    public double Attribute(string name) => attributes.TryGetValue(name, out var value) ? value : double.NaN;
}

/// <summary>A subject's latest evidence, by kind.</summary>
public sealed class EvidenceByKind(IReadOnlyDictionary<string, EvidenceRecord> byKind)
{
    /// <summary>The latest evidence of <paramref name="kind"/>; <see cref="EvidenceRecord.None"/> (every field missing) when there is none.</summary>
    public EvidenceRecord this[string kind] => byKind.TryGetValue(kind, out var record) ? record : EvidenceRecord.None;
}
