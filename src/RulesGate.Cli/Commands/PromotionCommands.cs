using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Reports;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;
using RulesGate.Core;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate diary ingest</c>, <c>assess</c>, <c>promote</c> and <c>ledger show</c>.</summary>
internal static class PromotionCommands
{
    public static Command Diary(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var file = CliOptions.Input("DIARY.jsonl", "Diary entries, one JSON object a line: entry_id, policy_id, recorded_at (UTC), stage, severity, forced, [regime, evidence_id, notes].");
        var ingest = new Command("ingest", "Append diary entries to the journal; an entry id already there is skipped. A malformed line is reported with its number and nothing of the file is applied (exit 2).") { journal, file, WorkflowCommand.Definitions, WorkflowCommand.Roles };
        ingest.SetAction(async (parse, cancellation) =>
        {
            // The journal is opened first: a file is not read, however long, only to find there is nowhere to put it.
            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            if (GateInputs.ReadAllLines(parse.GetValue(file)!, DiaryEntry.Read, error) is not { } entries)
            {
                return ExitCodes.Error;
            }

            await using var workflows = new WorkflowSession(parse, store, error, cancellation);
            var result = new Promotions(store, FollowUp(parse)).Ingest(entries, () => workflows.Runtime);
            output.WriteLine($"{result.Added} diary {(result.Added == 1 ? "entry" : "entries")} added, {result.Duplicates} already recorded.");
            WorkflowCommand.Moved(output, result.Moved);
            return ExitCodes.Ok;
        });
        return new Command("diary", "The decision diary: the evidence promotions are judged on.") { ingest };
    }

