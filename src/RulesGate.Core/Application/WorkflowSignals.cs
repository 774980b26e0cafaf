using System.Text.Json;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;
using RulesGate.Core.Signing;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Application;

/// <summary>A signal to a workflow, as a line of a signals file or a request states it; <see cref="Key"/> makes it idempotent.</summary>
public abstract record WorkflowSignal(string? Key);

/// <summary>Start an instance of the workflow <paramref name="Workflow"/> (its id) about <paramref name="Subject"/>.</summary>
internal sealed record StartSignal(string Workflow, string Subject, string Actor, string? Key) : WorkflowSignal(Key);

/// <summary>Evidence of <paramref name="Kind"/> about <paramref name="Subject"/>, which wakes every instance about it.</summary>
internal sealed record EvidenceSignal(string Subject, string Kind, JsonElement Evidence, string? Key) : WorkflowSignal(Key);

/// <summary>An approval or a rejection, with its reason, by an actor in a role.</summary>
/// <param name="Signature">The voter's signature over the vote, as <c>rulesgate key sign</c> adds it: a name alone is not an identity.</param>
public sealed record VoteSignal(string Instance, string Actor, string Role, bool Approve, string Reason, string Signature, string? Key) : WorkflowSignal(Key);

/// <summary>The time has come: every timer due by <paramref name="Now"/> fires.</summary>
internal sealed record TickSignal(DateTimeOffset Now) : WorkflowSignal(Key: null);

/// <summary>The definitions of one folder, found by id: what <c>start</c> signals name.</summary>
public sealed class WorkflowCatalogue(WorkflowLoader loader, string folder)
{
    private readonly Dictionary<string, RuleResult<WorkflowDefinition>> found = new(StringComparer.Ordinal);
    private List<WorkflowDefinition>? all;
    private StandingDeclaration? standing;

    /// <summary>
    /// Every definition of the folder that loads, loaded once; none when there is no folder. A file that does not load
    /// starts nothing, and <paramref name="broken"/> is told its path and first problem.
    /// </summary>
    public IReadOnlyList<WorkflowDefinition> All(Action<string, string>? broken = null)
    {
        if (all is null)
        {
            all = [];
            foreach (var path in Directory.Exists(folder) ? Files([folder]) : [])
            {
                var loaded = loader.Load(path);
                if (loaded.Value is { } definition)
                {
                    all.Add(definition);
                }
                else
                {
                    broken?.Invoke(path, loaded.Diagnostics.Count > 0 ? loaded.Diagnostics[0].ToString() : "it does not load");
                }
            }
        }

        return all;
    }

    /// <summary>How the folder's ladders relate (its <c>standing.yaml</c>), loaded once; <see cref="StandingDeclaration.None"/> without one.</summary>
    /// <exception cref="FormatException">The file does not load, or names what the folder does not have: its first problem, at file:line:col. Nothing is moved without it.</exception>
    public StandingDeclaration Standing()
    {
        if (standing is null)
        {
            var loaded = StandingDeclaration.In(folder, All().GroupBy(definition => definition.Id, StringComparer.Ordinal).ToDictionary(group => group.Key, group => group.First(), StringComparer.Ordinal));
            standing = loaded.Value ?? throw new FormatException(loaded.Diagnostics[0].ToString());
        }

        return standing;
    }

    /// <summary>The definition whose id is <paramref name="id"/>: its value, or the diagnostics of the file named after it that does not load.</summary>
    /// <exception cref="FileNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FormatException">No definition in the folder has that id.</exception>
    public RuleResult<WorkflowDefinition> Find(string id)
    {
        id = id.Trim();
        if (found.TryGetValue(id, out var known))
        {
            return known;
        }

        if (!Directory.Exists(folder))
        {
            throw new FileNotFoundException($"{folder}: no such file or folder.");
        }

        foreach (var path in Files([folder]))
        {
            var loaded = loader.Load(path);
            if (loaded.Value is { } definition && definition.Id == id)
            {
                return found[id] = loaded;
            }

            if (loaded.Value is null && Path.GetFileNameWithoutExtension(path) == id)
            {
                return found[id] = loaded;
            }
        }

        throw new FormatException($"No workflow with id '{id}' in {folder}/.");
    }

    /// <summary>The files named, or every workflow file under the folders named (roles.yaml and standing.yaml are not workflows), in ordinal order per folder.</summary>
    /// <exception cref="FileNotFoundException">A path names nothing.</exception>
    public static List<string> Files(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new FileNotFoundException($"{path}: no such file or folder.");
            }

