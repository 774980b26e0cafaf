using System.Reflection;

namespace RulesGate.Core.Rules;

/// <summary>
/// Compiled assemblies on disk, keyed by the rule file's SHA-256 and the RulesGate build (its version and
/// module id), so a second process starts without Roslyn and a new build never loads stale code.
/// </summary>
internal sealed class CompiledRuleCache(string directory)
{
    private static readonly string BuildKey = string.Join("-",
        typeof(CompiledRuleCache).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0",
        typeof(CompiledRuleCache).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..12]);

    public string Directory => directory;

    public byte[]? TryRead(RuleFile file)
    {
        var path = PathFor(file);
        try
        {
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Writes atomically; a cache that cannot be written only costs a later compile.</summary>
    public void Write(RuleFile file, byte[] assembly)
    {
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            var path = PathFor(file);
            var temporary = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(temporary, assembly);
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
            // A stale entry that cannot be deleted is recompiled and rewritten next time.
        }
    }

    private string PathFor(RuleFile file) => Path.Combine(directory, $"{file.Kind}-{file.Hash}-{BuildKey}.dll");
}
