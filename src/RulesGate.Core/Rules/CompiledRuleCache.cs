using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace RulesGate.Core.Rules;

/// <summary>
/// Compiled assemblies on disk, keyed by the rule file's SHA-256 and the RulesGate build (its version and
/// module id), so a second process starts without Roslyn and a new build never loads stale code.
/// </summary>
/// <remarks>
/// Only code compiled from the rule file is ever loaded: every entry carries an HMAC-SHA256 of its name and
/// bytes under a per-installation key (<see cref="DefaultKeyFile"/>, created on first use with mode 0600 and
/// kept outside the cache). An entry that fails, or a cache folder or key that others could have written,
/// is not trusted: the file is recompiled and one line says why.
/// </remarks>
internal sealed class CompiledRuleCache
{
    private const int MacLength = 32;

    private const int MaxEntryBytes = 64 << 20;

    private static readonly string BuildKey = string.Join("-",
        typeof(CompiledRuleCache).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0",
        typeof(CompiledRuleCache).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..12]);

    private readonly string directory;
    private readonly string? keyFile;
    private readonly TextWriter? warnings;
    private byte[]? key;
    private bool distrusted;

    public CompiledRuleCache(string directory, string? keyFile = null, TextWriter? warnings = null)
    {
        this.directory = directory;
        this.keyFile = keyFile ?? DefaultKeyFile();
        this.warnings = warnings;
    }

    public string Directory => directory;

    /// <summary>The per-user cache folder: <c>$XDG_CACHE_HOME/rulesgate</c>, else <c>~/.cache/rulesgate</c>; null without a home.</summary>
    public static string? DefaultDirectory() => UserFolder("XDG_CACHE_HOME", ".cache");

    /// <summary>The per-installation key: <c>$XDG_CONFIG_HOME/rulesgate/cache.key</c>, else <c>~/.config/rulesgate/cache.key</c>.</summary>
    public static string? DefaultKeyFile() => UserFolder("XDG_CONFIG_HOME", ".config") is { } folder ? Path.Combine(folder, "cache.key") : null;

    /// <summary>The entry's assembly, if there is one and it authenticates; otherwise null (and one line when it did not).</summary>
    public byte[]? TryRead(RuleFile file)
    {
        var path = PathFor(file);
        if (!File.Exists(path) || Key() is not { } secret)
        {
            return null;
        }

        byte[] entry;
        try
        {
            entry = InputFile.Read(path, MaxEntryBytes);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }

        if (entry.Length <= MacLength || !CryptographicOperations.FixedTimeEquals(entry.AsSpan(0, MacLength), Mac(secret, path, entry.AsSpan(MacLength))))
        {
            Warn($"cache entry {path} failed authentication; recompiling {file.Identity}.");
            Delete(file);
            return null;
        }

        return entry[MacLength..];
    }

    /// <summary>Writes atomically; a cache that cannot be written only costs a later compile.</summary>
    public void Write(RuleFile file, byte[] assembly)
    {
        if (Key() is not { } secret)
        {
            return;
        }

        try
        {
            var path = PathFor(file);
            var temporary = $"{path}.{Environment.ProcessId}.tmp";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(Mac(secret, path, assembly));
                stream.Write(assembly);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Deliberately ignored: the bundle is already compiled and in memory.
        }
    }

    public void Delete(RuleFile file)
    {
        try
        {
            File.Delete(PathFor(file));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A stale entry that cannot be deleted fails authentication or is recompiled next time.
        }
    }

    private string PathFor(RuleFile file) => Path.Combine(directory, $"{file.Kind}-{file.Hash}-{BuildKey}.dll");

    /// <summary>The MAC binds the entry's name too, so one authentic entry copied over another is refused.</summary>
    private static byte[] Mac(byte[] secret, string path, ReadOnlySpan<byte> assembly)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(path) + "\n"));
        hmac.AppendData(assembly);
        return hmac.GetHashAndReset();
    }

    /// <summary>The key, once the folder and the key are found private; null (the cache unused) otherwise.</summary>
    private byte[]? Key()
    {
        if (key is not null || distrusted)
        {
            return key;
        }

        if (keyFile is null)
        {
            return Distrust("no home folder to keep the cache key in; compiling instead.");
        }

        try
        {
            CreatePrivate(directory);
            if (WritableByOthers(directory))
            {
                return Distrust($"cache folder {directory} can be written by group or others; not using it (chmod 700 it).");
            }

            CreatePrivate(Path.GetDirectoryName(Path.GetFullPath(keyFile))!);
            if (!File.Exists(keyFile))
            {
                CreateKey(keyFile);
            }

            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(keyFile) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                return Distrust($"cache key {keyFile} can be read or written by group or others; not using the cache (chmod 600 it).");
            }

            var bytes = InputFile.ReadAtMost(keyFile, MacLength);
            return bytes.Length == MacLength ? key = bytes : Distrust($"cache key {keyFile} is not {MacLength} bytes; not using the cache (delete it to make a new one).");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Distrust($"cache unusable ({error.Message}); compiling instead.");
        }
    }

    private static void CreateKey(string keyFile)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(keyFile, options);
            stream.Write(RandomNumberGenerator.GetBytes(MacLength));
        }
        catch (IOException) when (File.Exists(keyFile))
        {
            // Another process created it first; use theirs.
        }
    }

    private byte[]? Distrust(string reason)
    {
        distrusted = true;
        Warn(reason);
        return null;
    }

    private void Warn(string message) => warnings?.WriteLine($"rulesgate: {message}");

    private static void CreatePrivate(string folder)
    {
        if (!System.IO.Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(folder);
            }
            else
            {
                System.IO.Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    private static bool WritableByOthers(string folder) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(folder) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;

    private static string? UserFolder(string variable, string fallback)
    {
        var configured = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(configured) && Path.IsPathRooted(configured))
        {
            return Path.Combine(configured, "rulesgate");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, fallback, "rulesgate");
    }
}
