using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Journal;
using RulesGate.Core.Orders;
using RulesGate.Core.Patches;
using RulesGate.Core.Promotion;
using RulesGate.Core.Reports;
using RulesGate.Core.Rules;
using RulesGate.Core.Signing;
using RulesGate.Core.Workflows;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate demo</c>: what RulesGate does today, on the shipped rules and samples.</summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("demo", "Load and check rules/, run the rule tests, then run samples/capital/ through the pre-trade gate into a fresh journal (artifacts/demo.db), verify it and replay it, and run the scenario packs of samples/scenarios/ (normal day, throttle burst, drawdown crash); then ingest samples/promotion/, assess both policies, promote one a stage and render its summary and the governance changelog; then drive that policy through workflows/alpha-trade-promotion.yaml and print its history and diagram; then tell one strategy's story through its one standing (samples/story/: discovery, the pipeline's gates, two signed votes, its maturity ladder, a demotion); then run samples/governance/ through the governance and capital gates and print the table of verdicts; then samples/patches/ through the PatchPolicy in manual_only (approved by risk) and bounded_auto; then one rule change from proposal to impact to approval to live (samples/capital/candidate.yaml, workflows/rule-change.yaml).");
        command.SetAction(async (parse, cancellation) =>
        {
            var engine = CliOptions.Engine(parse);
            output.WriteLine("RulesGate demo: rules/ compiled with Roslyn, sandboxed, tested.");
            output.WriteLine();
            var failures = 0;
            foreach (var path in RuleFiles.Under("rules"))
            {
                var result = engine.Load(path);
                if (result.Value is { } bundle)
                {
                    var how = bundle.FromCache ? "from cache" : "compiled";
                    output.WriteLine($"  {bundle.Identity,-40} {bundle.File.Kind,-14} {bundle.File.Rules.Count,3} rules  {bundle.File.Mode.ToString().ToLowerInvariant(),-8} {how,-10}  {path}");
                }
                else
                {
                    failures += RulesCommand.Report(result.Diagnostics, error);
                }
            }

            output.WriteLine();
            var outcomes = RulesCommand.RunTests(engine, Path.Combine("rules", "tests"));
            var failed = outcomes.Count(o => !o.Passed);
            foreach (var outcome in outcomes.Where(o => !o.Passed))
            {
                output.WriteLine($"  FAIL  {outcome.Location}: {outcome.Case}: {outcome.Failure}");
            }

            output.WriteLine($"Rule tests: {outcomes.Count - failed} passed, {failed} failed.");
            output.WriteLine();
            var streamOk = Stream(engine, output, error);
            var promotionOk = streamOk.HasValue ? Promotion(engine, output, error) : null;
            var workflowOk = promotionOk.HasValue ? await Workflow(engine, output, error, cancellation).ConfigureAwait(false) : null;
            var storyOk = workflowOk.HasValue ? await Story(engine, parse, output, error, cancellation).ConfigureAwait(false) : null;
            var governanceOk = storyOk.HasValue ? await Governance(engine, parse, output, error, cancellation).ConfigureAwait(false) : null;
            var patchesOk = governanceOk.HasValue ? await Patches(engine, output, error, cancellation).ConfigureAwait(false) : null;
            var changeOk = patchesOk.HasValue ? await RuleChange(engine, output, error).ConfigureAwait(false) : null;
            return failures > 0 || !streamOk.HasValue || !promotionOk.HasValue || !workflowOk.HasValue || !storyOk.HasValue || !governanceOk.HasValue || !patchesOk.HasValue || !changeOk.HasValue ? ExitCodes.Error
                : failed > 0 || streamOk == false || promotionOk == false || workflowOk == false || storyOk == false || governanceOk == false || patchesOk == false || changeOk == false ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The sample stream through the gate into a fresh journal, then the journal verified and replayed.</summary>
    private static bool? Stream(RuleEngine engine, TextWriter output, TextWriter error)
    {
        const string samples = "samples/capital/";
        if (GateInputs.Gate(engine, samples + "policygate-policy.yaml", error) is not { } gate)
        {
            return null;
        }

        var journalPath = Path.Combine("artifacts", "demo.db");
        foreach (var file in new[] { journalPath, journalPath + "-wal", journalPath + "-shm" })
        {
            File.Delete(file);
        }

        using var journal = SqliteJournal.Create(journalPath);
        var stream = new CapitalStream(
            gate,
            GateInputs.Read(samples + "portfolio.json", CapitalContextJson.ReadPortfolio),
            GateInputs.Read(samples + "market.json", CapitalContextJson.ReadMarket),
            GateInputs.Read(samples + "execution.json", CapitalContextJson.ReadExecution),
            "demo",
            journal);
        output.WriteLine($"Pre-trade gate: {samples}intents.jsonl through {gate.Bundle.Identity} (a PolicyGate policy on the standard rules), journal {journalPath}");
        output.WriteLine();
        output.WriteLine($"  {"intent",-7} {"strategy",-12} {"order",-24} {"decision",-8} {"rules",-18} note");
        var lines = File.ReadAllLines(samples + "intents.jsonl");
        for (var i = 0; i < lines.Length; i++)
        {
            var decision = stream.Next(lines[i], i + 1);
            var (strategy, order) = Describe(lines[i]);
            var note = decision.ModifiedIntent is { } modified ? $"qty -> {modified.Qty.ToString("0.########", CultureInfo.InvariantCulture)}"
                : decision.Violations.Count > 0 ? decision.Violations[0].Message : "";
            var rules = string.Join(",", decision.Violations.Select(v => v.RuleId));
            output.WriteLine($"  {decision.IntentId,-7} {strategy,-12} {order,-24} {CapitalJson.Verdict(decision.Decision),-8} {rules,-18} {note}{(decision.KillSwitchTriggered ? "  [kill switch tripped]" : "")}");
        }

        output.WriteLine();
        output.WriteLine(stream.Summary().ToJson());
        var verification = JournalAudit.Verify(journal);
        var replay = CapitalReplay.Run(journal, engine, "demo");
        output.WriteLine();
        output.WriteLine(verification.Describe());
        output.WriteLine($"Replay: {replay.Replayed} decisions re-evaluated with the recorded rule file, {replay.Mismatches.Count} mismatches.");
        return verification.Intact && replay.Matches && Scenarios(engine, output, error);
    }

    /// <summary>What each scenario pack of <c>samples/scenarios/</c> shows, checked as the demo runs it.</summary>
    private static readonly (string Name, string Shows, Func<StreamSummary, bool> Holds)[] ScenarioPacks =
    [
        ("normal-day", "ordinary orders go; one too large is cut to the position cap", summary => summary.Decisions.GetValueOrDefault(CapitalVerdict.Deny) == 0 && !summary.KillSwitchActive),
        ("throttle-burst", "the rate limits deny the burst, and the fifth violation in two minutes trips the kill switch", summary => summary.RuleHistogram.ContainsKey("EXEC-001") && summary.RuleHistogram.ContainsKey("EXEC-002") && summary.KillSwitchActive),
        ("drawdown-crash", "a book 12% off its peak trips the kill switch on its first order; nothing goes", summary => summary.OrdersSubmitted == 0 && summary.KillSwitchActive),
    ];

    /// <summary>PolicyGate's scenario packs, each a stream of its own (its policy.yaml, or the standard rules), without a journal.</summary>
    private static bool Scenarios(RuleEngine engine, TextWriter output, TextWriter error)
    {
        output.WriteLine();
        output.WriteLine("Scenario packs (samples/scenarios/), each run as 'rulesgate run' runs it:");
        var held = true;
        foreach (var (name, shows, holds) in ScenarioPacks)
        {
            var folder = Path.Combine("samples", "scenarios", name);
            var policy = Path.Combine(folder, "policy.yaml");
            if (GateInputs.Gate(engine, File.Exists(policy) ? policy : Path.Combine("rules", "capital", "default.yaml"), error) is not { } gate)
            {
                return false;
            }

            var stream = new CapitalStream(gate, GateInputs.Read(Path.Combine(folder, "portfolio.json"), CapitalContextJson.ReadPortfolio), GateInputs.Read(Path.Combine(folder, "market.json"), CapitalContextJson.ReadMarket), ExecutionState.Idle, $"scenario-{name}");
            var lines = File.ReadAllLines(Path.Combine(folder, "intents.jsonl"));
            for (var i = 0; i < lines.Length; i++)
            {
                stream.Next(lines[i], i + 1);
            }

            var summary = stream.Summary();
            var rules = string.Join(", ", summary.RuleHistogram.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key} {pair.Value}"));
            var verdicts = string.Join(", ", summary.Decisions.Where(pair => pair.Value > 0).Select(pair => $"{pair.Value} {CapitalJson.Verdict(pair.Key)}"));
            var ok = holds(summary);
            held &= ok;
            output.WriteLine($"  {name,-15} {summary.TotalIntents,3} intents: {verdicts}; {summary.OrdersSubmitted} sent; {(rules.Length == 0 ? "no rule fired" : rules)}; kill switch {(summary.KillSwitchActive ? "latched" : "off")}");
            output.WriteLine($"  {"",-15} {(ok ? "shows" : "FAILED to show")}: {shows}");
        }

        return held;
    }

    /// <summary>The sample diary into the same journal, both policies assessed, one promoted a stage, the journal verified again.</summary>
    private static bool? Promotion(RuleEngine engine, TextWriter output, TextWriter error)
    {
        const string diary = "samples/promotion/diary.jsonl";
        var loaded = PromotionGates.Load(engine, null);
        if (loaded.Value is not { } gates)
        {
            RulesCommand.Report(loaded.Diagnostics, error);
            return null;
        }

        using var journal = SqliteJournal.Open(Path.Combine("artifacts", "demo.db"));
        var folder = Path.Combine("artifacts", "demo");
        Directory.CreateDirectory(folder);
        File.Delete(Path.Combine(folder, "policy_promotions.log"));
        var promotions = new Promotions(journal, new PromotionFollowUp(Path.Combine(folder, "policy_promotions.log")));
        var ingested = promotions.Ingest(GateInputs.ReadLines(diary, DiaryEntry.Read), workflows: null);
        output.WriteLine();
        output.WriteLine($"Promotion gates: {diary} ({ingested.Added} diary entries) judged by {gates.Identity}");
        output.WriteLine();
        foreach (var assessment in promotions.Assess(gates, ["alpha-momentum", "beta-meanrev"], DiaryWindow.All))
        {
            output.WriteLine(PromotionCommands.Table(assessment));
        }

        // Paper is what the gates recommend on its diary, and paper needs no approval: promote records it.
        var bar = new PromotionBar(gates, DiaryWindow.All, WorkflowRoles.Load(WorkflowRoles.DefaultPath), RunClock.Machine.GetUtcNow());
        var record = promotions.Promote(new PromotionRequest("alpha-momentum", PromotionStage.Paper, "demo", EvidenceId: "dd-am-exp"), bar, Path.Combine(folder, "alpha-momentum-paper.md"));
        output.WriteLine();
        output.WriteLine($"Promoted alpha-momentum to {record.DeclaredStage.Name()} with approvals [{string.Join(", ", record.Approvals)}] and evidence {record.EvidenceId}; current stage {record.CurrentStage.Name()}.");
        var changelog = GovernanceDocuments.Changelog(journal);
        File.WriteAllText(Path.Combine(folder, "changelog.md"), changelog);
        output.WriteLine($"Rendered {folder}/alpha-momentum-paper.md and {folder}/changelog.md from templates/; logged to {folder}/policy_promotions.log.");
        output.WriteLine();
        output.Write(changelog);
        var verification = JournalAudit.Verify(journal);
        output.WriteLine(verification.Describe());
        return verification.Intact;
    }

    /// <summary>
    /// The demo's approvers, who sign their votes as people on the command line must: each gets a key made for this
    /// run and held in memory, and the roles list its public key.
    /// </summary>
    private static (WorkflowRoles Roles, Func<string, Actor> Person) Cast(WorkflowRoles roles, params string[] people)
    {
        var keys = people.ToDictionary(name => name, _ => System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256), StringComparer.Ordinal);
        foreach (var (name, key) in keys)
        {
            roles = roles.WithKey(name, key.ExportSubjectPublicKeyInfo());
        }

        return (roles, name => Actor.Signing(name, keys[name]));
    }

    /// <summary>alpha-momentum driven through alpha-trade-promotion: diary evidence, three approvals, the live gate; its history and diagram.</summary>
    private static async Task<bool?> Workflow(RuleEngine engine, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        var (roles, person) = Cast(WorkflowRoles.Load(WorkflowRoles.DefaultPath), "rhea", "raj", "carla");
        var loaded = new WorkflowLoader(engine, roles).Load("workflows/alpha-trade-promotion.yaml");
        if (loaded.Value is not { } definition)
        {
            RulesCommand.Report(loaded.Diagnostics, error);
            return null;
        }

        using var journal = SqliteJournal.Open(Path.Combine("artifacts", "demo.db"));
        var runtime = new WorkflowRuntime(journal, new WorkflowLoader(engine, roles), roles, artifacts: Path.Combine("artifacts", "demo"), promotionLog: Path.Combine("artifacts", "demo", "policy_promotions.log"));
        using var clean = Promotions.DiaryEvidence(added: 0, alerts: 0);
        var promotions = new Promotions(journal, new PromotionFollowUp(Path.Combine("artifacts", "demo", "policy_promotions.log")));
        var instance = runtime.Start(definition, "alpha-momentum", "olga");
        runtime.Evidence("alpha-momentum", "diary", clean.RootElement, "demo-diary-1");
        runtime.Vote(instance.Id, person("rhea"), "risk", approve: true, "Paper diary is clean: 48 decisions, 2 warnings.");
        runtime.Vote(instance.Id, person("raj"), "risk", approve: true, "Pilot sizing reviewed.");
        runtime.Vote(instance.Id, person("carla"), "compliance", approve: true, "Evidence and approvals on file.");
        // The operator completes the record at pilot; its approvals are the votes cast above.
        var gates = PromotionGates.Load(engine, null).Value!;
        promotions.Promote(new PromotionRequest("alpha-momentum", PromotionStage.Pilot, "olga", EvidenceId: "dd-am-pilot",
            Checklist: new Dictionary<string, string> { ["oos_regime_grid"] = "done", ["leakage_checks"] = "done", ["risk_audit"] = "done" }), new PromotionBar(gates, DiaryWindow.All, roles, RunClock.Machine.GetUtcNow()));
        runtime.Evidence("alpha-momentum", "diary", clean.RootElement, "demo-diary-2");
        var final = runtime.Find(instance.Id)!;
        var undone = await EffectsCommand.DrainAsync(runtime.Effects, error, cancellation).ConfigureAwait(false);     // the summaries and log lines its moves asked for

        output.WriteLine();
        output.WriteLine($"Workflow: {instance.Id} on {definition.Identity}, driven by diary evidence and approvals from workflows/roles.yaml, each vote signed with a key made for this run");
        output.WriteLine();
        foreach (var step in final.History)
        {
            output.WriteLine($"  {(step.From.Length == 0 ? "-" : step.From),-14} → {step.To,-14} {step.Cause,-9} by {step.Actor}{(step.Detail.Length > 0 ? $": {step.Detail}" : "")}");
        }

        output.WriteLine();
        output.WriteLine($"Ledger: alpha-momentum is at {PolicyLedger.Read(journal, "alpha-momentum").CurrentStage.Name()}.");
        output.WriteLine();
        output.Write(WorkflowDiagram.Mermaid(definition));
        var verification = JournalAudit.Verify(journal);
        output.WriteLine(verification.Describe());
        return verification.Intact && final.State == "limited_live" && undone == 0;
    }

    /// <summary>
    /// One strategy's story through its one standing, on the shipped workflows and standing file: discovery evidence
    /// starts its pipeline (samples/story/pipeline.jsonl), each stage on its own evidence, two signed votes put it live,
    /// which starts its maturity ladder; three weeks of outcomes raise it; a critical incident takes it back to paper.
    /// At every step what governance show, GET /v1/governance and the console read (the strategy's report) and what
    /// the gate sizes by agree with the standing record, or the demo fails.
    /// </summary>
    private static async Task<bool?> Story(RuleEngine engine, ParseResult parse, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        const string subject = "trend";
        const string samples = "samples/story/";
        if (GovernanceCommands.Gate(engine, GovernanceCommands.DefaultPolicy, parse, error) is not { } gate)
        {
            return null;
        }

        var (roles, person) = Cast(WorkflowRoles.Load(WorkflowRoles.DefaultPath), "rhea", "carla");
        var catalogue = new WorkflowCatalogue(new WorkflowLoader(engine, roles), "workflows");
        var journalPath = Path.Combine("artifacts", "demo-story.db");
        foreach (var file in new[] { journalPath, journalPath + "-wal", journalPath + "-shm" })
        {
            File.Delete(file);
        }

        using var journal = SqliteJournal.Create(journalPath);
        var runtime = new WorkflowRuntime(journal, new WorkflowLoader(engine, roles), roles, artifacts: Path.Combine("artifacts", "demo-story"), workflows: () => catalogue.All(), standing: catalogue.Standing);
        var governance = new GovernanceJournal(journal, gate.Settings);
        output.WriteLine();
        output.WriteLine($"One standing: {subject} from discovery to live to a demotion, on workflows/ and workflows/standing.yaml, journal {journalPath}");
        var agreed = true;
        void Step(string what)
        {
            var standing = SubjectStanding.Read(journal, GovernanceJournal.SubjectKind, subject)!;
            var report = governance.Report(subject, gate.CapOf);
            var sized = governance.Inputs(subject, "MSFT", 100, null).SizingCap;
            var agree = report.Level == (standing.Level ?? report.Level) && report.SizingCap == standing.SizingCap && sized == (standing.SizingCap ?? sized) && report.CapSetBy == standing.CapSetBy;
            agreed &= agree;
            output.WriteLine();
            output.WriteLine($"  {what}");
            foreach (var line in standing.Lines())
            {
                output.WriteLine($"    {line}");
            }

            output.WriteLine($"    cap in force {Number(standing.SizingCap)} ({standing.CapSetBy}); governance show, the API, the console and the gate {(agree ? "agree" : $"DISAGREE: level {report.Level}, cap {Number(report.SizingCap)}, gate {Number(sized)}")}");
        }

        foreach (var line in File.ReadLines(samples + "pipeline.jsonl"))
        {
            using var signal = JsonDocument.Parse(line);
            var root = signal.RootElement;
            var kind = root.GetProperty("kind").GetString()!;
            var outcome = runtime.Evidence(subject, kind, root.GetProperty("evidence"), root.GetProperty("key").GetString());
            Step($"{kind} evidence: {(outcome.Started.Count > 0 ? $"started {string.Join(", ", outcome.Started.Select(started => started.Id))}; " : "")}{string.Join(", ", outcome.Moved.Select(moved => $"{moved.Workflow} → {moved.State}"))}");
        }

        runtime.Vote($"live-pipeline:{subject}", person("rhea"), "risk", approve: true, "Paper burn-in clean for 21 days; checklist read.");
        var live = runtime.Vote($"live-pipeline:{subject}", person("carla"), "compliance", approve: true, "All seven checklist items on record.");
        Step($"two signed votes: live-pipeline → {live.Instance.State}; the standing file starts {string.Join(", ", live.Started.Select(started => started.Id))}");
        for (var week = 1; week <= 3; week++)
        {
            var outcomes = GateInputs.ReadLines($"samples/governance/outcomes-week{week}.jsonl", TradeOutcome.Read).Where(outcome => outcome.StrategyId == subject).ToList();
            var moved = OutcomeEvidence.Ingest(governance, outcomes, runtime).Moved;
            Step($"week {week}: {outcomes.Count} outcomes; {(moved.Count == 0 ? "nothing moved" : string.Join(", ", moved.Select(instance => $"{instance.Workflow} → {instance.State}")))}");
        }

        using (var incident = JsonDocument.Parse(File.ReadAllText(samples + "incident.json")))
        {
            var demoted = runtime.Evidence(subject, "incident", incident.RootElement, "trend-incident-1");
            Step($"a critical incident: {string.Join(", ", demoted.Moved.Select(instance => $"{instance.Workflow} → {instance.State}"))}; the strategy trades nothing until it is live again");
        }

        var undone = await EffectsCommand.DrainAsync(runtime.Effects, error, cancellation).ConfigureAwait(false);
        var checklist = Path.Combine("artifacts", "demo-story", "workflows", $"live-pipeline_{subject}", "L6_review-live_checklist.md");
        output.WriteLine();
        output.WriteLine($"  the go-live checklist the votes approved: {checklist}");
        var verification = JournalAudit.Verify(journal);
        output.WriteLine(verification.Describe());
        var final = SubjectStanding.Read(journal, GovernanceJournal.SubjectKind, subject)!;
        return agreed && verification.Intact && undone == 0 && File.Exists(checklist) && final.SizingCap == 0 && final.On("live-pipeline")?.State == "L5_paper";

        static string Number(double? value) => value is { } number ? number.ToString("0.####", CultureInfo.InvariantCulture) : "none";
    }

    /// <summary>
    /// samples/governance/: three strategies climb the maturity ladder on four weeks of outcomes (one level per good
    /// batch), meanrev drifts from its backtest, breakout gets one execution token; their orders go through both
    /// gates. Then the canary trips the kill switch, and the next order meets it.
    /// </summary>
    private static async Task<bool?> Governance(RuleEngine engine, ParseResult parse, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        const string samples = "samples/governance/";
        if (GovernanceCommands.Gate(engine, GovernanceCommands.DefaultPolicy, parse, error) is not { } gate
            || GateInputs.Gate(engine, "rules/capital/default.yaml", error) is not { } capital)
        {
            return null;
        }

        var roles = WorkflowRoles.Load(WorkflowRoles.DefaultPath);
        var loaded = new WorkflowLoader(engine, roles).Load("workflows/maturity-ladder.yaml");
        if (loaded.Value is not { } ladder)
        {
            RulesCommand.Report(loaded.Diagnostics, error);
            return null;
        }

        // A journal of its own: the capital stream above latched the kill switch in demo.db, as it should.
        var journalPath = Path.Combine("artifacts", "demo-governance.db");
        foreach (var file in new[] { journalPath, journalPath + "-wal", journalPath + "-shm" })
        {
            File.Delete(file);
        }

        using var journal = SqliteJournal.Create(journalPath);
        var runtime = new WorkflowRuntime(journal, new WorkflowLoader(engine, roles), roles);
        var governance = new GovernanceJournal(journal, gate.Settings);
        output.WriteLine();
        output.WriteLine($"Governance gate: {samples} judged by {gate.Bundle.Identity} over {gate.Maturity!.Bundle.Identity}, composed with {capital.Bundle.Identity}, journal {journalPath}");
        output.WriteLine();
        string[] strategies = ["trend", "meanrev", "breakout"];
        foreach (var strategy in strategies)
        {
            runtime.Start(ladder, strategy, "olga");
        }

        for (var week = 1; File.Exists($"{samples}outcomes-week{week}.jsonl"); week++)
        {
            var (intake, moved, _, _) = OutcomeEvidence.Ingest(governance, GateInputs.ReadLines($"{samples}outcomes-week{week}.jsonl", TradeOutcome.Read), runtime);
            output.WriteLine($"  week {week}: {intake.Added} outcomes; {string.Join(", ", moved.Select(instance => $"{instance.Subject} → {instance.State}"))}");
        }

        foreach (var strategy in strategies)
        {
            foreach (var kind in new[] { GovernanceJournal.BaselineKind, GovernanceJournal.PerformanceKind })
            {
                if (File.Exists($"{samples}{kind}-{strategy}.json"))
                {
                    using var evidence = JsonDocument.Parse(File.ReadAllText($"{samples}{kind}-{strategy}.json"));
                    runtime.Evidence(strategy, kind, evidence.RootElement);
                }
            }

            var alerts = governance.RecordDrift(strategy);
            var drift = governance.Report(strategy, gate.CapOf).Drift;
            if (drift.Metrics.Count > 0)
            {
                output.WriteLine($"  {strategy} drift: worst {drift.WorstPct.ToString(CultureInfo.InvariantCulture)} %{(alerts.Count == 0 ? ", no alert" : "; " + string.Join(", ", alerts.Select(alert => $"{alert.Metric} {alert.DeviationPct.ToString(CultureInfo.InvariantCulture)} % {GovernanceActions.Name(alert.Action)}")))}");
            }
        }

        var (_, secret) = governance.Tokens.Issue("breakout", "NVDA", 50, "rhea");
        var (_, criticalSecret) = governance.Tokens.Issue("breakout", "NVDA", null, "rhea");
        output.WriteLine("  two execution tokens for breakout (their ids and secrets are random): one for NVDA up to 50, presented by g-005 and again by g-006; one for NVDA, by g-007");
        output.WriteLine();
        var pipeline = new OrderPipeline(capital, gate);
        var presented = new Dictionary<string, string> { ["g-005"] = secret, ["g-006"] = secret, ["g-007"] = criticalSecret };
        output.WriteLine($"  {"intent",-7} {"strategy",-9} {"level",-15} {"order",-16} {"governance",-12} {"capital",-8} {"verdict",-12} {"qty",9}  reason");
        var requests = GateInputs.ReadLines(samples + "requests.jsonl", GovernanceRequest.Read);
        foreach (var request in requests)
        {
            var id = request.Capital.Intent.IntentId;
            var decision = pipeline.Decide(journal, request.Capital, presented.TryGetValue(id, out var key) ? request.Inputs with { TokenSecret = key } : request.Inputs).Order;
            Row(output, decision.Governed!);
        }

        var (_, alert) = (default(CanaryState), default(CanaryAlert));
        for (var check = 0; check < gate.Settings.Canary.FailureThreshold; check++)
        {
            (_, alert) = governance.Canary.Report("exchange", ok: false, "heartbeat missed");
        }

        output.WriteLine();
        output.WriteLine($"  canary: {alert?.Reason} ({alert?.Action.ToString().ToLowerInvariant()}); the kill switch is {(GateJournal.State(journal).Active ? "latched" : "off")}");
        var after = pipeline.Decide(journal, requests[0].Capital, requests[0].Inputs).Order.Governed!;
        Row(output, after);
        var undone = await EffectsCommand.DrainAsync(runtime.Effects, error, cancellation).ConfigureAwait(false);
        var verification = JournalAudit.Verify(journal);
        output.WriteLine();
        output.WriteLine(verification.Describe());
        return verification.Intact && after.Action == GovernanceAction.Kill && undone == 0;
    }

    /// <summary>
    /// samples/patches/ through the PatchPolicy twice: manual_only (a proposal a risk approver approves, which applies
    /// it), then bounded_auto on the next day (applied at once within bounds and the daily limit); the checklist's
    /// head and the live overrides after each.
    /// </summary>
    private static async Task<bool?> Patches(RuleEngine engine, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        var loaded = engine.Load(PatchCommands.DefaultPolicy);
        if (loaded.Value is not { } bundle)
        {
            RulesCommand.Report(loaded.Diagnostics, error);
            return null;
        }

        var (roles, person) = Cast(WorkflowRoles.Load(WorkflowRoles.DefaultPath), "raj");
        var approval = new WorkflowLoader(engine, roles).Load("workflows/config-patch-approval.yaml");
        if (approval.Value is not { } definition)
        {
            RulesCommand.Report(approval.Diagnostics, error);
            return null;
        }

        var folder = Path.Combine("artifacts", "demo", "patches");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var journalPath = Path.Combine(folder, "journal.db");
        // Each mode against its own copy of the live values the sample patches were written against.
        var overrides = Path.Combine(folder, "live_overrides", "auto.toml");
        var unattended = Path.Combine(folder, "live_overrides_bounded", "auto.toml");
        foreach (var file in new[] { overrides, unattended })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.Copy("samples/patches/auto.toml", file);
        }

        using var journal = SqliteJournal.Create(journalPath);
        var runtime = new WorkflowRuntime(journal, new WorkflowLoader(engine, roles), roles, activity: RuleChanges.Settlements(journal, engine));
        var proposer = new PatchProposer(new PatchJudge(bundle), journal);
        var patches = GateInputs.ReadLines("samples/patches/patches.jsonl", ConfigPatch.Read);
        output.WriteLine();
        output.WriteLine($"Config patches: samples/patches/patches.jsonl ({patches.Length} patches of the learning loop) judged by {bundle.Identity}, journal {journalPath}");
        output.WriteLine();
        var manual = proposer.Propose(patches, PatchMode.ManualOnly, new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero), Path.Combine(folder, "live_promotion"), overrides,
            id => runtime.Start(definition, id, "learning-loop"));
        output.WriteLine($"  {"patch",-10} {"target",-26} {"change",-18} {"decision",-25} reason");
        foreach (var decision in manual.Decisions)
        {
            var change = $"{decision.Patch.OldValue} → {decision.Patch.NewValue}";
            output.WriteLine($"  {decision.Patch.Id,-10} {decision.Patch.Target,-26} {change,-18} {decision.Status,-25} {(decision.Reasons.Count == 0 ? "" : decision.Reasons[^1])}");
        }

        runtime.Vote($"{PatchProposer.ApprovalWorkflow}:{manual.ProposalId}", person("raj"), "risk", approve: true, "Checked against the experiment notebooks.");
        var approved = new PatchProposals(journal).Find(manual.ProposalId!)!;     // settled with the vote, as on every path
        output.WriteLine();
        output.WriteLine($"  manual_only: {manual.ProposalId}, {approved.SettledBy}: {approved.Applied.Count} applied, {approved.Skipped.Count} skipped ({string.Join("; ", approved.Skipped.Select(skip => $"{skip.PatchId}: {skip.Reason}"))})");
        var auto = proposer.Propose(patches, PatchMode.BoundedAuto, new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), Path.Combine(folder, "live_promotion"), unattended);
        var undone = await EffectsCommand.DrainAsync(runtime.Effects, error, cancellation).ConfigureAwait(false);     // the files its transactions asked for

        output.WriteLine($"  bounded_auto: {auto.ProposalId}: {auto.Decisions.Count(decision => decision.IsAccepted)} accepted (its guardrails reject what manual_only leaves to the approver), {auto.Applied.Count} applied at once, {auto.Decisions.Count(decision => decision.Status == PatchDecision.Pending)} PENDING past the auto-apply bounds (a human decides those), {auto.Skipped.Count} skipped in all");
        output.WriteLine();
        output.WriteLine($"  {Path.Combine(auto.OutputDir!, "OPERATOR_CHECKLIST.md")} begins:");
        foreach (var line in File.ReadLines(Path.Combine(auto.OutputDir!, "OPERATOR_CHECKLIST.md")).Take(6))
        {
            output.WriteLine($"    {line}");
        }

        output.WriteLine();
        output.WriteLine($"  {overrides}:");
        foreach (var line in File.ReadLines(overrides))
        {
            output.WriteLine($"    {line}");
        }

        var verification = JournalAudit.Verify(journal);
        output.WriteLine();
        output.WriteLine(verification.Describe());
        return verification.Intact && approved.Status == "applied" && auto.Applied.Count > 0 && undone == 0;
    }

    /// <summary>
    /// One rule change from proposal to impact to approval to live, on the order desk a server runs: orders judged
    /// under rules/capital/default.yaml; samples/capital/candidate.yaml proposed, its impact on them and its diff
    /// shown; two signed risk votes on workflows/rule-change.yaml; then the candidate live, and the same orders judged
    /// as its impact said they would be.
    /// </summary>
    private static async Task<bool?> RuleChange(RuleEngine engine, TextWriter output, TextWriter error)
    {
        const string LivePath = "rules/capital/default.yaml", CandidatePath = "samples/capital/candidate.yaml";
        var (live, candidate) = (GateInputs.Policy(engine, LivePath, error), GateInputs.Policy(engine, CandidatePath, error));
        var (roles, person) = Cast(WorkflowRoles.Load(WorkflowRoles.DefaultPath), "rhea", "raj");
        var loaded = new WorkflowLoader(engine, roles).Load($"workflows/{RuleChanges.Workflow}.yaml");
        if (live is null || candidate is null || loaded.Value is not { } definition)
        {
            RulesCommand.Report(loaded.Diagnostics, error);
            return null;
        }

        var folder = Path.Combine("artifacts", "demo", "rule-change");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        // The sample order at 2% to 40% of equity, twice each: both files allow up to 5%, only the live one up to 10%.
        var sample = File.ReadAllText("samples/request-oversized-buy.json");
        int[] quantities = [5, 10, 15, 20, 30, 50, 100];
        var orders = quantities.Concat(quantities).Select((qty, i) => CapitalContextJson.ReadRequest(JsonDocument.Parse(
            sample.Replace("\"demo-001\"", $"\"rc-{i + 1:00}\"", StringComparison.Ordinal).Replace("\"qty\": 100", $"\"qty\": {qty}", StringComparison.Ordinal)).RootElement)).ToList();
        var journalPath = Path.Combine(folder, "journal.db");
        await using var desk = new OrderDesk(new CapitalGate(live), SqliteJournal.Create(journalPath));
        var before = await desk.DecideAll(orders).ConfigureAwait(false);
        output.WriteLine();
        output.WriteLine($"Rule change: {orders.Count} orders judged under {live.Identity}, journal {journalPath}; then {CandidatePath} is proposed.");

        // Proposed: assessed first (what it would have done to those orders, and where the two files differ at all),
        // then recorded with its checklist and waiting for its quorum.
        var runtime = (JournalStore store) => new WorkflowRuntime(store, new WorkflowLoader(engine, roles), roles, activity: RuleChanges.Settlements(store, engine));
        var proposed = await desk.Exclusively(store =>
        {
            var assessment = RuleChangeAssessment.Of(store, engine, live, candidate, RunClock.Machine.GetUtcNow());
            var (record, _) = RuleChanges.Propose(store, new RuleChangeProposal(candidate, LivePath, live.Identity, "olga", Assessment: assessment), folder);
            runtime(store).Start(definition, record.Subject, "olga");
            // The checklist's write, journaled with the proposal: a file write completes at once.
            runtime(store).Effects.RunPendingAsync(pending => pending.Instance == record.Subject).GetAwaiter().GetResult();
            return (record, assessment);
        }).ConfigureAwait(false);
        var (subject, impact) = (proposed.record.Subject, proposed.assessment.Impact!);
        output.WriteLine($"  {proposed.record.Assessed}");
        output.WriteLine($"  the approvers' checklist, with the impact and every region of the diff: {proposed.record.Checklist}");

        // Approved by the workflow's quorum: two signed risk votes, the second settling it in its own transaction.
        var instance = $"{RuleChanges.Workflow}:{subject}";
        await desk.Exclusively(store => runtime(store).Vote(instance, person("rhea"), "risk", approve: true, "impact reviewed: 10 of 14 orders smaller, none larger")).ConfigureAwait(false);
        await desk.Exclusively(store => runtime(store).Vote(instance, person("raj"), "risk", approve: true, "diff reviewed: only EXP-001 moves")).ConfigureAwait(false);

        // Live: put in place in the desk's one order of deciding, as the server does on the vote that completes the quorum.
        foreach (var (record, _) in await desk.Exclusively(store => RuleChanges.Approved(store, RunClock.Machine.GetUtcNow())).ConfigureAwait(false))
        {
            await desk.Use(new CapitalGate(candidate), EventPayload.Entry($"rules:{record.File}", new RulesGate.Server.RulesReloaded(record.File, live.Identity, candidate.Identity))).ConfigureAwait(false);
            var marked = RuleChanges.MarkLive(record);
            await desk.Exclusively(store => store.Append([marked.Entry], null, (scope, appended) => marked.Project(scope, appended[0]))).ConfigureAwait(false);
        }

        var settled = await desk.Exclusively(store => RuleChanges.Find(store, subject)).ConfigureAwait(false);
        output.WriteLine($"  {instance}: {settled?.SettledBy}; {settled?.Status}, as {desk.Gate.Bundle.Identity}");
        var after = await desk.DecideAll(orders).ConfigureAwait(false);
        var changed = before.Zip(after).Count(pair => RuleImpact.Summary(pair.First.Decision) != RuleImpact.Summary(pair.Second.Decision));
        output.WriteLine($"  the same {orders.Count} orders judged again: {changed} decided otherwise, as the impact said.");
        var verification = await desk.Exclusively(JournalAudit.Verify).ConfigureAwait(false);
        output.WriteLine(verification.Describe());
        return verification.Intact && settled?.Status == "live" && desk.Gate.Bundle.Identity == candidate.Identity && changed == impact.Changed && File.Exists(proposed.record.Checklist);
    }

    private static void Row(TextWriter output, GovernedDecision decision)
    {
        var intent = decision.Intent;
        var order = $"{intent.Side.ToString().ToLowerInvariant()} {intent.Qty.ToString(CultureInfo.InvariantCulture)} {intent.Symbol}";
        var capital = decision.Capital is { } verdict ? CapitalJson.Verdict(verdict.Decision) : "-";
        output.WriteLine($"  {intent.IntentId,-7} {intent.StrategyId,-9} {decision.Governance.Components.Strategy.Level,-15} {order,-16} {GovernanceActions.Name(decision.Governance.Action),-12} {capital,-8} {GovernanceActions.Name(decision.Action),-12} {decision.Qty.ToString("0.####", CultureInfo.InvariantCulture),9}  {decision.Reason}");
    }

    private static (string Strategy, string Order) Describe(string line)
    {
        try
        {
            var intent = CapitalContextJson.ReadIntent(JsonDocument.Parse(line).RootElement);
            var price = intent.LimitPrice is { } limit ? $" @{limit.ToString(CultureInfo.InvariantCulture)}" : "";
            return (intent.StrategyId, $"{intent.Side.ToString().ToLowerInvariant()} {intent.Qty.ToString(CultureInfo.InvariantCulture)} {intent.Symbol}{price}");
        }
        catch (Exception failure) when (failure is JsonException or FormatException)
        {
            return ("?", "(malformed line)");
        }
    }
}
