using System.Security.Cryptography;

namespace RulesGate.Core.Rules;

/// <summary>What a refresh of a <see cref="RuleRegistry"/> did.</summary>
/// <param name="Loaded">Identities of files compiled and put live.</param>
/// <param name="Removed">Identities of files gone from the folder and unloaded.</param>
/// <param name="Failed">Files that did not load; the previous version of each stays live.</param>
/// <param name="Unchanged">Files whose bytes had not changed.</param>
internal sealed record RuleReloadReport(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Removed,
    IReadOnlyList<(string Path, IReadOnlyList<RuleDiagnostic> Diagnostics)> Failed,
    int Unchanged);

/// <summary>
/// The live bundles of a folder of rule files. A changed file is compiled beside the live version and
/// swapped in atomically; a file that fails keeps its previous version live and the report says why.
/// Swapped-out versions are unloaded and freed once no evaluation holds them.
/// </summary>
internal sealed class RuleRegistry : IDisposable
{
    private readonly RuleEngine engine;
    private readonly string directory;
    private readonly Lock refreshing = new();
    private Dictionary<string, RuleBundle> live = new(StringComparer.Ordinal);
    private FileSystemWatcher? watcher;
    private Timer? debounce;

    public RuleRegistry(RuleEngine engine, string directory)
    {
        this.engine = engine;
        this.directory = directory;
    }

    /// <summary>Raised after every refresh triggered by <see cref="Watch"/>.</summary>
    public event Action<RuleReloadReport>? Reloaded;

    /// <summary>The live bundles, by rule-file id.</summary>
    public IReadOnlyDictionary<string, RuleBundle> Bundles =>
        Volatile.Read(ref live).Values.ToDictionary(bundle => bundle.File.Metadata.Id, StringComparer.Ordinal);

    public RuleBundle? Find(string id) => Volatile.Read(ref live).Values.FirstOrDefault(bundle => bundle.File.Metadata.Id == id);

    /// <summary>Brings the live set in line with the folder.</summary>
    public RuleReloadReport Refresh()
    {
        lock (refreshing)
        {
            var current = Volatile.Read(ref live);
            var next = new Dictionary<string, RuleBundle>(StringComparer.Ordinal);
            var loaded = new List<string>();
            var failed = new List<(string, IReadOnlyList<RuleDiagnostic>)>();
            var unchanged = 0;
            foreach (var path in RuleFiles.Under(directory))
            {
                var bytes = InputFile.ReadAtMost(path, YamlLimits.MaxBytes);
                current.TryGetValue(path, out var previous);
                if (previous is not null && previous.File.Hash == Convert.ToHexStringLower(SHA256.HashData(bytes)))
                {
                    next[path] = previous;
                    unchanged++;
                    continue;
                }

                var parsed = engine.Loader.Parse(path, bytes);
                var result = engine.Compile(parsed);
                if (result.Value is { } bundle)
                {
                    next[path] = bundle;
                    loaded.Add(bundle.Identity);
                }
                else
                {
                    failed.Add((path, result.Diagnostics));
                    if (previous is not null)
                    {
                        next[path] = previous;
                    }
                }
            }

            Volatile.Write(ref live, next);
            var removed = new List<string>();
            foreach (var (path, old) in current)
            {
                if (!next.TryGetValue(path, out var kept) || !ReferenceEquals(kept, old))
                {
                    old.Unload();
                    if (!next.ContainsKey(path))
                    {
                        removed.Add(old.Identity);
                    }
                }
            }

            return new RuleReloadReport(loaded, removed, failed, unchanged);
        }
    }

    /// <summary>Refreshes whenever a file in the folder changes, after a short quiet period.</summary>
    public void Watch(TimeSpan? quiet = null)
    {
        var delay = quiet ?? TimeSpan.FromMilliseconds(200);
        debounce = new Timer(_ => Reloaded?.Invoke(Refresh()));
        watcher = new FileSystemWatcher(directory, "*.yaml") { IncludeSubdirectories = true, EnableRaisingEvents = true };
        FileSystemEventHandler changed = (_, _) => debounce.Change(delay, Timeout.InfiniteTimeSpan);
        watcher.Changed += changed;
        watcher.Created += changed;
        watcher.Deleted += changed;
        watcher.Renamed += (_, _) => debounce.Change(delay, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        watcher?.Dispose();
        debounce?.Dispose();
    }
}
