using System.Text.Json;
using RulesGate.Core;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Reports;
using RulesGate.Core.Rules;
using RulesGate.Core.Signing;
using RulesGate.Core.Workflows;

namespace RulesGate.Server;

/// <summary>What the server's governance operations read: workflow definitions and roles, the promotion gates, the governance gate.</summary>
/// <param name="Workflows">The folder of workflow definitions that <c>start</c> finds by id.</param>
/// <param name="Roles">Who holds which approval role (<c>workflows/roles.yaml</c>).</param>
/// <param name="Gates">The promotion gates the ledger's blockers are assessed with.</param>
/// <param name="Governance">The governance gate (its settings: tokens, health, drift); null: outcomes, tokens and governance reads are refused.</param>
/// <param name="Webhook">Where workflow notices are posted; null posts none.</param>
/// <param name="Reader">Opens the journal for reading beside its writer: what a rule change's impact is assessed on, off the order path; null assesses none.</param>
public sealed record GovernanceServiceSettings(
    RuleEngine Engine,
    string Workflows,
    WorkflowRoles Roles,
    RuleBundle Gates,
    GovernanceGate? Governance,
    string Templates = "templates",
    string Artifacts = "artifacts",
    TimeProvider? Time = null,
    WorkflowWebhook? Webhook = null,
    Func<JournalStore>? Reader = null);

/// <summary>
/// The server's governance operations — diary, evidence, outcomes, workflows and their votes, the ledger, tokens and
/// the journal's reads — each one call of the application services the CLI calls, run alone on the journal's writer
/// after every decision queued before it. The actor recorded is always the authenticated principal.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Its one SemaphoreSlim is only waited on asynchronously: it never makes the wait handle that disposing would free.")]
public sealed class GovernanceService
{
    private readonly SemaphoreSlim puttingLive = new(1, 1);

    private readonly GateHost host;

