using System.Runtime.Loader;

namespace RulesGate.Core.Rules;

/// <summary>
/// Loads rule files and compiles them into bundles, through the compiled cache when one is given.
/// Thread-safe; one per host.
/// </summary>
public sealed class RuleEngine
{
    private readonly CompiledRuleCache? cache;

    /// <param name="kinds">The kinds of rule file understood.</param>
    /// <param name="cacheDirectory">Where compiled assemblies are kept between processes; null for none.</param>
    /// <param name="cacheKeyFile">The key that authenticates cache entries; by default <c>$XDG_CONFIG_HOME/rulesgate/cache.key</c>.</param>
    /// <param name="warnings">Where a cache entry or folder that is not trusted is reported, one line each.</param>
    public RuleEngine(RuleKindRegistry kinds, string? cacheDirectory = null, string? cacheKeyFile = null, TextWriter? warnings = null)
    {
        Kinds = kinds;
        Loader = new RuleFileLoader(kinds);
        cache = cacheDirectory is null ? null : new CompiledRuleCache(cacheDirectory, cacheKeyFile, warnings);
    }

    /// <summary>The per-user cache folder, <c>$XDG_CACHE_HOME/rulesgate</c> else <c>~/.cache/rulesgate</c>; null without a home folder.</summary>
    public static string? DefaultCacheDirectory() => CompiledRuleCache.DefaultDirectory();

    public RuleKindRegistry Kinds { get; }

    public RuleFileLoader Loader { get; }

    /// <summary>Loads and compiles one file.</summary>
    public RuleResult<RuleBundle> Load(string path)
    {
        return Compile(Loader.Load(path));
    }

    /// <summary>Compiles a file as loaded; a file that did not load has the problems of its expressions added to its own.</summary>
    public RuleResult<RuleBundle> Compile(RuleResult<RuleFile> loaded)
    {
        if (loaded.Value is { } file)
        {
            return Compile(file);
        }

        // Compiled only for its problems: nothing of it is cached or loaded.
        var further = loaded.Partial is { } partial && Kinds.Find(partial.Kind) is { } kind ? RuleCompiler.Compile(partial, kind, emit: false).Diagnostics : [];
        return RuleResult<RuleBundle>.Failure(RuleDiagnostic.InFileOrder(loaded.Diagnostics.Union(further)));
    }

    /// <summary>Compiles a loaded file, or loads its assembly from the cache.</summary>
    public RuleResult<RuleBundle> Compile(RuleFile file)
    {
        var kind = Kinds.Find(file.Kind) ?? throw new InvalidOperationException($"Kind {file.Kind} of {file.Path} is not registered.");
        if (cache?.TryRead(file) is { } cached)
        {
            try
            {
                return RuleResult<RuleBundle>.Success(Instantiate(file, kind, cached, fromCache: true));
            }
            catch (BadImageFormatException)
            {
                cache.Delete(file);
            }
        }

        var (assembly, diagnostics) = RuleCompiler.Compile(file, kind);
        if (assembly is null)
        {
            return RuleResult<RuleBundle>.Failure(diagnostics);
        }

        cache?.Write(file, assembly);
        return RuleResult<RuleBundle>.Success(Instantiate(file, kind, assembly, fromCache: false));
    }

    private static RuleBundle Instantiate(RuleFile file, RuleKind kind, byte[] assembly, bool fromCache)
    {
        var context = new AssemblyLoadContext($"rulesgate:{file.Identity}", isCollectible: true);
        try
        {
            var loaded = context.LoadFromStream(new MemoryStream(assembly, writable: false));
            var type = loaded.GetType($"{CodeGenerator.Namespace}.CompiledRules", throwOnError: true)!;
            return new RuleBundle(file, kind, Activator.CreateInstance(type)!, context, fromCache);
        }
        catch
        {
            context.Unload();
            throw;
        }
    }
}
