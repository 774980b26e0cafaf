namespace RulesGate.Core.Journal;

/// <summary>
/// Every type of event RulesGate writes to the journal, in one place, each with what it records: the names the
/// features write and read, and the catalogue an auditor reads (<c>docs/journal-events.md</c> is made from
/// <see cref="All"/>). RulesGate writes no type that is not here.
/// </summary>
public static class EventTypes
{
    public const string GateDecision = "gate.decision";
    public const string GateMalformed = "gate.malformed";
    public const string KillSwitchTripped = "killswitch.tripped";
    public const string KillSwitchReset = "killswitch.reset";

    public const string GovernanceDecision = "governance.decision";
    public const string GovernanceHealth = "governance.health";
    public const string GovernanceDriftAlert = "governance.drift_alert";
    public const string TokenIssued = "token.issued";
    public const string TokenConsumed = "token.consumed";
    public const string TokenRevoked = "token.revoked";
    public const string CanaryCheck = "canary.check";
    public const string CanaryAlert = "canary.alert";

    public const string DiaryEntry = "diary.entry";
    public const string LedgerPromoted = "ledger.promoted";
    public const string LedgerDemoted = "ledger.demoted";
    public const string LedgerUpdated = "ledger.updated";
    public const string StrategyStatus = "strategy.status";

    public const string WorkflowStarted = "workflow.started";
    public const string WorkflowEntered = "workflow.entered";
    public const string WorkflowApproved = "workflow.approved";
    public const string WorkflowRejected = "workflow.rejected";
    public const string WorkflowEscalated = "workflow.escalated";
    public const string WorkflowMigrated = "workflow.migrated";
    public const string WorkflowSignal = "workflow.signal";
    public const string WorkflowNotice = "workflow.notice";
    public const string EvidenceSubmitted = "evidence.submitted";

    public const string Effect = "workflow.effect";
    public const string EffectDone = "workflow.effect_done";
    public const string EffectRetried = "workflow.effect_retried";
    public const string RenderFailed = "workflow.render_failed";
    public const string WebhookFailed = "workflow.webhook_failed";
    public const string LogFailed = "workflow.log_failed";
    public const string WriteFailed = "effect.write_failed";

    public const string PatchDecided = "patch.decided";
    public const string PatchApplied = "patch.applied";
    public const string PatchSkipped = "patch.skipped";
    public const string PatchesProposed = "patches.proposed";
    public const string PatchesApproved = "patches.approved";
    public const string PatchesRejected = "patches.rejected";
    public const string PatchesRefused = "patches.refused";
    public const string PatchesRolledBack = "patches.rolled_back";

    public const string RulesReloaded = "rules.reloaded";
    public const string RulesReloadFailed = "rules.reload_failed";
    public const string RulesProposed = "rules.proposed";
    public const string RulesApproved = "rules.approved";
    public const string RulesRejected = "rules.rejected";
    public const string RulesChanged = "rules.changed";
    public const string ShadowStarted = "shadow.started";
    public const string ShadowStopped = "shadow.stopped";
    public const string ShadowDisagreed = "shadow.disagreed";

    public const string JournalBlob = "journal.blob";
    public const string JournalProjected = "journal.projected";
    public const string JournalCheckpoint = "journal.checkpoint";

