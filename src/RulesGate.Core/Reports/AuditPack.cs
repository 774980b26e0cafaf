using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Reports;

/// <summary>What an audit pack holds: how many decisions and approvals (each with its inclusion proof), changes, rule files and workflows, and the checkpoint's size.</summary>
public sealed record AuditPackSummary(int Decisions, int Approvals, int Changes, int RuleFiles, int Workflows, long CheckpointSize, IReadOnlyList<string> Missing);

/// <summary>
/// An audit pack for a window of time, a zip an auditor verifies offline: a checkpoint of the journal signed now
/// (and journaled), its public key, every decision and every approval of the window as events with their inclusion
/// proofs under that checkpoint, the changelog of the window, every rule file and workflow in force in it as the
/// journal keeps them (with their SHA-256), <c>SHA256SUMS</c> over every file, and a README that says how to check it
/// all with <c>rulesgate journal verify-proof</c> or any tool that checks ECDSA P-256 and SHA-256.
/// </summary>
public static class AuditPack
{
    private static readonly string[] DecisionTypes = [EventTypes.GateDecision, EventTypes.GovernanceDecision];

    private static readonly string[] ApprovalTypes = [EventTypes.WorkflowApproved, EventTypes.WorkflowRejected, EventTypes.WorkflowMigrated, EventTypes.KillSwitchReset];

    /// <summary>Writes the pack of [<paramref name="from"/>, <paramref name="to"/>) to <paramref name="zip"/>, signing a checkpoint with <paramref name="key"/> at <paramref name="now"/>.</summary>
    /// <remarks>
    /// The journal is read twice, in order, whatever the window: once for the tree the checkpoint signs and the
    /// window's events, which go to files beside the pack as they are read, and once for the proofs of the window's
    /// decisions and approvals, made one at a time. Memory holds the tree's leaves and the window's sequence numbers,
    /// never its events: a window of millions of decisions packs in the memory of a few.
    /// </remarks>
    /// <exception cref="FormatException">The window is empty or reversed.</exception>
    public static AuditPackSummary Write(JournalStore store, ECDsa key, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, Stream zip, string templates = "templates")
    {
        if (from >= to)
        {
            throw new FormatException($"--from {JsonText.Seconds(from)} is not before --to {JsonText.Seconds(to)}; the window would hold nothing.");
        }

        bool Within(string time) => JsonFields.Timestamp(time, "time") is var at && at >= from && at < to;
        var checkpoint = JournalCheckpoint.Sign(store, key, now);
        var work = Directory.CreateTempSubdirectory("rulesgate-audit-pack-");
        try
        {
            // The first reading: every event's hash for the tree, and the window's decisions and approvals to their files.
            var (leaves, proven, named, instances) = (new List<byte[]>(), new List<long>(), new SortedSet<string>(StringComparer.Ordinal), new SortedSet<string>(StringComparer.Ordinal));
            var (decisions, approvals, digest) = (0, 0, new DecisionDigest());
            using (var decisionLines = Lines(work, "decisions.jsonl"))
            using (var approvalLines = Lines(work, "approvals.jsonl"))
            {
                foreach (var e in store.Read(new EventFilter(To: checkpoint.Size)))
                {
                    leaves.Add(Convert.FromHexString(e.Hash));
                    digest.Add(e);     // every decision, for the changelog's first decision under each rule file
                    if (!Within(e.Time))
                    {
                        continue;
                    }

                    if (DecisionTypes.Contains(e.Type) || ApprovalTypes.Contains(e.Type))
                    {
                        var approval = ApprovalTypes.Contains(e.Type);
                        Application.JournalBrowse.Export([e], approval ? approvalLines : decisionLines);
                        (decisions, approvals) = approval ? (decisions, approvals + 1) : (decisions + 1, approvals);
                        proven.Add(e.Seq);
                    }

                    Names(e, named);
                    if (e.Stream.StartsWith(WorkflowInstance.Projection + ":", StringComparison.Ordinal))
                    {
                        instances.Add(e.Stream[(WorkflowInstance.Projection.Length + 1)..]);
                    }
                }
            }

            // The second: the proofs, each made as its event is read again and written at once.
            JournalProof.Signed(leaves, checkpoint);
            using (var proofLines = Lines(work, "proofs.jsonl"))
            {
                var wanted = proven.ToHashSet();
                var window = proven.Count == 0 ? [] : store.Read(new EventFilter(From: proven[0], To: proven[^1])).Where(e => wanted.Contains(e.Seq));
                foreach (var proof in JournalProof.Of(leaves, window, checkpoint))
                {
                    proofLines.Write(proof.Json(pretty: false));
                    proofLines.Write('\n');
                }
            }

            var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            void Put(string name, string text) => files[name] = Encoding.UTF8.GetBytes(text);
            Put("checkpoint.json", checkpoint.Json() + "\n");
            Put("checkpoint.pub.pem", key.ExportSubjectPublicKeyInfoPem() + "\n");
            var rows = Changelog.Rows(store, digest).Select(change => change.Row).Where(row => Within(row.At)).ToList();
            Put("changelog.json", ReportJson.Changelog(new ChangelogModel(rows.Count, rows)) + "\n");
            Put("changelog.md", GovernanceDocuments.Render(GovernanceDocuments.ChangelogTemplate, new ChangelogModel(rows.Count, [.. rows.Select(row => new ChangeRow(row.At, row.What, Markdown.CodeCell(row.Subject), Markdown.CodeCell(row.Change), Markdown.CodeCell(row.Actor), Markdown.CodeCell(row.Why)))]), templates));
            var (ruleFiles, missing) = RuleFiles(store, named, files);
            var workflows = Workflows(store, instances, files);
            Put("README.md", Readme(from, to, checkpoint, decisions, approvals, rows.Count, ruleFiles, workflows, missing));

            // Every file by name, the big ones streamed from beside the pack; SHA256SUMS over all of them, last.
            var entries = new SortedDictionary<string, Func<Stream>>(StringComparer.Ordinal);
            foreach (var (name, bytes) in files)
            {
                entries[name] = () => new MemoryStream(bytes, writable: false);
            }

            foreach (var name in new[] { "decisions.jsonl", "approvals.jsonl", "proofs.jsonl" })
            {
                entries[name] = () => File.OpenRead(Path.Combine(work.FullName, name));
            }

            var sums = new StringBuilder();
            foreach (var (name, open) in entries)
            {
                using var body = open();
                sums.Append(CultureInfo.InvariantCulture, $"{Convert.ToHexStringLower(SHA256.HashData(body))}  {name}\n");
            }

            var sumBytes = Encoding.UTF8.GetBytes(sums.ToString());
            entries["SHA256SUMS"] = () => new MemoryStream(sumBytes, writable: false);
            using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var (name, open) in entries)
                {
                    var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
                    entry.LastWriteTime = now;
                    using var target = entry.Open();
                    using var body = open();
                    body.CopyTo(target);
                }
            }