            files.AddRange(Directory.Exists(path)
                ? Directory.EnumerateFiles(path, "*.yaml", SearchOption.AllDirectories).Where(file => Path.GetFileName(file) is not ("roles.yaml" or StandingDeclaration.FileName)).Order(StringComparer.Ordinal)
                : [path]);
        }

        return files;
    }
}

/// <summary>
/// Runs signals against a runtime, one at a time, each durable before the next: a signal already handled (its
/// key claimed by an earlier run) is acknowledged and does nothing, so a file of signals with keys can be run
/// again after a crash and finishes without doing anything twice.
/// </summary>
public sealed class SignalDispatcher(WorkflowRuntime runtime, WorkflowCatalogue catalogue)
{
    /// <summary>A signals file's line: <c>signal</c> (start, evidence, approve, reject, tick) and the fields of the command of that name.</summary>
    /// <param name="where">file:line, for messages.</param>
    /// <param name="requireSignature">False only to read votes still to be signed (<c>rulesgate key sign</c>).</param>
    /// <exception cref="FormatException">A field is missing or of the wrong kind, or the signal is unknown; says which, at <paramref name="where"/>.</exception>
    public static WorkflowSignal Parse(JsonElement line, string where, bool requireSignature = true)
    {
        if (line.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where}: a signal is a JSON object.");
        }

        string Text(string name) => line.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"{where}: '{name}' is required.");
        string? Key() => line.TryGetProperty("key", out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw new FormatException($"{where}: 'key' is text.") : null;
        string Signature() => line.TryGetProperty("signature", out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : !requireSignature && value.ValueKind == JsonValueKind.Undefined ? ""
            : throw new FormatException($"{where}: a vote needs 'signature', the voter's own: a name alone proves nobody. Sign the file's votes with 'rulesgate key sign FILE --key KEY.pem --journal DB'.");
        var signal = Text("signal");

        // A key mistyped would lose the signal's idempotency without a word: every field is one the signal has.
        string[]? fields = signal switch
        {
            "start" => ["signal", "workflow", "subject", "actor", "key"],
            "evidence" => ["signal", "subject", "kind", "evidence", "key"],
            "approve" or "reject" => ["signal", "instance", "actor", "role", "reason", "signature", "key"],
            "tick" => ["signal", "now"],
            _ => null,
        };
        if (fields is not null && line.EnumerateObject().Select(field => field.Name).FirstOrDefault(name => !fields.Contains(name, StringComparer.Ordinal)) is { } unknown)
        {
            throw new FormatException($"{where}: '{unknown}' is not a field of a {signal} signal; its fields are {string.Join(", ", fields)}.");
        }

        return signal switch
        {
            "start" => new StartSignal(Text("workflow"), Text("subject"), Text("actor"), Key()),
            "evidence" => new EvidenceSignal(Text("subject"), Text("kind"), line.TryGetProperty("evidence", out var evidence) && evidence.ValueKind == JsonValueKind.Object ? evidence : throw new FormatException($"{where}: 'evidence' is required, one JSON object."), Key()),
            "approve" or "reject" => new VoteSignal(Text("instance"), Text("actor"), Text("role"), signal == "approve", Text("reason"), Signature(), Key()),
            "tick" => new TickSignal(JsonFields.Timestamp(Text("now"), $"{where}: now")),
            var other => throw new FormatException($"{where}: signal '{other}' is not start, evidence, approve, reject or tick."),
        };
    }

    /// <summary>Handles <paramref name="signal"/>; false when an earlier run already had.</summary>
    /// <exception cref="FormatException">A start names a workflow that does not load; the message carries its diagnostics.</exception>
    public bool Dispatch(WorkflowSignal signal)
    {
        switch (signal)
        {
            case StartSignal start:
                var loaded = catalogue.Find(start.Workflow);
                var definition = loaded.Value ?? throw new FormatException($"workflow {start.Workflow} does not load: {string.Join("; ", loaded.Diagnostics)}");
                runtime.Start(definition, start.Subject, start.Actor, start.Key);
                return true;
            case EvidenceSignal evidence:
                return !runtime.Evidence(evidence.Subject, evidence.Kind, evidence.Evidence, evidence.Key).AlreadyHandled;
            case VoteSignal vote:
                return !runtime.Vote(vote.Instance, Actor.Signed(vote.Actor, vote.Signature), vote.Role, vote.Approve, vote.Reason, vote.Key).AlreadyHandled;
            case TickSignal tick:
                runtime.Tick(tick.Now);
                return true;
            default:
                throw new ArgumentException($"Unknown signal {signal.GetType().Name}.", nameof(signal));
        }
    }
}
