using System.Security.Cryptography;
using RulesGate.Cli.Commands;

namespace RulesGate.Cli;

/// <summary>ECDSA P-256 key files in PEM: the private key written 0600 (never readable by others for a moment), its public key beside it.</summary>
internal static class KeyFiles
{
    /// <summary>KEY.pem's public key file: KEY.pub.pem.</summary>
    public static string PublicPath(string privateKey) =>
        Path.Combine(Path.GetDirectoryName(privateKey) ?? "", Path.GetFileNameWithoutExtension(privateKey) + ".pub.pem");

    /// <summary>Makes a key pair at <paramref name="path"/> and beside it; returns the key.</summary>
    /// <exception cref="IOException">Either file exists: a key is never overwritten.</exception>
    public static ECDsa Create(string path)
    {
        var pub = PublicPath(path);
        if (File.Exists(path) || File.Exists(pub))
        {
            throw new IOException($"{(File.Exists(path) ? path : pub)} exists; RulesGate never overwrites a key. Choose another --out.");
        }

        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var secret = new FileStream(path, options))
        using (var writer = new StreamWriter(secret))
        {
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        }

        File.WriteAllText(pub, key.ExportSubjectPublicKeyInfoPem());
        return key;
    }

    /// <exception cref="FormatException">The file holds no P-256 key of that kind; names it and how to make one.</exception>
    public static ECDsa Load(string path, bool privateKey, string make)
    {
        RulesCommand.RequireExists(path);
        if (new FileInfo(path).Length > 64 << 10)
        {
            throw new FormatException($"{path}: too large for a key file.");
        }

        var text = File.ReadAllText(path);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(text);
            if (privateKey)
            {
                key.ExportParameters(includePrivateParameters: true);
            }

            return key.KeySize == 256 ? key : throw new FormatException($"{path}: an ECDSA P-256 key is needed, not a {key.KeySize}-bit one.");
        }
        catch (Exception error) when (error is ArgumentException or CryptographicException or PlatformNotSupportedException)
        {
            key.Dispose();
            throw new FormatException($"{path}: not an ECDSA {(privateKey ? "private" : "public")} key in PEM ({error.Message.TrimEnd('.')}); make one with '{make}'.");
        }
    }
}