            return new AuditPackSummary(decisions, approvals, rows.Count, ruleFiles, workflows, checkpoint.Size, missing);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>A file beside the pack that events are written to one a line, as <c>journal export</c> writes them.</summary>
    private static StreamWriter Lines(DirectoryInfo work, string name) =>
        new(Path.Combine(work.FullName, name), append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };

    /// <summary>The rule files an event names: a decision's (capital, governance, maturity) and a rule change's, as identities (<c>id@version#sha256-prefix</c>).</summary>
    private static void Names(JournalEvent e, SortedSet<string> named)
    {
        if (e.Type is not (EventTypes.GateDecision or EventTypes.GovernanceDecision or EventTypes.RulesProposed or EventTypes.RulesChanged))
        {
            return;
        }

        using var payload = JsonDocument.Parse(e.Payload);
        foreach (var field in RuleFields)
        {
            if (payload.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Contains('#', StringComparison.Ordinal))
            {
                named.Add(value.GetString()!);
            }
        }
    }

    private static readonly string[] RuleFields = ["bundle", "governance_bundle", "maturity_bundle", "identity"];

    /// <summary>
    /// The rule files the window's decisions and rule changes name, as the journal keeps them, under <c>rules/</c>:
    /// a capital decision names its file's SHA-256; a governance decision and a rule change name identities
    /// (<c>id@version#sha256-prefix</c>), found among the journal's blobs. One the journal keeps no copy of is named as missing.
    /// </summary>
    private static (int Count, IReadOnlyList<string> Missing) RuleFiles(JournalStore store, SortedSet<string> named, SortedDictionary<string, byte[]> files)
    {
        var blobs = store.Read(new EventFilter(Types: [JournalStore.BlobType]))
            .Select(e => JsonDocument.Parse(e.Payload).RootElement.GetProperty("sha256").GetString()!).ToList();
        var missing = new List<string>();
        foreach (var identity in named)
        {
            var prefix = identity[(identity.IndexOf('#', StringComparison.Ordinal) + 1)..];
            if (blobs.FirstOrDefault(hash => hash.StartsWith(prefix, StringComparison.Ordinal)) is { } hash && store.Blob(hash) is { } bytes && AtomicFile.Hash(bytes) == hash)
            {
                files[$"rules/{identity.Replace('#', '-')}.yaml"] = bytes;
            }
            else
            {
                missing.Add(identity);
            }
        }

        return (named.Count - missing.Count, missing);
    }

