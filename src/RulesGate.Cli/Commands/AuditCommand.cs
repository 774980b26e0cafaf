using System.CommandLine;
using RulesGate.Core.Reports;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate audit pack</c>: what an auditor takes away and verifies offline.</summary>
internal static class AuditCommand
{
    public static Command Create(TextWriter output)
    {
        var journal = JournalCommand.JournalOption();
        var from = new Option<string>("--from") { Description = "The window's first moment (UTC, such as 2026-12-01T00:00:00Z).", Required = true };
        var to = new Option<string>("--to") { Description = "The window's end, not included (UTC).", Required = true };
        var outPath = new Option<string>("--out") { Description = "The zip to write (it must not exist).", Required = true };
        var key = new Option<string>("--key") { Description = "The private key (PEM, from 'rulesgate journal keygen') that signs the pack's checkpoint; its public key goes in the pack.", Required = true };
        var pack = new Command("pack", "Write an audit pack of a window: a checkpoint of the journal signed now (and journaled), its public key, every decision and approval of the window with its inclusion proof, the changelog of the window, every rule file and workflow in force with its hash, SHA256SUMS, and a README saying how to verify it all offline (journal verify-proof, or any ECDSA P-256 and SHA-256 tool). Exit 0 written, 2 a bad window or an existing file.")
        {
            journal, from, to, outPath, key,
        };
        pack.SetAction(parse =>
        {
            var (start, end) = (CliOptions.Utc(parse.GetValue(from)!, "--from"), CliOptions.Utc(parse.GetValue(to)!, "--to"));
            var path = parse.GetValue(outPath)!;
            if (File.Exists(path) || Directory.Exists(path))
            {
                throw new FormatException($"--out {path}: it exists already; name a new file, as a pack is never written over another.");
            }

            using var signing = JournalCommand.LoadKey(parse.GetValue(key)!, privateKey: true);
            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            AuditPackSummary summary;
            using (var zip = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
                summary = AuditPack.Write(store, signing, start, end, Core.Journal.RunClock.Machine.GetUtcNow(), zip);
            }

            output.WriteLine($"Wrote {path}: {summary.Decisions} decisions and {summary.Approvals} approvals with their inclusion proofs under a checkpoint of {summary.CheckpointSize} events, {summary.Changes} changes, {summary.RuleFiles} rule files and {summary.Workflows} workflows.");
            if (summary.Missing.Count > 0)
            {
                output.WriteLine($"  the journal keeps no copy of {string.Join(", ", summary.Missing)}; the pack names them without their files.");
            }

            if (summary.Decisions + summary.Approvals == 0)
            {
                output.WriteLine("  the window holds no decision and no approval: check --from and --to.");
            }

            output.WriteLine($"  verify it: unzip it, then sha256sum -c SHA256SUMS; rulesgate journal verify-proof proofs.jsonl --public-key checkpoint.pub.pem (its README.md says more).");
            return ExitCodes.Ok;
        });
        return new Command("audit", "Packs for auditors: a window's decisions, approvals, changes and rule files, with the proofs to check them offline.") { pack };
    }
}
