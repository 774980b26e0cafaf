namespace RulesGate.Core.Promotion;

/// <summary>A promotion or status change the ledger's rules or the guard do not allow; the message is one sentence saying what would.</summary>
/// <param name="subject">The policy (or, for a status change, the strategy) refused.</param>
public sealed class PromotionRefusedException(string subject, string message) : RefusalException("promotion.refused", subject, message);

/// <summary>Someone else changed the policy's record since it was read; nothing was written.</summary>
internal sealed class LedgerConflictException(string policyId, long expected, long actual)
    : RefusalException("ledger.conflict", policyId, $"The ledger record of {policyId} changed while this promotion was being made (version {expected.ToString(System.Globalization.CultureInfo.InvariantCulture)}, now {actual.ToString(System.Globalization.CultureInfo.InvariantCulture)}); nothing was written. Read it again and retry.");

/// <summary>A diary entry id already stands for different content: an entry is recorded once and never rewritten.</summary>
internal sealed class DiaryConflictException : RefusalException
{
    private DiaryConflictException(string entryId, string message)
        : base("diary.conflict", entryId, message)
    {
    }

    internal static DiaryConflictException Recorded(string entryId, long seq) =>
        new(entryId, $"Diary entry '{entryId}' is already recorded (event {seq}) with different content; an entry is never rewritten: give the new one its own entry_id. Nothing of this batch was ingested.");

    internal static DiaryConflictException Within(string entryId) =>
        new(entryId, $"Diary entry '{entryId}' appears twice in this batch with different content; give each entry its own entry_id. Nothing of this batch was ingested.");
}
