using System.CommandLine;
using RulesGate.Core.Journal;
using RulesGate.Core.Application;
using RulesGate.Core.Patches;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate patches propose|show|rollback</c>: the learning loop's config patches through governance.</summary>
internal static class PatchCommands
{
    public const string DefaultPolicy = "rules/patches/default.yaml";
    public const string DefaultOutput = "artifacts/live_promotion";

    private static Option<string> Policy => PerRun.Get(static () => new Option<string>("--policy") { Description = $"The PatchPolicy rule file (default {DefaultPolicy}).", DefaultValueFactory = _ => DefaultPolicy, Recursive = true });

    public static Command Create(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var patches = CliOptions.Input("PATCHES.jsonl", "Config patches, one JSON object a line: id, target, old_value, new_value, status, generated_at, reason, source_experiment_id, confidence_score, [tags], [meta].");
        var mode = new Option<string?>("--mode") { Description = "disabled, manual_only or bounded_auto (default: the policy's params.mode)." };
        var outDir = new Option<string>("--out") { Description = $"Where proposals are written, one folder each (default {DefaultOutput}).", DefaultValueFactory = _ => DefaultOutput };
        var overrides = new Option<string>("--overrides") { Description = $"The live-overrides TOML file bounded_auto writes (default {LiveOverrides.DefaultPath}).", DefaultValueFactory = _ => LiveOverrides.DefaultPath };
        var now = new Option<string?>("--now") { Description = $"The run's UTC time, such as 2026-11-30T09:00:00Z (default: the clock): the proposal's id, the day its auto-applies count against, and the time of every event of the run. It may not be earlier than the journal's last event nor later than the machine's clock ({RunClock.Skew.TotalMinutes:0} minutes of skew allowed)." };
        var requester = new Option<string>("--actor") { Description = "Who proposes (the requester of a manual_only proposal's approval, who may not approve it; default learning-loop).", DefaultValueFactory = _ => "learning-loop" };
        var propose = new Command("propose", "Judge config patches by the PatchPolicy, journal every decision, bundle the accepted ones into a proposal (proposal_meta.json, config_patches.json, OPERATOR_CHECKLIST.md) and, in bounded_auto, write the numeric ones within their bounds to the live overrides. Prints JSON. A malformed line is reported with its number and nothing is judged (exit 2).")
        {
            journal, patches, mode, outDir, overrides, now, requester,
        };
        propose.SetAction(async (parse, cancellation) =>
        {
            if (GateInputs.ReadAllLines(parse.GetValue(patches)!, ConfigPatch.Read, error) is not { } read || Judge(parse, error) is not { } judge)
            {
                return ExitCodes.Error;
            }

            var chosen = parse.GetValue(mode) is { } text ? PatchModes.Parse(text, "--mode") : judge.Settings.Mode;
            DateTimeOffset? requested = parse.GetValue(now) is { } at ? CliOptions.Utc(at, "--now") : null;
            var clock = new RunClock(RunClock.Machine);
            using var store = JournalCommand.Existing(parse.GetValue(journal)!, clock);
            var time = clock.Settle(requested, store.LastTime(), "--now");
            await using var workflows = new WorkflowSession(parse, store, error, cancellation, clock);
            string? approval = null;
            var run = new PatchProposer(judge, store).Propose(read, chosen, time, parse.GetValue(outDir)!, parse.GetValue(overrides)!,
                id => approval = WorkflowCommand.StartOf(parse, workflows, PatchProposer.ApprovalWorkflow, id, parse.GetValue(requester)!, error).Id, parse.GetValue(requester)!);
            output.WriteLine(run.Json());
            if (approval is not null)
            {
                error.WriteLine($"{run.ProposalId} waits for a risk approval: rulesgate workflow approve --instance {approval} --actor NAME --role risk --reason TEXT (or reject).");
            }

            return await Written(store, run.ProposalId, error, cancellation).ConfigureAwait(false);
        });

        var showJournal = JournalCommand.JournalOption();
        var proposal = new Option<string?>("--proposal") { Description = "One proposal (default: all, oldest first)." };
        var show = new Command("show", "Proposals as the journal has them: mode, accepted patches, what was applied (with the value it replaced) and skipped, who approved or rejected it, and whether it was rolled back; with --proposal, every decision of its run too.") { showJournal, proposal };
        show.SetAction(parse =>
        {
            using var store = JournalCommand.ReadOnly(parse.GetValue(showJournal)!);
            var proposals = new PatchProposals(store);
            var records = parse.GetValue(proposal) is { } id
                ? [proposals.Find(id) ?? throw new PatchRefusedException(id, $"there is no proposal {id}")]
                : proposals.All();
            output.WriteLine(proposals.Json(records, withDecisions: parse.GetValue(proposal) is not null));
            return ExitCodes.Ok;
        });

        var rollbackJournal = JournalCommand.JournalOption();
        var rollbackProposal = new Option<string>("--proposal") { Description = "The proposal whose changes to undo.", Required = true };
        var actor = new Option<string>("--actor") { Description = "Who rolls it back.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why.", Required = true };
        var rollback = new Command("rollback", "Restore the live overrides as they were before the proposal changed them; journaled with who and why. A later proposal that changed the same file must be rolled back first.") { rollbackJournal, rollbackProposal, actor, reason };
        rollback.SetAction(async (parse, cancellation) =>
        {
            using var store = JournalCommand.Existing(parse.GetValue(rollbackJournal)!);
            var record = new PatchProposals(store).Rollback(parse.GetValue(rollbackProposal)!, parse.GetValue(actor)!, parse.GetValue(reason)!);
            var targets = record.Applied.Select(patch => patch.Target).Distinct(StringComparer.Ordinal).Count();
            output.WriteLine($"{record.ProposalId} rolled back: {targets} {(targets == 1 ? "target" : "targets")} of {record.OverridesPath} back to their values before it; the rest of the file kept.");
            return await Written(store, record.ProposalId, error, cancellation).ConfigureAwait(false);
        });
        return new Command("patches", "The learning loop's config patches: judged by the PatchPolicy, proposed, applied within bounds, rolled back.") { Policy, WorkflowCommand.Definitions, propose, show, rollback };
    }

