using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Workflows;

/// <summary>The events, ledger changes and projection one signal produces, built before anything is written.</summary>
internal sealed class WorkflowPlan(WorkflowInstance instance, List<(JournalEntry Entry, PolicyLedger.Change? Ledger)> entries)
{
    public WorkflowInstance Before { get; } = instance;

    /// <summary>When the plan's steps happen: the time a tick was asked to fire at; null for now.</summary>
    public DateTimeOffset? Now { get; init; }

    public WorkflowInstance Instance { get; set; } = instance;

    /// <summary>The MaturityPolicy's step for the instance in the state it was judged in: judged once per signal, for its demotion and its promotion.</summary>
    public (string State, Governance.MaturityStep? Step)? Maturity { get; set; }

    public List<(JournalEntry Entry, PolicyLedger.Change? Ledger)> Entries { get; } = entries;

    /// <summary>The subject's ledger record when the plan first touched it; every stage change of the plan is one change from it.</summary>
    public PolicyLedgerRecord? LedgerBase { get; set; }

    /// <summary>The ledger as the plan leaves it, for gates judged after a stage change within the same signal.</summary>
    public PolicyLedgerRecord? Ledger { get; set; }

    public bool Demoted { get; set; }

    /// <summary>For a start: the definition's pinned bytes, kept in the journal under their hash with the start.</summary>
    public KeyValuePair<string, byte[]>? Pinned { get; init; }

    /// <summary>The key of the evidence the plan answers, when evidence woke it: what a stage it sets stands on, in the ledger.</summary>
    public string? EvidenceKey { get; set; }

    /// <summary>The roles whose approvals moved the instance in this signal; they go to the ledger with its stage.</summary>
    public List<string> Approvals { get; } = [];

    /// <summary>The votes that moved the instance in this signal, with who cast them: they go to the subject's standing.</summary>
    public List<WorkflowVote> Votes { get; } = [];

    /// <summary>What the plan asks the world to do once it is durable (a ledger change adds its log line at commit).</summary>
    public List<WorkflowEffect> Effects { get; } = [];

    /// <summary>Adds an event on the instance's stream.</summary>
    public void Event<T>(T payload)
        where T : IEventPayload<T> =>
        Entries.Add((EventPayload.Entry(Instance.Key, payload), null));
}