    public static Command Assess(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var policies = new Option<string[]>("--policy-id") { Description = "A policy to assess; repeat for several.", Required = true, AllowMultipleArgumentsPerToken = false };
        var hours = new Option<double?>("--hours") { Description = "Only diary entries of the last N hours (up to --as-of, else now)." };
        var asOf = new Option<string?>("--as-of") { Description = "Only diary entries recorded up to this UTC time, such as 2026-03-01T00:00:00Z." };
        var json = new Option<bool>("--json") { Description = "One JSON object per policy instead of a table." };
        var apply = new Option<bool>("--apply") { Description = "Hand each policy whose recommended stage is above its current one to its approval workflow (workflows/standing.yaml's policy ladder, started when it has none) as assessment evidence; the workflow's gates and votes decide the stage, never assess itself." };
        var gates = new Option<string?>("--gates") { Description = $"The PromotionGate rule file (default {PromotionGates.DefaultPath}, else the built-in copy)." };
        var actor = new Option<string>("--actor") { Description = "Who hands the policies to their workflow, starting it when needed (default assess).", DefaultValueFactory = _ => "assess" };
        var command = new Command("assess", "Judge policies' diaries and ledger records against the promotion gates: blockers per gate and the recommended stage.")
        {
            journal, policies, hours, asOf, json, apply, gates, actor, WorkflowCommand.Definitions, WorkflowCommand.Roles,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var loaded = PromotionGates.Load(CliOptions.Engine(parse), parse.GetValue(gates));
            if (loaded.Value is not { } bundle)
            {
                RulesCommand.Report(loaded.Diagnostics, error);
                return ExitCodes.Error;
            }

            var window = DiaryWindow.Of(parse.GetValue(hours), parse.GetValue(asOf) is { } text ? CliOptions.Utc(text, "--as-of") : null, RulesGate.Core.Journal.RunClock.Machine.GetUtcNow());
            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            await using var workflows = new WorkflowSession(parse, store, error, cancellation);
            var results = new Promotions(store, FollowUp(parse)).Assess(bundle, parse.GetValue(policies)!, window, parse.GetValue(apply) ? new AssessApply(() => workflows.Runtime, parse.GetValue(actor)!) : null);
            foreach (var assessment in results)
            {
                output.WriteLine(parse.GetValue(json) ? PromotionJson.Assessment(assessment) : Table(assessment));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Promote(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var policy = new Option<string>("--policy-id") { Description = "The policy.", Required = true };
        var stage = new Option<string>("--stage") { Description = "experiment, paper, pilot or limited_live.", Required = true };
        var approvals = new Option<string[]>("--approval") { Description = "Who approved (risk, compliance, …); repeat for several." };
        var evidence = new Option<string?>("--evidence-id") { Description = "The evidence behind the promotion: an evidence id of the policy's diary entries, or the key evidence about it was submitted under; refused when the journal holds neither." };
        var checklist = new Option<string[]>("--checklist") { Description = "ITEM=STATUS, such as risk_audit=done; repeat for several." };
        var actor = new Option<string>("--actor") { Description = "Who is promoting (default $USER).", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("USER") ?? "operator" };
        var single = new Option<bool>("--allow-single-approval") { Description = "Let limited_live stand on one approval." };
        var regression = new Option<bool>("--allow-regression") { Description = "Allow lowering the stage (recorded as a demotion)." };
        var delta = new Option<string?>("--policy-delta") { Description = "A JSON file with the policy change this promotion approves; needs --approval." };
        var thresholds = new Option<string[]>("--threshold") { Description = "NAME=NUMBER, a threshold override kept with the record; repeat for several." };
        var metadata = new Option<string[]>("--metadata") { Description = "KEY=TEXT, kept with the record; repeat for several." };
        var summary = new Option<string?>("--summary-path") { Description = "Also render a Markdown summary here, from templates/promotion_summary.md.sbn." };
        var expectedVersion = new Option<long?>("--expected-version") { Description = "Promote only from the record at this version (as 'ledger show' prints it): when another operator or node changed it since, nothing is written and the conflict is reported." };
        var gates = new Option<string?>("--gates") { Description = $"The PromotionGate rule file a stage must pass (default {PromotionGates.DefaultPath}, else the built-in copy)." };
        var log = Log();
        var command = new Command("promote", "Record a policy's declared stage with its approvals and evidence. A stage up must be one the promotion gates recommend on the policy's diary (or one a granted stage-override workflow grants, recorded as an override), and its approvals must be votes cast on workflows about the policy by people holding those roles. Exit 1 with one sentence when refused.")
        {
            journal, policy, stage, approvals, evidence, checklist, actor, single, regression, delta, thresholds, metadata, summary, expectedVersion, gates, WorkflowCommand.Roles, log,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var loaded = PromotionGates.Load(CliOptions.Engine(parse), parse.GetValue(gates));
            if (loaded.Value is not { } bundle)
            {
                RulesCommand.Report(loaded.Diagnostics, error);
                return ExitCodes.Error;
            }

            var roles = WorkflowCommand.RolesOf(parse);
            var now = RulesGate.Core.Journal.RunClock.Machine.GetUtcNow();
            var items = Pairs(parse.GetValue(checklist), "--checklist", "ITEM=STATUS, such as risk_audit=done");
            var numbers = Pairs(parse.GetValue(thresholds), "--threshold", "NAME=NUMBER, such as max_position_pct=0.05").ToDictionary(
                pair => pair.Key,
                pair => double.TryParse(pair.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
                    ? number
                    : throw new FormatException($"--threshold {pair.Key}={pair.Value}: '{pair.Value}' is not a number."),
                StringComparer.Ordinal);

            string? deltaJson = null;
            (RuleDelta Delta, RuleBundle Bundle, byte[] Bytes)? candidate = null;
            if (parse.GetValue(delta) is { } deltaPath)
            {
                RulesCommand.RequireExists(deltaPath);
                using var document = StrictJson.ParseFile(deltaPath);
                deltaJson = document.RootElement.GetRawText();

                // A delta that names its rule file makes the candidate it describes: checked before anything is recorded.
                if (document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && document.RootElement.TryGetProperty("rules_file", out _)
                    && (candidate = RulesCommand.Candidate(CliOptions.Engine(parse), RuleDelta.Read(document.RootElement), error)) is null)
                {
                    return ExitCodes.Error;
                }
            }

            var request = new PromotionRequest(
                Identities.Id(parse.GetValue(policy), "--policy-id"), PromotionStages.Parse(parse.GetValue(stage)!), parse.GetValue(actor)!,
                parse.GetValue(approvals), parse.GetValue(evidence), items, deltaJson, parse.GetValue(single), parse.GetValue(regression),
                ThresholdOverrides: numbers, Metadata: Pairs(parse.GetValue(metadata), "--metadata", "KEY=TEXT, such as ticket=GOV-42"), ExpectedVersion: parse.GetValue(expectedVersion),
                DeclaredRoles: roles.Roles);
            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            try
            {
                var record = new Promotions(store, FollowUp(parse, log)).Promote(request, new PromotionBar(bundle, DiaryWindow.Of(null, null, now), roles, now), parse.GetValue(summary));
                var last = record.History[^1];
                output.WriteLine($"{record.PolicyId}: {last.Kind} {last.From.Name()} → {last.To.Name()} by {last.Actor}; approvals [{string.Join(", ", record.Approvals)}], evidence {record.EvidenceId ?? "none"}; current stage {record.CurrentStage.Name()}.");
                if (candidate is { } made)
                {
                    RulesCommand.WriteCandidate(output, made, target: null);
                    // The candidate goes the governed way a saved rule file goes, requested by the promoter (who then may not approve it).
                    var live = CliOptions.Engine(parse).Load(made.Delta.RulesFile).Value;
                    return await RulesCommand.ProposeChange(output, error, parse, store, made.Bundle, made.Delta.RulesFile, live, request.Actor, liveAt: null, cancellation).ConfigureAwait(false);
                }
                else if (deltaJson is not null)
                {
                    output.WriteLine("The policy delta names no rules_file, so no candidate rule file was made; it is kept with the ledger record.");
                }

                return ExitCodes.Ok;
            }
            catch (RulesGate.Core.RefusalException refused)
            {
                output.WriteLine($"Refused: {refused.Message}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    public static Command Ledger(TextWriter output)
    {
        var journal = JournalCommand.JournalOption();
        var policy = new Option<string?>("--policy-id") { Description = "Only this policy." };
        var json = new Option<bool>("--json") { Description = "The records as JSON, one per line." };
        var show = new Command("show", "Every policy's ledger record: declared, audit and current stage, approvals, evidence, checklist and history.") { journal, policy, json };
        show.SetAction(parse =>
        {
            using var store = JournalCommand.ReadOnly(parse.GetValue(journal)!);
            var all = PolicyLedger.All(store);
            var records = parse.GetValue(policy) is { } id
                ? [all.FirstOrDefault(record => record.PolicyId == id.Trim()) ?? throw Identities.Unknown("ledger record of policy", id.Trim(), [.. all.Select(record => record.PolicyId)])]
                : all;
            foreach (var record in records)
            {
                output.WriteLine(parse.GetValue(json) ? PolicyLedger.Json(record) : Describe(record, SubjectStanding.Read(store, PolicyLedger.SubjectKind, record.PolicyId)));
            }

            if (records.Count == 0)
            {
                output.WriteLine("The ledger has no records yet.");
            }

            return ExitCodes.Ok;
        });
        return new Command("ledger", "The policy ledger: stages, approvals and their history.") { show };
    }

    public static Command Changelog(TextWriter output)
    {
        var journal = JournalCommand.JournalOption();
        var outFile = new Option<string?>("--out") { Description = "Write the Markdown here instead of printing it." };
        var json = CliOptions.Json("{count, changes: [{at, what, subject, change, actor, why}]}");
        var command = new Command("changelog", "The governance changelog from the journal (promotions, demotions, kill switch trips and resets, rule bundles in use, with who, when and why), rendered from templates/changelog.md.sbn.") { journal, outFile, json };
        command.SetAction(parse =>
        {
            using var store = JournalCommand.ReadOnly(parse.GetValue(journal)!);
            var markdown = parse.GetValue(json) ? ReportJson.Changelog(GovernanceDocuments.ChangelogOf(store)) + "\n" : GovernanceDocuments.Changelog(store);
            if (parse.GetValue(outFile) is { } path)
            {
                File.WriteAllText(path, markdown);
                output.WriteLine($"Changelog written to {path}.");
            }
            else
            {
                output.Write(markdown);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Strategy(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var strategy = new Option<string>("--strategy") { Description = "The strategy.", Required = true };
        var policy = new Option<string>("--policy-id") { Description = "The policy whose ledger and diary the strategy runs on.", Required = true };
        var status = new Option<string>("--status") { Description = "The new status (approved, active, …).", Required = true };
        var actor = new Option<string>("--actor") { Description = "Who changes it (default $USER).", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("USER") ?? "operator" };
        var guard = new Option<string?>("--guard") { Description = $"The PromotionGuard rule file (default $RULESGATE_GUARD_CONFIG, else {PromotionGuard.DefaultPath})." };
        var setStatus = new Command("set-status", "Change a strategy's status, gated by the promotion guard: exit 1 with a sentence per blocker when it refuses.") { journal, strategy, policy, status, actor, guard };
        setStatus.SetAction(parse =>
        {
            var loaded = PromotionGuard.Load(CliOptions.Engine(parse), parse.GetValue(guard));
            if (loaded.Value is not { } bundle)
            {
                RulesCommand.Report(loaded.Diagnostics, error);
                return ExitCodes.Error;
            }

            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            try
            {
                new PromotionGuard(bundle).SetStatus(store, parse.GetValue(strategy)!, parse.GetValue(policy)!, parse.GetValue(status)!, parse.GetValue(actor)!);
                output.WriteLine($"{parse.GetValue(strategy)!.Trim()} is now {PromotionGuard.Status(store, parse.GetValue(strategy)!)}.");
                return ExitCodes.Ok;
            }
            catch (PromotionRefusedException refused)
            {
                output.WriteLine($"Refused: {refused.Message}");
                return ExitCodes.Failed;
            }
        });
        return new Command("strategy", "Strategy status, guarded by the ledger and the diary.") { setStatus };
    }

    /// <summary>KEY=VALUE options, trimmed; a later key wins.</summary>
    private static Dictionary<string, string> Pairs(string[]? items, string option, string shape)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            var parts = item.Split('=', 2);
            if (parts.Length != 2 || parts[0].Trim().Length == 0 || parts[1].Trim().Length == 0)
            {
                throw new FormatException($"{option} '{item}' is not {shape}.");
            }

            pairs[parts[0].Trim()] = parts[1].Trim();
        }

        return pairs;
    }

    private static Option<string> Log() =>
        new("--log") { Description = $"The promotion log, a JSON line per applied change (default {PromotionLog.DefaultPath}; 'none' to skip).", DefaultValueFactory = _ => PromotionLog.DefaultPath };

    /// <summary>What follows a ledger change: the log named by <paramref name="log"/> ('none' for no log), when the command has one.</summary>
    private static PromotionFollowUp FollowUp(ParseResult parse, Option<string>? log = null) =>
        new(log is null ? PromotionLog.DefaultPath : parse.GetValue(log) is "none" ? null : parse.GetValue(log));

    /// <summary>The record, and the policy's standing on its ladders: the same lines governance show prints for a strategy.</summary>
    private static string Describe(PolicyLedgerRecord record, SubjectStanding? standing)
    {
        var lines = new List<string>
        {
            $"{record.PolicyId}: declared {record.DeclaredStage.Name()}, audit {record.AuditStage.Name()}, current {record.CurrentStage.Name()} (version {record.Version.ToString(CultureInfo.InvariantCulture)})",
            $"  approvals [{string.Join(", ", record.Approvals)}], evidence {record.EvidenceId ?? "none"}, gaps at declared stage [{string.Join(", ", record.AuditGaps(record.DeclaredStage))}]",
        };
        lines.AddRange(standing?.Lines().Select(line => $"  ladder  {line}") ?? []);
        lines.AddRange(record.History.Select(t => $"  {t.At}  {t.Kind,-9} {t.From.Name(),-12} → {t.To.Name(),-12} by {t.Actor}; approvals [{string.Join(", ", t.Approvals)}]"));
        return string.Join('\n', lines);
    }

    public static string Table(Assessment assessment)
    {
        var ledger = assessment.Ledger;
        var metrics = assessment.Metrics;
        var lines = new List<string>
        {
            $"{assessment.PolicyId}: current {ledger.CurrentStage.Name()} (declared {ledger.DeclaredStage.Name()}, audit {ledger.AuditStage.Name()}) → recommended {assessment.RecommendedStage.Name()}",
            string.Create(CultureInfo.InvariantCulture, $"  diary: {metrics.Overall.Total} decisions, forced {metrics.Overall.ForcedRatio:F2}, latest stage {metrics.LatestStage?.Name() ?? "none"}, normal streak {metrics.NormalStreak}, paper green span {metrics.PaperGreenSpanDays:F2} days"),
        };
        foreach (var stage in PromotionStages.All)
        {
            var s = metrics.Stage(stage);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"    {stage.Name(),-12} {s.Total,7}  forced {s.ForcedRatio:F2}  normal {s.NormalRatio:F2}  warn {s.WarnRatio:F2}  alert {s.Alert}"));
        }

        foreach (var (gate, blockers) in assessment.StageBlockers.OrderBy(pair => pair.Key))
        {
            lines.Add($"  gate {gate.Name(),-12} {(blockers.Count == 0 ? "passes" : string.Join("; ", blockers))}");
        }

        if (assessment.AuditGaps.Count > 0)
        {
            lines.Add($"  audit gaps: {string.Join(", ", assessment.AuditGaps)}");
        }

        if (assessment.Applied is { } applied)
        {
            lines.Add($"  applied: {assessment.Workflow?.Id} set {applied.DeclaredStage.Name()}");
        }

        if (assessment.Refusal is { } refusal)
        {
            lines.Add($"  {(assessment.Applied is null ? "not applied" : "further")}: {refusal}");
        }

        return string.Join('\n', lines);
    }
}
