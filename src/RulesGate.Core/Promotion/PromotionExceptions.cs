namespace RulesGate.Core.Promotion;

/// <summary>A promotion the ledger's rules do not allow; the message is one sentence saying what would.</summary>
public sealed class PromotionRefusedException(string message) : Exception(message);

/// <summary>Someone else changed the policy's record since it was read; nothing was written.</summary>
public sealed class LedgerConflictException(string policyId, long expected, long actual)
    : Exception($"The ledger record of {policyId} changed while this promotion was being made (version {expected.ToString(System.Globalization.CultureInfo.InvariantCulture)}, now {actual.ToString(System.Globalization.CultureInfo.InvariantCulture)}); nothing was written. Read it again and retry.");
