namespace RulesGate.Core.Signing;

/// <summary>An act that does not prove who did it: no public key for the name, or a signature that is not theirs.</summary>
public sealed class SignatureRefusedException(string actor, string message) : RefusalException("signature.refused", actor, message);