    /// <summary>The workflows the window's instances moved under, as each instance pinned it (and the gates file pinned with it), under <c>workflows/</c>.</summary>
    private static int Workflows(JournalStore store, IEnumerable<string> instances, SortedDictionary<string, byte[]> files)
    {
        var written = 0;
        foreach (var hash in instances.Select(id => store.Load(WorkflowInstance.Projection, id)).OfType<StoredProjection>().Select(document => WorkflowInstance.Of(document)).Select(instance => (instance.Workflow, instance.Version, instance.Hash)).Distinct())
        {
            if (store.Blob(hash.Hash) is { } pinned && AtomicFile.Hash(pinned) == hash.Hash)
            {
                var (workflow, gates) = WorkflowDefinition.Unpack(pinned);
                var name = string.Create(CultureInfo.InvariantCulture, $"workflows/{hash.Workflow}@{hash.Version}-{hash.Hash[..12]}");
                files[$"{name}.yaml"] = workflow;
                if (gates is not null)
                {
                    files[$"{name}.gates.yaml"] = gates;
                }

                written++;
            }
        }

        return written;
    }

    private static string Readme(DateTimeOffset from, DateTimeOffset to, JournalCheckpoint checkpoint, int decisions, int approvals, int changes, int ruleFiles, int workflows, IReadOnlyList<string> missing) => string.Create(CultureInfo.InvariantCulture, $$"""
        # RulesGate audit pack, {{JsonText.Seconds(from)}} to {{JsonText.Seconds(to)}}

        What happened in the window, and the means to check it offline without trusting whoever made this pack:
        {{decisions}} decisions and {{approvals}} approvals, each with an inclusion proof under a checkpoint of the journal
        signed when the pack was made ({{checkpoint.Size}} events, {{checkpoint.Time}}); {{changes}} changes in the changelog;
        {{ruleFiles}} rule files and {{workflows}} workflows in force{{(missing.Count == 0 ? "" : $"; the journal keeps no copy of {string.Join(", ", missing)}")}}.

        ## Files

        | file | what |
        | --- | --- |
        | `checkpoint.json` | the signed checkpoint: `{format, size, root, time, key_id, signature}` |
        | `checkpoint.pub.pem` | the public key that signed it (SubjectPublicKeyInfo, PEM) |
        | `decisions.jsonl` | every decision of the window (`gate.decision`, `governance.decision`), one event a line as `rulesgate journal export` writes them: `{seq, stream, type, time, payload, prev_hash, hash}` |
        | `approvals.jsonl` | every vote, migration and kill switch reset of the window, as above, with who gave it and their proof (a signature, or the authenticated principal) |
        | `proofs.jsonl` | one inclusion proof a line for each event of the two files above: `{event, path, checkpoint}` |
        | `changelog.md`, `changelog.json` | the changelog of the window: who, when, what and why |
        | `rules/ID@VERSION-HASH.yaml` | each rule file the window's decisions and rule changes name, as the journal keeps it |
        | `workflows/ID@VERSION-HASH.yaml` | each workflow the window's instances moved under, as they pinned it (and `.gates.yaml`, its gates file) |
        | `SHA256SUMS` | the SHA-256 of every other file |

        ## Verify it

        1. The files are the ones packed: `sha256sum -c SHA256SUMS`.
        2. Every decision and approval is in the journal the checkpoint signed:
           `rulesgate journal verify-proof proofs.jsonl --public-key checkpoint.pub.pem` checks each proof (exit 0: all hold).
        3. Each line of `decisions.jsonl` and `approvals.jsonl` is the event its proof proves: the same `seq` and `hash`,
           and its `payload` is the proof's `payload` text parsed as JSON. Read the proofs, not these files, when in doubt:
           the proofs are what the signature covers.
        4. A rule file is the one a decision names: its SHA-256 (`sha256sum rules/*.yaml`) begins with the hash in its
           name, and equals a capital decision's `bundle_hash`.

        ## The formats, for any other tool

        - **Event hash**: SHA-256, lower-case hex, over the UTF-8 bytes of `prev_hash`, `seq` (decimal), `stream`, `type`
          and `time`, each followed by a line feed (0x0A), then the payload: the bytes of `payload_cbor` (base64 in a
          proof) when the event has it, else the UTF-8 of `payload`. The first event's `prev_hash` is 64 zeros; each
          later one is the hash of the event before it.
        - **Merkle tree** (RFC 6962 / RFC 9162): over the event hashes in order; a leaf is SHA-256(0x00 ‖ event hash), a node
          SHA-256(0x01 ‖ left ‖ right), and a tree of n leaves splits at the largest power of two below n. A proof's
          `path` is the audit path of leaf `seq − 1`, leaf side first, checked as RFC 9162 section 2.1.3.2 says against
          the checkpoint's `root` and `size`.
        - **Checkpoint signature**: ECDSA P-256 over SHA-256, IEEE P1363 format (r ‖ s, 64 bytes), base64, over the UTF-8
          text `rulesgate-checkpoint/1`, the size, the root and the time, each followed by a line feed. `key_id` is the
          first 16 hex digits of the SHA-256 of the public key's SubjectPublicKeyInfo (DER).

        """);
}
