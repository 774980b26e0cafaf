using System.Security.Cryptography;
using RulesGate.Core;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Server;

/// <summary>The files a server runs, to reload: the capital policy, and the promotion gates, governance and maturity files and the workflows folder when it has them.</summary>
public sealed record ReloadSources(string Policy, string? Gates = null, string? Governance = null, string? Maturity = null, string? Workflows = null);

/// <summary>
/// What a reload did: the identities put live, each changed file that did not load (its previous version stays live)
/// with why, and the identities proposed as governed rule changes (<see cref="HotReload.Governed"/>), waiting for approval.
/// </summary>
public sealed record ReloadReport(IReadOnlyList<string> Loaded, IReadOnlyList<(string File, string Problem)> Failed)
{
    public IReadOnlyList<string> Proposed { get; init; } = [];
}

/// <summary>
/// Hot reload of the running server's rule files and workflows. A changed file is compiled beside the live version
/// and put live for every decision from then on, journaled (<c>rules.reloaded</c>) in the one order of deciding;
/// a file that does not load leaves the live version in force, raises <c>rulesgate_rule_file_stale</c> and is
/// journaled once (<c>rules.reload_failed</c>) with why. Reloads run when a watched file changes, and on request.
/// </summary>
public sealed class HotReload
{
    public const string ReloadedType = EventTypes.RulesReloaded;
    public const string FailedType = EventTypes.RulesReloadFailed;

    private readonly GateHost host;
    private readonly GovernanceService? service;
    private readonly RuleEngine engine;
    private readonly ReloadSources files;
    private readonly Lock reloading = new();
    private readonly Dictionary<string, string> seen = new(StringComparer.Ordinal);      // file → SHA-256 of the bytes last judged

    /// <param name="files">The files as the server loaded them a moment ago: their bytes now are taken as the live versions'.</param>
    /// <param name="governed">A changed rule file (capital policy, promotion gates, governance or maturity) is proposed as a rule change (<see cref="Core.Application.RuleChanges"/>), put live once its <c>rule-change</c> instance is approved, rather than reloaded; needs <paramref name="service"/> and a journal.</param>
    public HotReload(GateHost host, GovernanceService? service, RuleEngine engine, ReloadSources files, bool governed = false)
    {
        (this.host, this.service, this.engine, this.files) = (host, service, engine, files);
        Governed = governed && service is not null && host.HasJournal;   // approvals are recorded in the journal
        service?.RunsFiles(FileOf);
        foreach (var file in Files())
        {
            seen[file] = Hash(file) ?? "";
        }
    }

    /// <summary>Whether a changed rule file is proposed for approval rather than put live.</summary>
    public bool Governed { get; }

    /// <summary>The file of <paramref name="kind"/> the server runs (its capital policy, promotion gates, governance or maturity file): what a proposed change of that kind replaces; null when it runs none.</summary>
    public string? FileOf(string kind) => kind switch
    {
        _ when kind == CapitalPolicyKind.Instance.Name => files.Policy,
        _ when kind == PromotionGateKind.Instance.Name => files.Gates,
        _ when kind == GovernancePolicyKind.Instance.Name => files.Governance,
        _ when kind == MaturityPolicyKind.Instance.Name => files.Maturity,
        _ => null,
    };

    /// <summary>The engine rule files are compiled with: what a candidate sent for shadow evaluation is compiled with too.</summary>
    public RuleEngine Engine => engine;

    /// <summary>Told of every reload that ran because a watched file changed.</summary>
    public event Action<ReloadReport>? Reloaded;

