using System.CommandLine;
using RulesGate.Core.Journal;
using RulesGate.Core.Workflows;

namespace RulesGate.Cli.Commands;

/// <summary>
/// A command's work on the workflows of an open journal: the runtime, made when first asked for, and the CLI's drain.
/// The runtime only puts effects in the outbox; disposing the session runs those due (the command's own among them)
/// before the journal closes, and names on standard error each that did not run, which stays in the outbox for
/// <c>rulesgate effects run</c> or a server. Declared after its journal, so it is disposed first.
/// </summary>
internal sealed class WorkflowSession(ParseResult parse, JournalStore store, TextWriter error, CancellationToken cancellation, TimeProvider? time = null) : IAsyncDisposable
{
    private WorkflowRuntime? runtime;

    public WorkflowRuntime Runtime => runtime ??= WorkflowCommand.Runtime(parse, store, time, error);

    public async ValueTask DisposeAsync()
    {
        if (runtime is null)
        {
            return;
        }

        await EffectsCommand.DrainAsync(runtime.Effects, error, cancellation).ConfigureAwait(false);
    }
}
