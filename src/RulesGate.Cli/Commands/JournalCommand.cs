using System.CommandLine;
using RulesGate.Core;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Storage.Postgres;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate journal verify</c>, <c>rulesgate replay</c> and <c>rulesgate killswitch status|reset</c>.</summary>
internal static class JournalCommand
{
    /// <summary><c>--journal DB</c>: RULESGATE_JOURNAL when set, else <see cref="SqliteJournal.DefaultPath"/>.</summary>
    public static Option<string> JournalOption() =>
        new("--journal") { Description = $"The journal: a SQLite file, or a PostgreSQL database as postgres://USER@HOST:PORT/DB or Host=…;Database=… (default $RULESGATE_JOURNAL, else {SqliteJournal.DefaultPath}).", DefaultValueFactory = _ => DefaultJournal() };

    private static string DefaultJournal() => Settings.Read("RULESGATE_JOURNAL") ?? SqliteJournal.DefaultPath;

    public static Command Journal(TextWriter output)
    {
        var journal = JournalOption();
        var checkpointFile = new Option<string?>("--checkpoint") { Description = "Also prove the journal still holds exactly what this signed checkpoint covers (later events only extend it)." };
        var publicKey = new Option<string?>("--public-key") { Description = "The checkpoint's public key (KEY.pub.pem, from journal keygen)." };
        var verify = new Command("verify", "Walk the hash chain; name the first row that was altered, removed or inserted, a blob that was altered, and, with --checkpoint, a journal that no longer holds what was signed. Exit 0 verified, 1 broken.") { journal, checkpointFile, publicKey };
        var json = new Option<bool>("--json") { Description = "{\"verified\", \"events\", \"broken_at\", \"problem\", \"checkpoint\"?: {\"time\", \"size\", \"holds\", \"problem\"}} instead of sentences." };
        verify.Options.Add(json);
        verify.SetAction(parse =>
        {
            var anchor = parse.GetValue(checkpointFile) is { } path ? Checkpoint(path, parse.GetValue(publicKey)) : default;
            using var store = ReadOnly(parse.GetValue(journal)!);
            var result = JournalAudit.Verify(store);
            string? problem = null;
            if (result.Intact && anchor.Checkpoint is { } checkpoint)
            {
                using var key = anchor.Key!;
                problem = checkpoint.Check(store, key);
            }

            var holds = result.Intact && problem is null;
            if (parse.GetValue(json))
            {
                output.WriteLine(Core.Serialization.JsonText.Write(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteBoolean("verified"u8, holds);
                    writer.WriteNumber("events"u8, result.Events);
                    writer.WritePropertyName("broken_at"u8);
                    Core.Serialization.JsonText.Value(writer, result.BrokenAt);
                    writer.WritePropertyName("problem"u8);
                    Core.Serialization.JsonText.Value(writer, result.Problem);
                    if (result.Intact && anchor.Checkpoint is { } signed)
                    {
                        writer.WriteStartObject("checkpoint"u8);
                        writer.WriteString("time"u8, signed.Time);
                        writer.WriteNumber("size"u8, signed.Size);
                        writer.WriteBoolean("holds"u8, problem is null);
                        writer.WritePropertyName("problem"u8);
                        Core.Serialization.JsonText.Value(writer, problem);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndObject();
                }, pretty: false));
                return holds ? ExitCodes.Ok : ExitCodes.Failed;
            }

            output.WriteLine(result.Describe());
            if (result.Intact && anchor.Checkpoint is { } told)
            {
                output.WriteLine(problem is null
                    ? $"Checkpoint of {told.Time} holds: the first {told.Size} events are exactly what it signed ({store.LastSeq() - told.Size} since)."
                    : $"Checkpoint of {told.Time} BROKEN: {problem}.");
            }

            return holds ? ExitCodes.Ok : ExitCodes.Failed;
        });

        var keyOut = new Option<string>("--out") { Description = "Where to write the private key (PEM, mode 0600); the public key goes beside it as NAME.pub.pem.", Required = true };
        var keygen = new Command("keygen", "Make an ECDSA P-256 key pair for signing checkpoints. Refuses to overwrite a key.") { keyOut };
        keygen.SetAction(parse =>
        {
            var path = parse.GetValue(keyOut)!;
            using var key = KeyFiles.Create(path);
            output.WriteLine($"Wrote {path} (private, mode 0600) and {KeyFiles.PublicPath(path)} (public); key id {JournalCheckpoint.KeyIdOf(key)}.");
            return ExitCodes.Ok;
        });

        var signJournal = JournalOption();
        var signKey = new Option<string>("--key") { Description = "The private key (PEM) to sign with.", Required = true };
        var checkpointOut = new Option<string?>("--out") { Description = "Also write the checkpoint here (keep it outside the database, where a writer of the journal cannot reach)." };
        var checkpointCommand = new Command("checkpoint", "Sign the journal's current tree head (its size, the Merkle root over its events, the time) and journal the checkpoint too; prints it as JSON.") { signJournal, signKey, checkpointOut };
        checkpointCommand.SetAction(parse =>
        {
            using var key = LoadKey(parse.GetValue(signKey)!, privateKey: true);
            using var store = Existing(parse.GetValue(signJournal)!);
            var signed = JournalCheckpoint.Sign(store, key, RulesGate.Core.Journal.RunClock.Machine.GetUtcNow());
            var json = signed.Json();
            if (parse.GetValue(checkpointOut) is { } file)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
                File.WriteAllText(file, json + "\n");
            }

            output.WriteLine(json);
            return ExitCodes.Ok;
        });