    /// <summary>Reloads whatever changed since the last reload: the capital policy, the gates, governance (with maturity) and the workflows.</summary>
    public async Task<ReloadReport> Reload()
    {
        var (loaded, failed, notes, proposed) = (new List<string>(), new List<(string, string)>(), new List<Task>(), new List<string>());
        lock (reloading)
        {
            // Governed, a changed rule file is proposed, whichever it is: put live once approved (GovernanceService.PutApprovedRulesLive).
            bool Proposed(RuleBundle bundle, string file)
            {
                if (Governed)
                {
                    notes.Add(Propose(bundle, file));
                    proposed.Add(bundle.Identity);
                }

                return Governed;
            }

            Changed(files.Policy, host.Gate.Bundle, bytes => CapitalPolicies.Load(engine, files.Policy, bytes), bundle =>
            {
                if (Proposed(bundle, files.Policy))
                {
                    return;
                }

                var from = host.Gate.Bundle.Identity;
                notes.Add(host.Use(new CapitalGate(bundle), ReloadedEntry(files.Policy, from, bundle.Identity)));
            }, loaded, failed, notes);

            if (service is not null)
            {
                if (files.Gates is { } gates)
                {
                    Changed(gates, service.Settings.Gates, bytes => Compile(gates, bytes, PromotionGateKind.Instance), bundle =>
                    {
                        if (Proposed(bundle, gates))
                        {
                            return;
                        }

                        notes.Add(host.Note(ReloadedEntry(gates, service.Settings.Gates.Identity, bundle.Identity)));
                        service.Use(gates: bundle);
                        host.Metrics.Bundle(bundle);
                    }, loaded, failed, notes);
                }

                if (files.Governance is { } governance && service.Settings.Governance is { } live)
                {
                    // The governance gate is the policy with its ladder: either file changing makes a new one.
                    RuleBundle? policy = null;
                    Changed(governance, live.Bundle, bytes => Compile(governance, bytes, GovernancePolicyKind.Instance), bundle => policy = Proposed(bundle, governance) ? null : bundle, loaded, failed, notes);
                    MaturityLadder? ladder = null;
                    if (files.Maturity is { } maturity)
                    {
                        Changed(maturity, live.Maturity?.Bundle, bytes => Compile(maturity, bytes, MaturityPolicyKind.Instance), bundle => ladder = Proposed(bundle, maturity) ? null : new MaturityLadder(bundle), loaded, failed, notes);
                    }

                    if (policy is not null || ladder is not null)
                    {
                        var next = new GovernanceGate(policy ?? live.Bundle, ladder ?? live.Maturity);
                        notes.Add(host.Note(ReloadedEntry(policy is not null ? governance : files.Maturity!, live.Bundle.Identity, next.Bundle.Identity)));
                        service.Use(governance: next);
                        host.Metrics.Bundle(next.Bundle);
                    }
                }

                if (files.Workflows is not null)
                {
                    var (workflows, broken) = service.LoadWorkflows();
                    loaded.AddRange(workflows);
                    foreach (var identity in workflows)
                    {
                        notes.Add(host.Note(ReloadedEntry(files.Workflows, from: null, identity)));
                    }

                    foreach (var (path, problem) in broken)
                    {
                        Failed(path, Hash(path) ?? "", problem, failed, notes);
                    }

                    foreach (var path in service.Workflows.Values.Select(definition => definition.Path).Where(path => !broken.Any(b => b.Path == path)))
                    {
                        seen.Remove(path);   // loads again: a later failure is told again
                        host.Metrics.Reload(path, failed: false);
                    }
                }
            }
        }

        await Task.WhenAll(notes).ConfigureAwait(false);
        loaded.RemoveAll(proposed.Contains);
        return new ReloadReport(loaded, failed) { Proposed = proposed };
    }

    /// <summary>Proposes a changed rule file; a proposal that cannot be made (no rule-change workflow) is journaled as a reload that failed, and the live version stays.</summary>
    private async Task Propose(RuleBundle bundle, string file)
    {
        try
        {
            await service!.ProposeRuleChange(bundle, file, Core.Application.RuleChanges.FileWatcher).ConfigureAwait(false);
        }
        catch (FormatException refused)
        {
            seen.Remove(file);
            host.Metrics.Reload(file, failed: true);
            await host.Note(EventPayload.Entry($"rules:{file}", new RulesReloadFailed(file, refused.Message))).ConfigureAwait(false);
        }
    }

    /// <summary>Reloads (<see cref="Reload"/>), and tells <see cref="Reloaded"/> what it did: what <see cref="ReloadWatcher"/> runs when a watched file changed.</summary>
    public async Task<ReloadReport> ReloadAndTell()
    {
        var report = await Reload().ConfigureAwait(false);
        Reloaded?.Invoke(report);
        return report;
    }