    /// <summary>
    /// Does the file writes the command journaled (and any a crash left pending); when one of the proposal's failed, says
    /// which and why, and that it will be tried again, and exits 1: the journal holds the change, the files do not yet.
    /// </summary>
    internal static async Task<int> Written(JournalStore store, string? proposalId, TextWriter error, CancellationToken cancellation)
    {
        var failing = await new PatchProposals(store).WriteFilesAsync(proposalId, cancellation).ConfigureAwait(false);
        foreach (var (effect, dead) in failing)
        {
            error.WriteLine($"Not written: {effect.What}: {effect.Standing(dead)}. The journal holds the change; 'rulesgate effects list' shows it, 'rulesgate effects run' tries again.");
        }

        return failing.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>How a final approval left its proposal, in one line: applied (how many, where), approved, rejected or refused with why.</summary>
    internal static string Settled(PatchProposalRecord record) =>
        $"{record.ProposalId}: {record.Status}{(record.Status == "refused" ? $" ({record.SettledBy})" : "")}{(record.Applied.Count > 0 ? $"; {record.Applied.Count} applied to {record.OverridesPath}" : "")}{(record.Skipped.Count > 0 ? $"; {record.Skipped.Count} skipped ({string.Join("; ", record.Skipped.Select(skip => $"{skip.PatchId}: {skip.Reason}"))})" : "")}.";

    private static PatchJudge? Judge(ParseResult parse, TextWriter error)
    {
        var path = parse.GetResult(Policy) is not null ? parse.GetValue(Policy)! : DefaultPolicy;
        RulesCommand.RequireExists(path);
        var loaded = CliOptions.Engine(parse).Load(path);
        if (loaded.Value is not { } bundle)
        {
            RulesCommand.Report(loaded.Diagnostics, error);
            return null;
        }

        return bundle.Kind is PatchPolicyKind ? new PatchJudge(bundle) : throw new FormatException($"{path} is a {bundle.Kind.Name} file; give a PatchPolicy file.");
    }
}
