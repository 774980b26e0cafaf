using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace RulesGate.Core.Rules;

/// <summary>
/// The assemblies generated code compiles against: the runtime's core, LINQ and collections, and the
/// assembly of the kind's context. Loaded once per process; a smaller reference set is also a smaller
/// surface for the sandbox to police.
/// </summary>
internal static class MetadataReferences
{
    private static readonly string[] RuntimeAssemblies = ["System.Private.CoreLib", "System.Runtime", "System.Linq", "System.Collections"];
    private static readonly ConcurrentDictionary<string, MetadataReference> Cache = new(StringComparer.Ordinal);

    public static IReadOnlyList<MetadataReference> For(RuleKind kind)
    {
        var platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator);
        var paths = RuntimeAssemblies
            .Select(name => platform.First(path => Path.GetFileNameWithoutExtension(path) == name))
            .Append(typeof(RuleKind).Assembly.Location)
            .Append(kind.ContextType.Assembly.Location)
            .Distinct(StringComparer.Ordinal);
        return [.. paths.Select(path => Cache.GetOrAdd(path, p => MetadataReference.CreateFromFile(p)))];
    }
}
