using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;

namespace RulesGate.Core.Application;

/// <summary><c>journal verify</c>: the hash chain, then every projection rebuilt from the events and compared.</summary>
public static class JournalAudit
{
    /// <summary>The chain, the projections (kill switch, ledger, workflow instances, evidence, statuses, signal keys) and the diary.</summary>
    public static JournalVerification Verify(JournalStore store) => JournalVerifier.Verify(store, DecisionDiary.Verify);
}