    /// <summary>The journal's decisions as the changelog and the strategy pages need them, read once and then only what was added.</summary>
    private readonly DecisionDigest digest = new();
    private readonly Lock loading = new();
    private volatile GovernanceServiceSettings settings;
    private volatile IReadOnlyDictionary<string, WorkflowDefinition> workflows = new Dictionary<string, WorkflowDefinition>(StringComparer.Ordinal);
    private volatile StandingDeclaration standing = StandingDeclaration.None;
    private WorkflowRuntime? runtime;   // made and used on the journal's writer only
    private Func<string, string?>? filesRun;   // the rule file this server runs of each kind, once a reload watches them
    private readonly System.Threading.Channels.Channel<bool> changes = System.Threading.Channels.Channel.CreateBounded<bool>(new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });

    /// <exception cref="FormatException">A workflow file does not load: the server does not start with it.</exception>
    public GovernanceService(GateHost host, GovernanceServiceSettings settings)
    {
        (this.host, this.settings) = (host, settings);
        if (LoadWorkflows().Failed is [var (_, problem), ..])
        {
            throw new FormatException(problem);   // file:line:col: what is wrong
        }

        host.Metrics.Bundle(settings.Gates);
        if (settings.Governance is { } governance)
        {
            host.Metrics.Bundle(governance.Bundle);
        }

        if (host.HasJournal)
        {
            // rulesgate_pending_approvals and the effects, counted as each scrape begins; a journal that cannot be read, or a
            // writer busy for longer than a second, leaves the last counts: never a scrape without figures, nor one that hangs.
            host.Metrics.Registry.AddBeforeCollectCallback(async cancellation =>
            {
                try
                {
                    var (approvals, overdue, waiting, dead, strategies, components) = await host.Exclusively(store =>
                    {
                        var workflows = Runtime(store);
                        var governed = settings.Governance is { } gate ? new GovernanceJournal(store, gate.Settings, settings.Time) : null;
                        var reports = governed?.Reports(settings.Governance!.CapOf) ?? [];
                        IReadOnlyList<(string, int)> canary = [.. store.All(CanaryMonitor.Projection).Select(document => (document.Id, CanaryMonitor.Failures(document)))];
                        return (workflows.AwaitingApproval(), workflows.OverdueApprovals(Now), workflows.Effects.Pending().Count, workflows.Effects.Dead().Count, reports, canary);
                    }).WaitAsync(TimeSpan.FromSeconds(1), cancellation).ConfigureAwait(false);
                    host.Metrics.PendingApprovals(approvals, overdue);
                    host.Metrics.Effects(waiting, dead);
                    host.Metrics.Strategies(strategies);
                    host.Metrics.Canary(components);
                }
                catch (Exception error) when (error is not OutOfMemoryException)
                {
                    // Counted again at the next scrape.
                }
            });
        }
    }

    public GovernanceServiceSettings Settings => settings;

    /// <summary>Tells the service which rule file it runs of each kind (<see cref="HotReload.FileOf"/>): where an approved change goes live and is written.</summary>
    public void RunsFiles(Func<string, string?> fileOf) => filesRun = fileOf;

    /// <summary>The live workflow definitions, by id: what <see cref="Start"/> starts.</summary>
    public IReadOnlyDictionary<string, WorkflowDefinition> Workflows => workflows;

    /// <summary>Puts new promotion gates or a new governance gate live (a reload); what runs already keeps what it pinned.</summary>
    public void Use(RuleBundle? gates = null, GovernanceGate? governance = null)
    {
        lock (loading)
        {
            settings = settings with { Gates = gates ?? settings.Gates, Governance = governance ?? settings.Governance };
        }
    }

    /// <summary>
    /// Loads every workflow file of the folder again: a file that loads is live for instances started from now on;
    /// one that does not keeps its previous definitions live. Instances already running keep the version they pinned.
    /// </summary>
    /// <returns>The identities newly live, and each file that did not load with its first problem.</returns>
    public (IReadOnlyList<string> Loaded, IReadOnlyList<(string Path, string Problem)> Failed) LoadWorkflows()
    {
        lock (loading)
        {
            var (live, loader) = (workflows, new WorkflowLoader(settings.Engine, settings.Roles, settings.Templates));
            var next = new Dictionary<string, WorkflowDefinition>(StringComparer.Ordinal);
            var (loaded, failed) = (new List<string>(), new List<(string, string)>());
            foreach (var path in Directory.Exists(settings.Workflows) ? WorkflowCatalogue.Files([settings.Workflows]) : [])
            {
                var result = loader.Load(path);
                if (result.Value is { } definition)
                {
                    if (next.TryAdd(definition.Id, definition) && (!live.TryGetValue(definition.Id, out var old) || old.Hash != definition.Hash))
                    {
                        loaded.Add(definition.Identity);
                    }
                }
                else
                {
                    failed.Add((path, result.Diagnostics.Count > 0 ? result.Diagnostics[0].ToString() : "it does not load"));
                    foreach (var kept in live.Values.Where(definition => definition.Path == path))
                    {
                        next.TryAdd(kept.Id, kept);
                    }
                }
            }

            workflows = next;

            // How the ladders relate, checked against the workflows live now; one that does not load keeps the previous.
            var declared = StandingDeclaration.In(settings.Workflows, next);
            if (declared.Value is { } value)
            {
                standing = value;
            }
            else
            {
                failed.Add((Path.Combine(settings.Workflows, StandingDeclaration.FileName), declared.Diagnostics[0].ToString()));
            }

            return (loaded, failed);
        }
    }

    /// <summary>Appends the diary entries not yet recorded, then wakes each policy's workflow instances with <c>diary</c> evidence.</summary>
    public Task<DiaryIntake> Diary(IReadOnlyList<DiaryEntry> entries) =>
        Done("diary", host.Exclusively(store => new Promotions(store, FollowUp).Ingest(entries, () => Runtime(store))), intake => intake.Moved);

    /// <summary>Records evidence about a subject and wakes every instance of it.</summary>
    public Task<SignalOutcome> Evidence(string subject, string kind, JsonElement evidence, string? key) =>
        Done("evidence", host.Exclusively(store => Runtime(store).Evidence(subject, kind, evidence, key)), outcome => outcome.Moved);

    /// <summary>Records trade outcomes; each strategy's figures go to its maturity-ladder instance.</summary>
    public Task<OutcomeIngest> Outcomes(IReadOnlyList<TradeOutcome> outcomes)
    {
        var governance = Governance();
        return Done("outcomes", host.Exclusively(store => OutcomeEvidence.Ingest(new GovernanceJournal(store, governance.Settings, settings.Time), outcomes, Runtime(store))), intake => intake.Moved);
    }

    /// <summary>Starts an instance of workflow <paramref name="workflow"/> about <paramref name="subject"/>, requested by <paramref name="by"/>.</summary>
    /// <exception cref="FormatException">No live workflow has that id.</exception>
    public Task<WorkflowInstance> Start(string workflow, string subject, Principal by, string? key)
    {
        var live = workflows;
        var definition = live.GetValueOrDefault(workflow) ?? throw new FormatException($"No workflow has the id '{workflow}'; the live ones are {(live.Count == 0 ? "none" : string.Join(", ", live.Keys.Order(StringComparer.Ordinal)))}.");
        return Done("start", host.Exclusively(store => Runtime(store).Start(definition, subject, by.Name, key)), instance => [instance]);
    }

    /// <summary>
    /// Approves or rejects the step an instance waits on, as <paramref name="by"/> in <paramref name="role"/>: the
    /// runtime holds four eyes (the requester may not approve; M of N distinct approvers; the role held in the roles file).
    /// </summary>
    public async Task<SignalOutcome> Vote(string instance, Principal by, string role, bool approve, string reason, string? key)
    {
        var voted = await Done(approve ? "approve" : "reject", host.Exclusively(store =>
        {
            var workflows = Runtime(store);
            var state = workflows.Find(instance)?.State;
            return (Outcome: workflows.Vote(instance, Actor.Authenticated(by.Name), role, approve, reason, key), Before: state);
        }), done => done.Outcome.Moved.Where(moved => moved.State != done.Before)).ConfigureAwait(false);   // a vote short of the quorum moves nothing
        await PutApprovedRulesLive().ConfigureAwait(false);
        return voted.Outcome;
    }

    /// <summary>
    /// Proposes <paramref name="candidate"/> (a newer version of a rule file this server runs: the capital policy, the
    /// promotion gates, the governance policy or the maturity ladder) as a change of <paramref name="file"/>
    /// (<see cref="RuleChanges"/>) and starts its <c>rule-change</c> instance, requested by <paramref name="requester"/>;
    /// nothing goes live until it is approved, nor before <paramref name="liveAt"/>. A capital policy's impact and diff
    /// are assessed first, on a reader of the journal and off the writer, so decisions never wait for them.
    /// </summary>
    /// <exception cref="FormatException">No <c>rule-change</c> workflow is loaded to ask, or the candidate is not a newer version of the live policy.</exception>
    public async Task<(RuleChangeRecord Record, WorkflowInstance Instance)> ProposeRuleChange(RuleBundle candidate, string file, string requester, DateTimeOffset? liveAt = null)
    {
        var definition = workflows.GetValueOrDefault(RuleChanges.Workflow)
            ?? throw new FormatException($"no {RuleChanges.Workflow} workflow is loaded to approve it (workflows/{RuleChanges.Workflow}.yaml); the live version stays. Add it, or start the server with --reload-unapproved to put saved files live unapproved.");
        var live = LiveOf(candidate.File.Metadata.Id) is { } running && running.File.Kind == candidate.File.Kind
            ? running
            : throw new FormatException($"{candidate.Identity} ({candidate.File.Kind}) is not a version of a rule file this server runs: {string.Join(", ", Live().Select(bundle => $"{bundle.Identity} ({bundle.File.Kind})"))}.");
        RuleChanges.RequireNewer(candidate, live);

        var assessment = await Task.Run(() =>
        {
            using var reader = settings.Reader?.Invoke();
            return RuleChangeAssessment.Of(reader, settings.Engine, live, candidate, Now);
        }).ConfigureAwait(false);
        var proposal = new RuleChangeProposal(candidate, file, live.Identity, requester, liveAt, assessment);
        return await Done("rule_change", host.Exclusively(store =>
        {
            var (record, _) = RuleChanges.Propose(store, proposal, settings.Artifacts, settings.Templates);
            return (record, Runtime(store).Start(definition, record.Subject, record.Requester));
        }), proposed => [proposed.Item2]).ConfigureAwait(false);
    }

    /// <summary>Every rule change proposed, oldest first; with <paramref name="subject"/>, that one (null when there is none).</summary>
    public Task<IReadOnlyList<RuleChangeRecord>> RuleChangeRecords(string? subject = null) =>
        host.Exclusively(store => subject is null ? RuleChanges.All(store) : RuleChanges.Find(store, subject) is { } one ? [one] : (IReadOnlyList<RuleChangeRecord>)[]);

    /// <summary>
    /// Puts every approved change of a rule file this server runs live, in the one order of deciding (journaled as
    /// <c>rules.reloaded</c>, then <c>rules.changed</c>): what a final vote, or the background after a restart, leaves to do.
    /// </summary>
    public async Task PutApprovedRulesLive()
    {
        // One at a time (a vote and the background may both get here): each reads what is approved after the last one marked it live.
        await puttingLive.WaitAsync().ConfigureAwait(false);
        try
        {
            await PutLive().ConfigureAwait(false);
        }
        finally
        {
            puttingLive.Release();
        }
    }

    private async Task PutLive()
    {
        foreach (var (record, bytes) in await host.Exclusively(store => RuleChanges.Approved(store, Now)).ConfigureAwait(false))
        {
            // Only a change of a file this server runs: another desk's approved change is that desk's to put live.
            if (LiveOf(record.Identity[..record.Identity.LastIndexOf('@')]) is not { } live)
            {
                continue;
            }

            if (live.Identity != record.Identity && RuleChanges.Stale(record, live) is { } stale)
            {
                // Approved after a newer version went live: putting it live would take the rules back, or give one identity two contents.
                await host.Exclusively(store => store.Append([stale.Entry], null, (scope, appended) => stale.Project(scope, appended[0]))).ConfigureAwait(false);
                continue;
            }

            // The file this server runs and watches for it, whatever path the proposal named: where it goes live, and is
            // written. A host that watches no file (a library) writes where the proposal says.
            var path = filesRun?.Invoke(live.File.Kind) ?? record.File;
            if (live.Identity != record.Identity)
            {
                var compiled = settings.Engine.Compile(settings.Engine.Loader.Parse(path, bytes));
                var bundle = compiled.Value is { } made && made.File.Kind == live.File.Kind
                    ? made
                    : throw new InvalidOperationException($"The approved rule file {record.Identity} no longer compiles as a {live.File.Kind}: {(compiled.Diagnostics.Count > 0 ? compiled.Diagnostics[0].ToString() : "another kind")}");
                await PutInForce(live, bundle, path).ConfigureAwait(false);
            }

            // Live, and on disk in the same transaction: a restart loads what is live.
            var (marked, written) = (RuleChanges.MarkLive(record), RuleChanges.WriteToFile(record, path, AtomicFile.Hash(path)));
            await host.Exclusively(store => store.Append([marked.Entry, written.Entry], null, (scope, appended) =>
            {
                marked.Project(scope, appended[0]);
                written.Project(scope, appended[1]);
            })).ConfigureAwait(false);
            Wake();     // the write is an effect: run it now
        }
    }

    /// <summary>The rule files this server runs: its capital policy, promotion gates, and governance policy with its maturity ladder.</summary>
    private IEnumerable<RuleBundle> Live() =>
        new[] { host.Gate.Bundle, settings.Gates, settings.Governance?.Bundle, settings.Governance?.Maturity?.Bundle }.OfType<RuleBundle>();

    /// <summary>The live rule file of policy <paramref name="id"/>; null when this server runs none.</summary>
    private RuleBundle? LiveOf(string id) => Live().FirstOrDefault(bundle => bundle.File.Metadata.Id == id);

    /// <summary>Puts <paramref name="next"/> in force in place of <paramref name="live"/>, journaled as <c>rules.reloaded</c> in the one order of deciding.</summary>
    private async Task PutInForce(RuleBundle live, RuleBundle next, string file)
    {
        var reloaded = EventPayload.Entry($"rules:{file}", new RulesReloaded(file, live.Identity, next.Identity));
        if (ReferenceEquals(live, host.Gate.Bundle))
        {
            await host.Use(new CapitalGate(next), reloaded).ConfigureAwait(false);
            return;
        }

        await host.Note(reloaded).ConfigureAwait(false);
        if (ReferenceEquals(live, settings.Gates))
        {
            Use(gates: next);
        }
        else
        {
            var governance = Governance();
            Use(governance: ReferenceEquals(live, governance.Bundle) ? new GovernanceGate(next, governance.Maturity) : new GovernanceGate(governance.Bundle, new MaturityLadder(next)));
        }

        host.Metrics.Bundle(next);
    }

    /// <summary>Every instance with what it waits for; with <paramref name="waiting"/>, only those waiting for that (through the index).</summary>
    public Task<IReadOnlyList<InstanceView>> Instances(string? waiting = null) =>
        host.Exclusively(store =>
        {
            var workflows = Runtime(store);
            return (IReadOnlyList<InstanceView>)[.. (waiting is null ? workflows.List() : workflows.Waiting(waiting)).Select(instance => View(workflows, instance))];
        });

    /// <summary>One instance with what it waits for and the definition it is pinned to; null when there is none.</summary>
    public Task<InstanceView?> Instance(string id) =>
        host.Exclusively(store => Runtime(store) is var workflows && workflows.Find(id) is { } instance
            ? View(workflows, instance) with { Failing = workflows.Effects.Failing(instance.Id) }
            : null);

    /// <summary>
    /// Every policy with a ledger record or a diary (or only <paramref name="policy"/>), assessed against the promotion
    /// gates over its whole diary: its record, blockers per stage and the recommended stage.
    /// </summary>
    /// <exception cref="NotFoundException">The journal knows no such policy.</exception>
    public Task<IReadOnlyList<Assessment>> Ledger(string? policy = null) =>
        host.Exclusively(store =>
        {
            var promotions = new Promotions(store, FollowUp);
            var known = promotions.KnownPolicies();
            if (policy is not null && !known.Contains(policy))
            {
                throw new NotFoundException(Identities.Unknown("policy", policy, known).Message);
            }

            return promotions.Assess(settings.Gates, policy is null ? [.. known] : [policy], DiaryWindow.All);
        });

    /// <summary>
    /// The events <paramref name="query"/> takes, newest first, at most <paramref name="limit"/>. The journal is read
    /// backwards a window at a time, each window alone on the writer: a long search never holds up decisions for
    /// longer than one window takes.
    /// </summary>
    public async Task<IReadOnlyList<JournalEvent>> Journal(JournalQuery query, int limit)
    {
        const long Window = 4096;
        var found = new List<JournalEvent>(limit);
        var to = Math.Min(query.To, await host.Exclusively(store => store.LastSeq()).ConfigureAwait(false));
        while (found.Count < limit && to >= query.From)
        {
            var window = query with { From = Math.Max(query.From, to - Window + 1), To = to };
            var events = await host.Exclusively(store => window.Run(store).ToList()).ConfigureAwait(false);
            found.AddRange(Enumerable.Reverse(events).Take(limit - found.Count));
            to = window.From - 1;
        }

        return found;
    }

    /// <summary>Event <paramref name="seq"/> and, for a capital decision, every rule of its rule file explained on its request; null when there is no such event.</summary>
    public async Task<(JournalEvent Event, string? Bundle, IReadOnlyList<RuleExplanation> Rules)?> Event(long seq)
    {
        // Read on the writer; the rule file is compiled away from it, so explaining never holds up decisions.
        var (found, hash, bytes) = await host.Exclusively(store =>
        {
            var e = store.Read(new EventFilter(null, null, seq, seq)).FirstOrDefault();
            var named = e is null ? null : CapitalReplay.BundleHashOf(e);
            return (e, named, named is null ? null : store.Blob(named));
        }).ConfigureAwait(false);
        if (found is null)
        {
            return null;
        }

        if (hash is null)
        {
            return (found, null, []);
        }

        var (bundle, rules) = await Task.Run(() => CapitalReplay.Explain(wanted => wanted == hash ? bytes : null, settings.Engine, found)).ConfigureAwait(false);
        return (found, bundle, rules);
    }

    /// <summary>Issues a single-use execution token, by <paramref name="by"/>: the token and, this once, its secret.</summary>
    public Task<(ExecutionToken Token, string Secret)> IssueToken(string strategy, string? symbol, double? maxQty, Principal by)
    {
        var governance = Governance();
        return Done("token_issue", host.Exclusively(store => new TokenLedger(store, governance.Settings.Tokens, settings.Time).Issue(strategy, symbol, maxQty, by.Name)));
    }

    /// <summary>Revokes one token (<paramref name="id"/>) or all of a strategy's, by <paramref name="by"/>: how many.</summary>
    public Task<int> RevokeTokens(string strategy, string? id, Principal by, string reason)
    {
        var governance = Governance();
        return Done("token_revoke", host.Exclusively(store => new TokenLedger(store, governance.Settings.Tokens, settings.Time).Revoke(strategy, id, by.Name, reason)));
    }

    /// <summary>Records one check of an infrastructure component; at the policy's threshold its alert is raised (kill trips the kill switch).</summary>
    public Task<(CanaryState State, CanaryAlert? Alert)> CanaryReport(string component, bool ok, string? detail)
    {
        var governance = Governance();
        return Latching(Done("canary_report", host.Exclusively(store => new CanaryMonitor(store, governance.Settings.Canary).Report(component, ok, detail))), checks => [checks]);
    }

    /// <summary>How often each component must report, as the live governance policy says; null: silence is not watched.</summary>
    public TimeSpan? CanaryEvery => settings.Governance?.Settings.Canary.ReportEvery;

    /// <summary>The canary watchdog's round: a failed check for each component silent for longer than <see cref="CanaryEvery"/>.</summary>
    public async Task<IReadOnlyList<(CanaryState State, CanaryAlert? Alert)>> CanaryOverdue()
    {
        if (settings.Governance is not { Settings.Canary.ReportEvery: not null } governance)
        {
            return [];
        }

        var recorded = await Latching(host.Exclusively(store => new CanaryMonitor(store, governance.Settings.Canary).Overdue(Now)), checks => checks).ConfigureAwait(false);
        foreach (var _ in recorded)
        {
            host.Metrics.Action("canary_overdue");
        }

        return recorded;
    }

    /// <summary>When a check tripped the kill switch, the server's latch takes it before this completes: no order decided after it goes.</summary>
    private async Task<T> Latching<T>(Task<T> work, Func<T, IEnumerable<(CanaryState State, CanaryAlert? Alert)>> checks)
    {
        var result = await work.ConfigureAwait(false);
        if (checks(result).Any(check => check.Alert is { Action: CanaryAction.Kill }))
        {
            await host.Refresh().ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>A subject's one record of where it stands; null before any workflow placed it.</summary>
    public Task<SubjectStanding?> Standing(string kind, string subject) => host.Exclusively(store => SubjectStanding.Read(store, kind, subject));

    /// <summary>Every governance change the journal holds, oldest first (<see cref="GovernanceDocuments.ChangelogOf"/>), read beside the writer.</summary>
    public Task<ChangelogModel> Changelog() => Reading(store => GovernanceDocuments.ChangelogOf(store, digest));

    /// <summary>What happened to <paramref name="strategy"/> in the last <paramref name="days"/> UTC days: its orders per day and the changes about it, read beside the writer.</summary>
    /// <exception cref="NotFoundException">The journal knows no such strategy.</exception>
    public Task<StrategyTimeline> Timeline(string strategy, int days)
    {
        var now = Now;
        return Reading(store => GovernanceJournal.StrategiesOf(store) is var known && known.Contains(strategy)
            ? StrategyTimeline.Of(store, strategy, StrategyTimeline.Start(now, days), now, digest)
            : throw new NotFoundException(Identities.Unknown("strategy", strategy, known).Message));
    }

    /// <summary>
    /// A read of the whole journal: on a connection of its own beside the writer when the host opens one, so that no
    /// order waits for it; on the writer, between decisions, when it does not.
    /// </summary>
    private Task<T> Reading<T>(Func<JournalStore, T> read) =>
        settings.Reader is { } open
            ? Task.Run(() =>
            {
                using var reader = open();
                return read(reader);
            })
            : host.Exclusively(read);

    /// <summary>What governance knows of each strategy the journal knows (or only of <paramref name="strategy"/>).</summary>
    /// <exception cref="NotFoundException">The journal knows no such strategy.</exception>
    public Task<IReadOnlyList<StrategyReport>> Strategies(string? strategy = null)
    {
        var governance = Governance();
        return host.Exclusively(store =>
        {
            var journal = new GovernanceJournal(store, governance.Settings, settings.Time);
            var workflows = Runtime(store);
            if (strategy is null)
            {
                return journal.Reports(governance.CapOf, workflows);
            }

            var known = journal.Strategies();
            return known.Contains(strategy)
                ? [journal.Report(strategy, governance.CapOf, workflows)]
                : throw new NotFoundException(Identities.Unknown("strategy", strategy, known).Message);
        });
    }

    /// <summary>Fires every workflow timer due now (approval timeouts, escalations, <c>after:</c> moves): the server runs the clock.</summary>
    /// <returns>The instances the timers moved or escalated.</returns>
    public async Task<IReadOnlyList<WorkflowInstance>> Tick()
    {
        var fired = await host.Exclusively(store =>
        {
            // A proposal whose approval became final just before a crash is settled here, if no signal did since.
            PatchApprovals.Settle(store, settings.Engine);
            return Runtime(store).Tick(Now);
        }).ConfigureAwait(false);
        await PutApprovedRulesLive().ConfigureAwait(false);
        host.Metrics.TimersFired(fired.Count);
        host.Metrics.Moved(fired);
        return fired;       // no wake: the background that ticks runs the effects next, in the same round
    }

    /// <summary>
    /// Runs the effects due now, oldest first: each prepared from the journal and closed in it on the writer, and done
    /// (a document written, a notice posted, a line logged) off it, so a webhook that never answers holds up no order.
    /// </summary>
    /// <returns>How many ran, done or failed.</returns>
    public async Task<int> RunEffects(CancellationToken cancellation)
    {
        var due = await host.Exclusively(store => Runtime(store).Effects.Due(Now)).ConfigureAwait(false);
        foreach (var pending in due)
        {
            cancellation.ThrowIfCancellationRequested();
            var (job, effects, failure) = await host.Exclusively(store =>
            {
                var effects = Runtime(store).Effects;
                try
                {
                    return ((EffectJob?)effects.Prepare(pending), effects, (string?)null);
                }
                catch (EffectFailedException failed)
                {
                    return (null, effects, failed.Message);
                }
            }).ConfigureAwait(false);
            failure ??= await effects.ExecuteAsync(job!, cancellation).ConfigureAwait(false);
            await host.Exclusively(store =>
            {
                Runtime(store).Effects.Close(pending, failure);
                return 0;
            }).ConfigureAwait(false);
            if (failure is not null)
            {
                host.Metrics.EffectFailed(pending.Effect switch { WorkflowEffect.Render => "render", WorkflowEffect.Notify => "notify", _ => "log" });
            }
        }

        return due.Count;
    }

    /// <summary>When the next timer, effect retry or approved rule change's time is due; null when none is set.</summary>
    public Task<DateTimeOffset?> NextWake() =>
        host.Exclusively(store =>
        {
            var workflows = Runtime(store);
            return workflows.Effects.Pending().Select(pending => pending.RetryAt).Append(workflows.NextDue()).Append(RuleChanges.NextLive(store)).Min();
        });

    /// <summary>Completes when a governance operation may have left effects to run or timers to set; waits until then.</summary>
    public ValueTask<bool> Changed(CancellationToken cancellation) => changes.Reader.WaitToReadAsync(cancellation);

    /// <summary>Counts a round of the background work that failed (the journal unreachable, say): <c>rulesgate_background_failures_total</c>.</summary>
    public void BackgroundFailed(string service = "workflow") => host.Metrics.BackgroundFailed(service);

    /// <summary>Takes the news that something changed, so the next <see cref="Changed"/> waits for the next change.</summary>
    public void Seen() => changes.Reader.TryRead(out _);

    /// <summary>Counts <paramref name="action"/> once <paramref name="work"/> is done, and the instances it moved; wakes the background work.</summary>
    private async Task<T> Done<T>(string action, Task<T> work, Func<T, IEnumerable<WorkflowInstance>>? moved = null)
    {
        var result = await work.ConfigureAwait(false);
        host.Metrics.Action(action);
        host.Metrics.Moved(moved?.Invoke(result) ?? []);
        Wake();
        return result;
    }

    private void Wake() => changes.Writer.TryWrite(true);

    private DateTimeOffset Now => (settings.Time ?? TimeProvider.System).GetUtcNow();

    private PromotionFollowUp FollowUp => new(Path.Combine(settings.Artifacts, "governance", "policy_promotions.log"), settings.Templates);

    private GovernanceGate Governance() => settings.Governance ?? throw new NoGovernanceException();

    private WorkflowRuntime Runtime(JournalStore store) =>
        runtime ??= new WorkflowRuntime(store, new WorkflowLoader(settings.Engine, settings.Roles, settings.Templates), settings.Roles, settings.Time, settings.Artifacts, settings.Webhook,
            activity: RuleChanges.Settlements(store, settings.Engine), workflows: () => workflows.Values, standing: () => standing);

    private static InstanceView View(WorkflowRuntime workflows, WorkflowInstance instance) => new(instance, workflows.Bookmarks(instance), workflows.DefinitionOf(instance));
}

/// <summary>An instance, what it waits for (<c>evidence</c>, <c>approval</c>, <c>timer</c>) and the definition it is pinned to.</summary>
public sealed record InstanceView(WorkflowInstance Instance, IReadOnlyList<string> WaitsFor, WorkflowDefinition Definition)
{
    /// <summary>Its effects that failed and wait for a retry, or are dead letters (only when one instance is asked for).</summary>
    public IReadOnlyList<(PendingEffect Effect, bool Dead)> Failing { get; init; } = [];
}

/// <summary>The server was started without a governance policy, so what needs one is refused.</summary>
public sealed class NoGovernanceException() : Exception("This server has no governance policy; start it with --governance.");

/// <summary>What was asked for is not there: a 404.</summary>
public sealed class NotFoundException(string message) : Exception(message);
