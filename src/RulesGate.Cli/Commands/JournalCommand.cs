using System.CommandLine;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate journal verify</c>, <c>rulesgate replay</c> and <c>rulesgate killswitch status|reset</c>.</summary>
internal static class JournalCommand
{
    /// <summary><c>--journal DB</c>: RULESGATE_JOURNAL when set, else <see cref="SqliteJournal.DefaultPath"/>.</summary>
    public static Option<string> JournalOption() =>
        new("--journal") { Description = $"The journal's SQLite file (default $RULESGATE_JOURNAL, else {SqliteJournal.DefaultPath}).", DefaultValueFactory = _ => DefaultJournal() };

    private static string DefaultJournal() => Settings.Read("RULESGATE_JOURNAL") ?? SqliteJournal.DefaultPath;

    public static Command Journal(TextWriter output)
    {
        var journal = JournalOption();
        var verify = new Command("verify", "Walk the hash chain; name the first row that was altered, removed or inserted. Exit 0 intact, 1 broken.") { journal };
        verify.SetAction(parse =>
        {
            using var store = ReadOnly(parse.GetValue(journal)!);
            var result = JournalAudit.Verify(store);
            output.WriteLine(result.Describe());
            return result.Intact ? ExitCodes.Ok : ExitCodes.Failed;
        });
        var initJournal = JournalOption();
        var init = new Command("init", "Create the journal (and its folder); every other command refuses a journal that does not exist.") { initJournal };
        init.SetAction(parse =>
        {
            var path = parse.GetValue(initJournal)!;
            var existed = File.Exists(path);
            using var store = SqliteJournal.Create(path);
            output.WriteLine(existed ? $"{path} is already a journal ({store.LastSeq()} events); left as it is." : $"Created the journal {path}.");
            return ExitCodes.Ok;
        });
        return new Command("journal", "Create and inspect the append-only, hash-chained journal.") { init, verify };
    }

    public static Command Replay(TextWriter output)
    {
        var journal = JournalOption();
        var run = new Option<string?>("--run") { Description = "Only this run's decisions (its run_id)." };
        var command = new Command("replay", "Re-evaluate every recorded decision with the exact rule file that made it; exit 1 on any mismatch.") { journal, run };
        command.SetAction(parse =>
        {
            using var store = ReadOnly(parse.GetValue(journal)!);
            var report = CapitalReplay.Run(store, CliOptions.Engine(parse), parse.GetValue(run));
            foreach (var mismatch in report.Mismatches)
            {
                output.WriteLine($"MISMATCH event {mismatch.Seq} ({mismatch.IntentId})");
                output.WriteLine($"  recorded: {mismatch.Recorded}");
                output.WriteLine($"  replayed: {mismatch.Replayed}");
            }

            output.WriteLine($"{report.Replayed} decisions replayed, {report.Mismatches.Count} mismatches.");
            return report.Matches ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    public static Command KillSwitch(TextWriter output)
    {
        var journal = JournalOption();
        var status = new Command("status", "Show whether the journaled kill switch is on, since when and why.") { journal };
        status.SetAction(parse =>
        {
            using var store = ReadOnly(parse.GetValue(journal)!);
            output.WriteLine(Describe(GateJournal.State(store)));
            return ExitCodes.Ok;
        });

        var resetJournal = JournalOption();
        var actor = new Option<string>("--actor") { Description = "Who resets it.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why it is safe to trade again.", Required = true };
        var reset = new Command("reset", "Turn the kill switch off; journaled with who and why.") { resetJournal, actor, reason };
        reset.SetAction(parse =>
        {
            using var store = Existing(parse.GetValue(resetJournal)!);
            output.WriteLine(Describe(GateJournal.Reset(store, parse.GetValue(actor)!, parse.GetValue(reason)!)));
            return ExitCodes.Ok;
        });
        return new Command("killswitch", "The kill switch latched in the journal: once tripped, every order is denied until it is reset.") { status, reset };
    }

    private static string Describe(KillSwitchState state) =>
        state.Active ? $"Kill switch ACTIVE since {state.Since}: {state.Cause}." : $"Kill switch off ({state.Cause}).";

    /// <summary>The journal at <paramref name="path"/>, which must exist: only <c>journal init</c> creates one.</summary>
    public static JournalStore Existing(string path) => SqliteJournal.Open(path);

    /// <summary>The existing journal, for a command that only reads it.</summary>
    public static JournalStore ReadOnly(string path) => SqliteJournal.Open(path, readOnly: true);
}
