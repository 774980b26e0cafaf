using System.CommandLine;
using RulesGate.Core.Workflows;

namespace RulesGate.Cli.Commands;

/// <summary>
/// <c>rulesgate effects</c>: what workflow transitions asked of the world (renders, notices, log lines) and has not
/// been done yet, with each failure and its next attempt; the dead letters, whose attempts are spent; and a retry.
/// </summary>
internal static class EffectsCommand
{
    public static Command Create(TextWriter output, TextWriter error) =>
        new("effects", "Workflow effects not done yet: pending, failing (with the error and the next attempt) and dead letters; retry a dead letter.")
        {
            List(output), Run(output), Retry(output, error),
        };

    private static Command Run(TextWriter output)
    {
        var journal = JournalCommand.JournalOption();
        var command = new Command("run", "Run every effect due now (a command that moves an instance runs them too; serve runs them by itself), then say how each stands.") { journal };
        command.SetAction(async parse =>
        {
            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            var effects = WorkflowCommand.Runtime(parse, store).Effects;
            var ran = await effects.RunPendingAsync().ConfigureAwait(false);
            var failing = effects.Failing();
            foreach (var (effect, dead) in failing)
            {
                output.WriteLine(Line(effect, dead));
            }

            var deadLetters = failing.Count(failed => failed.Dead);
            output.WriteLine($"{ran} {(ran == 1 ? "effect" : "effects")} ran; {failing.Count - deadLetters} failing, {deadLetters} {(deadLetters == 1 ? "dead letter" : "dead letters")}.");
            return failing.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static Command List(TextWriter output)
    {
        var journal = JournalCommand.JournalOption();
        var command = new Command("list", "Every effect still pending (with its failed attempts, last error and when it is tried again) and every dead letter; one line each.") { journal };
        command.SetAction(parse =>
        {
            using var store = JournalCommand.ReadOnly(parse.GetValue(journal)!);
            var effects = WorkflowCommand.Runtime(parse, store).Effects;
            var (pending, dead) = (effects.Pending(), effects.Dead());
            foreach (var effect in pending)
            {
                output.WriteLine(Line(effect, dead: false));
            }

            foreach (var effect in dead)
            {
                output.WriteLine(Line(effect, dead: true));
            }

            output.WriteLine($"{pending.Count} pending, {dead.Count} {(dead.Count == 1 ? "dead letter" : "dead letters")}{(dead.Count > 0 ? "; retry one with 'rulesgate effects retry --effect SEQ --actor A --reason T'" : "")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Retry(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var effect = new Option<long>("--effect") { Description = "The dead letter's number, as 'effects list' prints it.", Required = true };
        var actor = new Option<string>("--actor") { Description = "Who retries it.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why it should work now (the template fixed, the webhook back).", Required = true };
        var command = new Command("retry", "Put a dead letter back in the outbox with its attempts counted afresh, journaled with who and why, and run it now.") { journal, effect, actor, reason };
        command.SetAction(async parse =>
        {
            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            var runtime = WorkflowCommand.Runtime(parse, store);
            runtime.Effects.Retry(parse.GetValue(effect), parse.GetValue(actor)!, parse.GetValue(reason)!);
            await runtime.Effects.RunPendingAsync().ConfigureAwait(false);
            var left = runtime.Effects.Failing().FirstOrDefault(failed => failed.Effect.Seq == parse.GetValue(effect));
            output.WriteLine(left.Effect is null ? $"Effect {parse.GetValue(effect)}: done." : $"Effect {parse.GetValue(effect)}: failed again; {Line(left.Effect, left.Dead)}");
            return left.Effect is null ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>
    /// The CLI's drain, once a command has moved what it moves: runs every effect due now and names on standard error
    /// each of them that did not run (it stays in the outbox); returns how many did not.
    /// </summary>
    internal static async Task<int> DrainAsync(WorkflowEffects effects, TextWriter error, CancellationToken cancellation)
    {
        var tried = new HashSet<long>();
        await effects.RunPendingAsync(pending => tried.Add(pending.Seq), cancellation).ConfigureAwait(false);
        var failed = effects.Failing().Where(failing => tried.Contains(failing.Effect.Seq)).ToList();
        foreach (var (effect, dead) in failed)
        {
            error.WriteLine($"rulesgate: not done: {Line(effect, dead)}. 'rulesgate effects run' tries again; a server does by itself.");
        }

        return failed.Count;
    }

    /// <summary>One effect as people read it: its number, instance, what it does, and how it stands.</summary>
    internal static string Line(PendingEffect effect, bool dead) => $"effect {effect.Seq} of {effect.Instance}: {effect.What}: {effect.Standing(dead)}";
}