    /// <summary>Every type, with what one event of it records, in the order above.</summary>
    public static IReadOnlyList<(string Type, string Records)> All { get; } =
    [
        (GateDecision, "an order the capital gate judged: the full request, the decision and the rule file (id@version#sha256) that made it"),
        (GateMalformed, "a line of a run that is not an intent: its text and why, denied under INPUT-001"),
        (KillSwitchTripped, "the kill switch latched: what tripped it (the rule, the violation window, a canary alert)"),
        (KillSwitchReset, "the kill switch reset: who, why, and the proof that it was them (their signature, or the authenticated principal)"),
        (GovernanceDecision, "an order the governance gate judged, composed with the capital decision, with the governance and maturity files used"),
        (GovernanceHealth, "trade outcomes recorded for a strategy: the outcome ids and its health and figures after them"),
        (GovernanceDriftAlert, "a strategy's drift alerts as they stood: each metric's deviation from its baseline and the action"),
        (TokenIssued, "an execution token issued: its id, the SHA-256 of its secret, its scope, who issued it and when it expires"),
        (TokenConsumed, "an execution token used by the order it authorised, in that order's transaction"),
        (TokenRevoked, "execution tokens revoked: which, who and why"),
        (CanaryCheck, "one check of an infrastructure component (or a missed report): ok or not, and its consecutive failures"),
        (CanaryAlert, "a component's failures reached the threshold: the action (kill, pause, alert) and why"),
        (DiaryEntry, "decision-diary entries of a policy, recorded once each"),
        (LedgerPromoted, "a policy's stage raised: from, to, by whom, with which approvals and evidence"),
        (LedgerDemoted, "a policy's stage lowered: from, to, by whom and why"),
        (LedgerUpdated, "a policy's ledger record changed without a stage change"),
        (StrategyStatus, "a strategy's status as the promotion guard keeps it"),
        (WorkflowStarted, "a workflow instance started: its workflow, version, subject and requester"),
        (WorkflowEntered, "an instance moved to a state: from where, and what caused it"),
        (WorkflowApproved, "an approval vote: who, in which role, why, and the proof that it was them"),
        (WorkflowRejected, "a rejection vote: who, in which role, why, and the proof that it was them"),
        (WorkflowEscalated, "an approval's timeout passed: to whom it was escalated"),
        (WorkflowMigrated, "an instance moved to another version of its workflow: who, why, and their proof"),
        (WorkflowSignal, "a signal that moved nothing (a vote short of its quorum, evidence that satisfied no gate)"),
        (WorkflowNotice, "a notice a transition posts: its text"),
        (EvidenceSubmitted, "evidence about a subject: its kind and fields"),
        (Effect, "an effect a change asks of the world once it is durable (render, notify, log, write a file), queued in its transaction"),
        (EffectDone, "an effect done"),
        (EffectRetried, "a dead letter put back to be tried again: who and why"),
        (RenderFailed, "a render that failed: the template, the error, the attempt and when it is tried again (or that it is a dead letter)"),
        (WebhookFailed, "a notice that could not be delivered: the error, the attempt and the next one"),
        (LogFailed, "a promotion-log line that could not be appended: the error, the attempt and the next one"),
        (WriteFailed, "a file (a proposal's, the live overrides) that could not be written: the error, the attempt and the next one"),
        (PatchDecided, "a config patch the PatchPolicy judged: the patch, its decision and the policy"),
        (PatchApplied, "a patch written to the live overrides: the target, old and new values, and who approved it"),
        (PatchSkipped, "an accepted patch not applied, and why"),
        (PatchesProposed, "a proposal of accepted patches: its mode, requester, the hash of its decisions and the policy that judged it"),
        (PatchesApproved, "a proposal approved: what was applied and skipped, and who approved it"),
        (PatchesRejected, "a proposal rejected: who and why"),
        (PatchesRefused, "a proposal its approval does not approve, and why"),
        (PatchesRolledBack, "a proposal's changes to the live overrides undone: who, why and each target restored"),
        (RulesReloaded, "a changed rule or workflow file put live by the server: from which version to which"),
        (RulesReloadFailed, "a changed rule or workflow file that did not load: why (the live version stays)"),
        (RulesProposed, "a changed rule file proposed rather than put live: the candidate's identity (its bytes kept as a blob), the file, the identity live then, who proposed it, when it may go live, its assessment, and its checklist (a blob, written by the workflow.effect beside it)"),
        (RulesApproved, "a proposed rule change approved by its rule-change workflow's quorum: who approved"),
        (RulesRejected, "a proposed rule change rejected: who and why; or, approved, superseded by a version as new that went live first"),
        (RulesChanged, "an approved rule change put live by the server, after the rules.reloaded that swapped it in"),
        (ShadowStarted, "a candidate capital rule file set to judge every order in shadow, beside the live one: which, and who started it"),
        (ShadowStopped, "the shadow candidate stopped: who, and how many orders it judged, decided otherwise and could not take"),
        (ShadowDisagreed, "an order the shadow candidate would have decided otherwise: both decisions in a few words, and the candidate's in full (the live one in full is the order's gate.decision)"),
        (JournalBlob, "content kept once under its SHA-256 (a rule file, a pinned workflow, bytes a file effect writes)"),
        (JournalProjected, "the hash of the projection documents a transaction set, so that each can be verified"),
        (JournalCheckpoint, "a signed checkpoint of the journal's head"),
    ];

    /// <summary>Whether RulesGate writes events of <paramref name="type"/>.</summary>
    public static bool Known(string type) => All.Any(entry => entry.Type == type);
}