        var proveJournal = JournalOption();
        var seq = new Option<long>("--seq") { Description = "The event to prove.", Required = true };
        var proveCheckpoint = new Option<string>("--checkpoint") { Description = "The checkpoint that covers it.", Required = true };
        var prove = new Command("prove", "Export an inclusion proof of one event under a checkpoint: the event, its audit path and the checkpoint, for a third party to check with the public key alone (journal verify-proof).") { proveJournal, seq, proveCheckpoint };
        prove.SetAction(parse =>
        {
            var checkpoint = GateInputs.Read(parse.GetValue(proveCheckpoint)!, JournalCheckpoint.Read);
            using var store = ReadOnly(parse.GetValue(proveJournal)!);
            output.WriteLine(JournalProof.Of(store, parse.GetValue(seq), checkpoint).Json());
            return ExitCodes.Ok;
        });

        var proofFile = CliOptions.Input("PROOF.json", "The proof (journal prove's output), or a .jsonl file of proofs one a line (an audit pack's proofs.jsonl).");
        var proofKey = new Option<string>("--public-key") { Description = "The checkpoint's public key (PEM).", Required = true };
        var verifyProof = new Command("verify-proof", "Check inclusion proofs with the public key alone, without the journal. Exit 0 every one holds, 1 one does not.") { proofFile, proofKey };
        verifyProof.SetAction(parse =>
        {
            var path = parse.GetValue(proofFile)!;
            using var key = LoadKey(parse.GetValue(proofKey)!, privateKey: false);
            if (!path.EndsWith(".jsonl", StringComparison.Ordinal))
            {
                var proof = GateInputs.Read(path, JournalProof.Read);
                var problem = proof.Check(key);
                output.WriteLine(problem is null
                    ? $"The proof holds: event {proof.Event.Seq} ({proof.Event.Type}, stream {proof.Event.Stream}) is in the journal the checkpoint of {proof.Checkpoint.Time} signed ({proof.Checkpoint.Size} events)."
                    : $"The proof does not hold: {problem}.");
                return problem is null ? ExitCodes.Ok : ExitCodes.Failed;
            }

            // One proof a line, read and checked as it comes (an audit pack's may be gigabytes); each that does not hold named with its line.
            var (count, failed, checkpoints, verified) = (0, 0, new HashSet<(string Time, long Size)>(), new HashSet<JournalCheckpoint>());
            foreach (var (where, proof) in GateInputs.StreamLines(path, JournalProof.Read))
            {
                count++;
                checkpoints.Add((proof.Checkpoint.Time, proof.Checkpoint.Size));
                if (proof.Check(key, verified) is { } problem)
                {
                    failed++;
                    output.WriteLine($"{where}: the proof of event {proof.Event.Seq} does not hold: {problem}.");
                }
            }

            var (time, size) = checkpoints.FirstOrDefault();
            output.WriteLine(count == 0 ? $"{path} holds no proof: nothing was checked."
                : failed == 0 ? $"All {count} proofs hold: each event is in the journal {(checkpoints.Count == 1 ? $"the checkpoint of {time} signed ({size} events)" : $"one of {checkpoints.Count} checkpoints signed")}."
                : $"{failed} of {count} proofs do not hold.");
            return failed == 0 && count > 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        var initJournal = JournalOption();
        var init = new Command("init", "Create the journal (and its folder); every other command refuses a journal that does not exist.") { initJournal };
        init.SetAction(parse =>
        {
            var path = parse.GetValue(initJournal)!;
            using var store = Create(path, out var existed);
            output.WriteLine(!existed ? $"Created the journal {store.Location}."
                : store.UpgradedFrom is { } earlier ? $"{store.Location} is already a journal ({store.LastSeq()} events); brought from format {earlier} to this RulesGate's in place (its segments indexed by stream and type), nothing else changed."
                : $"{store.Location} is already a journal ({store.LastSeq()} events); left as it is.");
            return ExitCodes.Ok;
        });
        return new Command("journal", "Create and inspect the append-only, hash-chained journal, and anchor it with signed checkpoints.") { init, verify, Export(output), Show(output), keygen, checkpointCommand, prove, verifyProof, Signatures(output), Types(output) };
    }

    /// <summary><c>journal types</c>: every type of event RulesGate writes, with what one records, as Markdown (docs/journal-events.md is its output).</summary>
    private static Command Types(TextWriter output)
    {
        var command = new Command("types", "Every type of event RulesGate writes to the journal, with what one event of it records, as Markdown (docs/journal-events.md is this output).");
        command.SetAction(_ =>
        {
            output.WriteLine("# Journal events");
            output.WriteLine();
            output.WriteLine("Every type of event RulesGate writes to the journal (`rulesgate journal types` prints this page). RulesGate writes no type that is not listed.");
            output.WriteLine();
            output.WriteLine("A payload is a record of its feature (`WorkflowEvents`, `PatchEvents`, `GovernanceEvents`, `GateEvents`, `PromotionEvents` in Core, `ReloadEvents` and `Shadow` in the server), written and read through that feature's source-generated JSON contract with snake_case names. Decisions (`gate.decision`, `governance.decision`, `patch.decided`) and drift alerts keep the formats the CLI prints and PolicyGate wrote, `gate.decision` as CBOR in segments; a diary entry keeps the diary's input format; a proposal's events hold its record; the journal's own events (`journal.*`) are its chain's bookkeeping.");
            output.WriteLine();
            output.WriteLine("| type | what one records |");
            output.WriteLine("| --- | --- |");
            foreach (var (type, records) in EventTypes.All)
            {
                output.WriteLine($"| `{type}` | {records} |");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary><c>journal signatures</c>: who approved, migrated and reset what, each signature checked again with the public keys of a roles file.</summary>
    private static Command Signatures(TextWriter output)
    {
        var journal = JournalOption();
        var command = new Command("signatures", "Check who did each journaled vote, migration and kill switch reset: every signature verified again with the public keys the roles file lists, and its signed statement matched to the event. Exit 1 when one does not hold.")
        {
            journal, WorkflowCommand.Roles,
        };
        command.SetAction(parse =>
        {
            var roles = WorkflowCommand.RolesOf(parse);
            using var store = ReadOnly(parse.GetValue(journal)!);
            var acts = RulesGate.Core.Signing.SignatureAudit.Check(store, roles);
            foreach (var act in acts)
            {
                var proof = act switch
                {
                    { Problem: { } problem } => $"FAILED: {problem}",
                    { By: "signature" } => $"signed with key {act.KeyId}: verified",
                    { By: "principal" } => "authenticated by serve",
                    _ => "unproven: journaled before acts were signed",
                };
                output.WriteLine($"{act.Seq,6}  {act.Time}  {act.Type,-18} {act.Actor,-14} {proof}");
            }

            var failed = acts.Count(act => act.Problem is not null);
            var signed = acts.Count(act => act.By == "signature" && act.Problem is null);
            var served = acts.Count(act => act.By == "principal" && act.Problem is null);
            output.WriteLine($"{acts.Count} {(acts.Count == 1 ? "act" : "acts")} checked against {roles.Source}: {signed} signed and verified, {served} authenticated by serve, {acts.Count - failed - signed - served} unproven, {failed} failed.");
            return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    public static Command Replay(TextWriter output)
    {
        var journal = JournalOption();
        var run = new Option<string?>("--run") { Description = "Only this run's decisions (its run_id)." };
        var json = CliOptions.Json("{verified, problem, replayed, mismatches: [{seq, intent_id, recorded, replayed}]}");
        var command = new Command("replay", "Re-evaluate every recorded decision with the exact rule file that made it; exit 1 on any mismatch, or when the journal does not verify (then nothing is replayed).") { journal, run, json };
        command.SetAction(parse =>
        {
            using var store = ReadOnly(parse.GetValue(journal)!);
            var chain = JournalAudit.Verify(store);
            if (parse.GetValue(json))
            {
                var replayed = chain.Intact ? CapitalReplay.Run(store, CliOptions.Engine(parse), parse.GetValue(run)) : null;
                output.WriteLine(Core.Reports.ReportJson.Replay(chain.Intact ? null : chain.Describe(), replayed));
                return replayed is { Matches: true } ? ExitCodes.Ok : ExitCodes.Failed;
            }

            if (!chain.Intact)
            {
                // Replaying a journal that does not verify would vouch for what may have been rewritten.
                output.WriteLine(chain.Describe());
                output.WriteLine("Not replayed: the journal does not verify.");
                return ExitCodes.Failed;
            }

            var report = CapitalReplay.Run(store, CliOptions.Engine(parse), parse.GetValue(run));
            foreach (var mismatch in report.Mismatches)
            {
                output.WriteLine($"Mismatch at event {mismatch.Seq} ({mismatch.IntentId}):");
                output.WriteLine($"  recorded: {mismatch.Recorded}");
                output.WriteLine($"  replayed: {mismatch.Replayed}");
            }

            output.WriteLine($"{report.Replayed} decisions replayed, {report.Mismatches.Count} mismatches.");
            return report.Matches ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary><c>rulesgate correlate</c>: a run's decisions and its execution log as one timeline per intent.</summary>
    public static Command Correlate(TextWriter output)
    {
        var decisions = new Option<string>("--decisions") { Description = "The run's decisions.jsonl (any format: rulesgate, policygate or governed).", Required = true };
        var executions = new Option<string>("--exec-log") { Description = "The run's execution log (run --exec-log).", Required = true };
        var command = new Command("correlate", "Join a run's decisions and execution events into one timeline per intent: JSON lines of {intent_id, decision, executions}, in the decisions' order, then execution events without a decision.") { decisions, executions };
        command.SetAction(parse =>
        {
            static List<(string, System.Text.Json.JsonElement)> Lines(string path) =>
                [.. GateInputs.ReadLinesWithPlaces(path)];
            foreach (var line in Correlation.Timelines(Lines(parse.GetValue(decisions)!), Lines(parse.GetValue(executions)!)))
            {
                output.WriteLine(line);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command KillSwitch(TextWriter output)
    {
        var journal = JournalOption();
        var json = new Option<bool>("--json") { Description = "{\"active\", \"since\", \"cause\"}, as GET /v1/killswitch answers." };
        var status = new Command("status", "Show whether the journaled kill switch is on, since when and why.") { journal, json };
        status.SetAction(parse =>
        {
            using var store = ReadOnly(parse.GetValue(journal)!);
            var state = GateJournal.State(store);
            output.WriteLine(parse.GetValue(json) ? state.Json() : Describe(state));
            return ExitCodes.Ok;
        });

        var resetJournal = JournalOption();
        var actor = new Option<string>("--actor") { Description = "Who resets it; signs with their key (--sign).", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why it is safe to trade again.", Required = true };
        var sign = CliOptions.Sign();
        var reset = new Command("reset", "Turn the kill switch off; journaled with who, why and their signature (--sign), refused (exit 1) when the signature is not the actor's.") { resetJournal, actor, reason, sign, WorkflowCommand.Roles };
        reset.SetAction(parse =>
        {
            var roles = WorkflowCommand.RolesOf(parse);
            var resetter = CliOptions.Signer(parse, sign, parse.GetValue(actor)!, "A kill switch reset");
            using var store = Existing(parse.GetValue(resetJournal)!);
            try
            {
                output.WriteLine(Describe(GateJournal.Reset(store, resetter, parse.GetValue(reason)!, roles)));
                return ExitCodes.Ok;
            }
            catch (RulesGate.Core.Signing.SignatureRefusedException refused)
            {
                output.WriteLine($"Refused: {refused.Message}");
                return ExitCodes.Failed;
            }
        });
        return new Command("killswitch", "The kill switch latched in the journal: once tripped, every order is denied until it is reset.") { status, reset };
    }

    private static Command Export(TextWriter output)
    {
        var journal = JournalOption();
        var (from, to, stream, type, since, until) = QueryOptions();
        var outFile = new Option<string?>("--out") { Description = "Write the JSON lines here instead of standard output." };
        var command = new Command("export", "Events as JSON lines (seq, stream, type, time, payload as JSON, prev_hash, hash), for people and other tools; filtered by --from/--to, --stream, --type, --since/--until.") { journal, from, to, stream, type, since, until, outFile };
        command.SetAction(parse =>
        {
            using var store = ReadOnly(parse.GetValue(journal)!);
            var events = Query(parse, from, to, stream, type, since, until).Run(store);
            if (parse.GetValue(outFile) is { } path)
            {
                using var file = new StreamWriter(path) { NewLine = "\n" };
                JournalBrowse.Export(events, file);
            }
            else
            {
                JournalBrowse.Export(events, output);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(TextWriter output)
    {
        var journal = JournalOption();
        var (from, to, stream, type, since, until) = QueryOptions();
        var last = new Option<int?>("--last") { Description = "Only the last N of the events that match (default 50; 0 for all)." };
        var command = new Command("show", "A readable view of the journal: one line per event with its number, time, type, stream, and what happened, who did it and under which rule file; filtered like export.") { journal, from, to, stream, type, since, until, last };
        command.SetAction(parse =>
        {
            using var store = ReadOnly(parse.GetValue(journal)!);
            var events = Query(parse, from, to, stream, type, since, until).Run(store).ToList();
            var count = parse.GetValue(last) ?? 50;
            if (count < 0)
            {
                throw new FormatException("--last: give a number of events, or 0 for all.");
            }

            var shown = count == 0 ? events : events.TakeLast(count).ToList();
            if (shown.Count < events.Count)
            {
                output.WriteLine($"(the last {shown.Count} of {events.Count} events; --last 0 shows all)");
            }

            foreach (var e in shown)
            {
                output.WriteLine(JournalBrowse.Line(e));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static (Option<long> From, Option<long?> To, Option<string?> Stream, Option<string[]> Type, Option<string?> Since, Option<string?> Until) QueryOptions() =>
    (
        new Option<long>("--from") { Description = "From this event number (default 1).", DefaultValueFactory = _ => 1 },
        new Option<long?>("--to") { Description = "Up to this event number." },
        new Option<string?>("--stream") { Description = "Only this stream, such as gate, ledger:alpha or governance:trend." },
        new Option<string[]>("--type") { Description = "Only this type, such as gate.decision; repeat for several." },
        new Option<string?>("--since") { Description = "Only events at or after this UTC time, such as 2026-11-30T00:00:00Z." },
        new Option<string?>("--until") { Description = "Only events before this UTC time." }
    );

    private static JournalQuery Query(ParseResult parse, Option<long> from, Option<long?> to, Option<string?> stream, Option<string[]> type, Option<string?> since, Option<string?> until) =>
        new(
            parse.GetValue(from) is var first and >= 1 ? first : throw new FormatException("--from: event numbers start at 1."),
            parse.GetValue(to) ?? long.MaxValue,
            parse.GetValue(stream),
            parse.GetValue(type),
            parse.GetValue(since) is { } start ? CliOptions.Utc(start, "--since") : null,
            parse.GetValue(until) is { } end ? CliOptions.Utc(end, "--until") : null);

    internal static System.Security.Cryptography.ECDsa LoadKey(string path, bool privateKey) => KeyFiles.Load(path, privateKey, "rulesgate journal keygen --out KEY.pem");

    /// <summary>The checkpoint file and its public key, read and checked before the journal is opened.</summary>
    private static (JournalCheckpoint? Checkpoint, System.Security.Cryptography.ECDsa? Key) Checkpoint(string path, string? publicKey) =>
        publicKey is null
            ? throw new FormatException("--checkpoint needs --public-key: the checkpoint's public key (KEY.pub.pem).")
            : (GateInputs.Read(path, JournalCheckpoint.Read), LoadKey(publicKey, privateKey: false));

    private static string Describe(KillSwitchState state) =>
        state.Active ? $"Kill switch ACTIVE since {state.Since}: {state.Cause}." : $"Kill switch off ({state.Cause}).";

    /// <summary>The journal <paramref name="journal"/> names (a SQLite file, or a PostgreSQL URL or connection string), which must exist: only <c>journal init</c> creates one.</summary>
    public static JournalStore Existing(string journal, TimeProvider? time = null) =>
        PostgresJournal.Names(journal) ? PostgresJournal.Open(journal, time ?? RulesGate.Core.Journal.RunClock.Machine) : SqliteJournal.Open(journal, time ?? RulesGate.Core.Journal.RunClock.Machine);

    /// <summary>The existing journal, for a command that only reads it.</summary>
    public static JournalStore ReadOnly(string journal) => PostgresJournal.Names(journal) ? PostgresJournal.Open(journal, readOnly: true) : SqliteJournal.Open(journal, readOnly: true);

    /// <summary>Creates the journal <paramref name="journal"/> names, or opens it when it is one already (<paramref name="existed"/>).</summary>
    public static JournalStore Create(string journal, out bool existed)
    {
        if (!PostgresJournal.Names(journal))
        {
            existed = File.Exists(journal);
            return SqliteJournal.Create(journal);
        }

        return PostgresJournal.Create(journal, out existed);
    }
}
