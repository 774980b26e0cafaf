using System.Security.Cryptography;

namespace RulesGate.Core.Signing;

/// <summary>
/// People's public keys, as <c>keys:</c> in <c>workflows/roles.yaml</c> lists them: ECDSA P-256, each the base64
/// of its SubjectPublicKeyInfo (what <c>rulesgate key new</c> prints). A person may have several (a new key beside
/// the one it replaces); a signature is theirs when one of them verifies it.
/// </summary>
public static class PersonKeys
{
    /// <summary>A public key as written in the roles file, checked.</summary>
    /// <exception cref="FormatException">It is not the base64 of an ECDSA P-256 public key; says what to write.</exception>
    public static byte[] Parse(string? text, string where)
    {
        var bytes = new byte[128];
        if (text is null || !Convert.TryFromBase64String(text.Trim(), bytes, out var written))
        {
            throw new FormatException($"{where}: not a public key; write the base64 line 'rulesgate key new' prints.");
        }

        var key = bytes[..written];
        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(key, out var read);
            if (read != written || ecdsa.KeySize != 256 || ecdsa.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new CryptographicException("not a P-256 key");
            }
        }
        catch (Exception error) when (error is CryptographicException or PlatformNotSupportedException)
        {
            // A curve this platform does not know (an OID mangled on the way) is no P-256 key either.
            throw new FormatException($"{where}: not an ECDSA P-256 public key; write the base64 line 'rulesgate key new' prints.");
        }

        return key;
    }

    /// <summary>The key's id: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo, as checkpoints name theirs.</summary>
    public static string Id(ReadOnlySpan<byte> publicKey) => Convert.ToHexStringLower(SHA256.HashData(publicKey))[..16];

    /// <summary>Whether <paramref name="signature"/> (base64, IEEE P1363) is <paramref name="publicKey"/>'s over <paramref name="data"/>.</summary>
    public static bool Verifies(byte[] publicKey, byte[] data, string signature)
    {
        var bytes = new byte[96];
        if (!Convert.TryFromBase64String(signature, bytes, out var written) || written != 64)
        {
            return false;
        }

        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(publicKey, out _);
        return ecdsa.VerifyData(data, bytes.AsSpan(0, written), HashAlgorithmName.SHA256);
    }

    /// <summary>Signs <paramref name="data"/> with a private key: base64 of the IEEE P1363 signature.</summary>
    public static string Sign(ECDsa privateKey, byte[] data) => Convert.ToBase64String(privateKey.SignData(data, HashAlgorithmName.SHA256));

    /// <summary>The base64 of a key's SubjectPublicKeyInfo: the line for the roles file.</summary>
    public static string Line(ECDsa key) => Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
}