    /// <summary>The folders whose files it reloads: those of the rule files, and the workflows folder.</summary>
    public IReadOnlyList<string> Folders() =>
        [.. Files().Select(file => Path.GetDirectoryName(Path.GetFullPath(file))!).Concat(files.Workflows is { } w && Directory.Exists(w) ? [Path.GetFullPath(w)] : []).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// When <paramref name="file"/>'s bytes changed since last judged: compiles them, and puts the result live or
    /// records why not. A file whose content changed while its <c>id@version</c> stayed that of the
    /// <paramref name="live"/> one (or fell below it) is refused: one identity names one content, in the journal and
    /// in every decision that cites it.
    /// </summary>
    private void Changed(string file, RuleBundle? live, Func<byte[], RuleResult<RuleBundle>> compile, Action<RuleBundle> use, List<string> loaded, List<(string, string)> failed, List<Task> notes)
    {
        byte[] bytes;
        try
        {
            bytes = InputFile.ReadAtMost(file, YamlLimits.MaxBytes);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            Failed(file, "", $"it cannot be read ({error.Message})", failed, notes);
            return;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (seen.GetValueOrDefault(file) == hash)
        {
            return;
        }

        RuleResult<RuleBundle> result;
        try
        {
            result = compile(bytes);
        }
        catch (FormatException error)
        {
            result = RuleResult<RuleBundle>.Failure([RuleDiagnostic.At(new SourceText(file, ""), 1, 1, "RG1005", "kind", error.Message, "Give a file of the kind this server loaded there.")]);
        }

        if (result.Value is not { } bundle)
        {
            Failed(file, hash, result.Diagnostics.Count > 0 ? result.Diagnostics[0].ToString() : "it does not load", failed, notes);
            return;
        }

        if (live is not null)
        {
            var (was, now) = (live.File.Metadata, bundle.File.Metadata);
            if (bundle.Identity == live.Identity)
            {
                // Back to the live content (after a refused edit, say): nothing to put live, and nothing stale.
                seen[file] = hash;
                host.Metrics.Reload(file, failed: false);
                return;
            }

            if (now.Id == was.Id && now.Version <= was.Version)
            {
                Failed(file, hash, $"its content changed but its version did not rise: {bundle.Identity} against the live {live.Identity}; set metadata.version to {was.Version + 1} (or higher) to put it live", failed, notes);
                return;
            }
        }

        seen[file] = hash;
        use(bundle);
        loaded.Add(bundle.Identity);
        host.Metrics.Reload(file, failed: false);
    }

    /// <summary>A changed file that does not load: the alert raised, and journaled once for these bytes.</summary>
    private void Failed(string file, string hash, string problem, List<(string, string)> failed, List<Task> notes)
    {
        failed.Add((file, problem));
        if (seen.GetValueOrDefault(file) == "failed:" + hash)
        {
            return;   // told already
        }

        seen[file] = "failed:" + hash;
        host.Metrics.Reload(file, failed: true);
        notes.Add(host.Note(EventPayload.Entry($"rules:{file}", new RulesReloadFailed(file, problem))));
    }

    private RuleResult<RuleBundle> Compile(string path, byte[] bytes, RuleKind kind)
    {
        var parsed = engine.Loader.Parse(path, bytes);
        var result = engine.Compile(parsed);
        return result.Value is { } bundle && bundle.Kind != kind ? throw new FormatException($"{path} is now a {bundle.Kind.Name} file; this server loaded a {kind.Name} file there.") : result;
    }

    private static JournalEntry ReloadedEntry(string file, string? from, string to) => EventPayload.Entry($"rules:{file}", new RulesReloaded(file, from, to));

    private IEnumerable<string> Files() => new[] { files.Policy, files.Gates, files.Governance, files.Maturity }.OfType<string>();

    private static string? Hash(string file)
    {
        try
        {
            return Convert.ToHexStringLower(SHA256.HashData(InputFile.ReadAtMost(file, YamlLimits.MaxBytes)));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
