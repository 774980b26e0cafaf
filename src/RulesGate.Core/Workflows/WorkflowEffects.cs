using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;
using RulesGate.Core.Reports;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Workflows;

/// <summary>What a transition asks the world to do once it is durable: a closed set.</summary>
public abstract record WorkflowEffect
{
    private WorkflowEffect()
    {
    }

    /// <summary>Render a template for the state entered, into the instance's folder under the artifacts.</summary>
    public sealed record Render(string Template, string State) : WorkflowEffect;

    /// <summary>Post a notice to the webhook.</summary>
    public sealed record Notify(string Text) : WorkflowEffect;

    /// <summary>Append a line to the promotion log: a ledger change the transition made.</summary>
    public sealed record Log(string Line) : WorkflowEffect;

    /// <summary>
    /// Put the bytes the journal keeps under <paramref name="Content"/> (a blob's SHA-256) at <paramref name="Path"/>,
    /// atomically, unless the file holds them already; with <paramref name="Before"/>, only over the file as it was
    /// when the change was planned (its SHA-256, or <see cref="Absent"/>): a file changed since is not overwritten.
    /// </summary>
    public sealed record WriteFile(string Path, string Content, string? Before = null) : WorkflowEffect
    {
        /// <summary>The <see cref="Before"/> of a file that did not exist.</summary>
        public const string Absent = "absent";
    }
}

/// <summary>How often a failing effect is tried again: the attempts in all, and the back-off (doubling from <see cref="First"/>, at most <see cref="Longest"/>).</summary>
public sealed record EffectRetry(int Attempts = 5, TimeSpan? FirstDelay = null, TimeSpan? LongestDelay = null)
{
    public TimeSpan First => FirstDelay ?? TimeSpan.FromSeconds(30);

    public TimeSpan Longest => LongestDelay ?? TimeSpan.FromHours(1);

    /// <summary>When the attempt after <paramref name="attempts"/> failed ones is due.</summary>
    public DateTimeOffset After(int attempts, DateTimeOffset now) =>
        now + TimeSpan.FromTicks(Math.Min(Longest.Ticks, First.Ticks * (1L << Math.Min(attempts - 1, 30))));
}

/// <summary>An effect committed and not yet done: how many attempts failed so far, and when the next is due (null: now).</summary>
public sealed record PendingEffect(long Seq, WorkflowEffect Effect, string Instance, int Attempts = 0, DateTimeOffset? RetryAt = null, string? Error = null)
{
    /// <summary>What it does, as people read it: <c>render T for S</c>, <c>notify "…"</c>, <c>log the ledger change</c>.</summary>
    public string What => Effect switch
    {
        WorkflowEffect.Render render => $"render {render.Template} for {render.State}",
        WorkflowEffect.Notify notify => $"notify \"{notify.Text}\"",
        WorkflowEffect.WriteFile file => $"write {file.Path}",
        _ => "log the ledger change",
    };

    /// <summary>How it stands, as people read it: pending, failing with its error and next attempt, or a dead letter.</summary>
    public string Standing(bool dead) =>
        dead ? $"DEAD LETTER after {Attempts} attempts: {Error}"
        : Attempts == 0 ? "pending"
        : $"failed {Attempts} {(Attempts == 1 ? "time" : "times")} ({Error}); next attempt {(RetryAt is { } at ? JsonText.Timestamp(at) : "now")}";
}

/// <summary>
/// The effects dispatcher: runs the effects that committed transitions left in the outbox, oldest first, after
/// their transaction, and never on it. Each effect is in the journal twice — a <c>workflow.effect</c> event in the
/// transition's transaction, and a document of the <see cref="Outbox"/> projection until it is done — so a crash
/// between the commit and the effect leaves it pending, and the next run does it again (a file whose content is
/// already what it would write is left alone). An effect runs in three steps, so a host with a journal writer can
/// keep the slow middle one off it: <see cref="Prepare"/> reads the journal, <see cref="ExecuteAsync"/> touches the
/// world, <see cref="Close"/> journals the outcome. One that succeeds is closed by <c>workflow.effect_done</c>; one
/// that fails by <c>workflow.render_failed</c>, <c>workflow.webhook_failed</c> or <c>workflow.log_failed</c> with
/// the error and the attempt, and is tried again with back-off (<see cref="EffectRetry"/>) until its attempts are
/// spent: then it is a dead letter (<see cref="DeadLetters"/>), until someone retries it. Either way the transition
/// stands: an effect is never half-applied to the journal.
/// </summary>
/// <param name="artifacts">Where rendered documents go: <c>{artifacts}/workflows/{instance}/{state}-{template}</c>.</param>
/// <param name="promotionLog">The promotion log that ledger changes made by workflows are appended to; null writes none.</param>
/// <param name="webhook">Where notices are posted; null posts none (notices are still journaled as events).</param>
public sealed class WorkflowEffects(JournalStore store, string artifacts = "artifacts", string? promotionLog = PromotionLog.DefaultPath, WorkflowWebhook? webhook = null, TimeProvider? time = null, EffectRetry? retry = null)
{
    /// <summary>The projection of effects committed and not yet done, by the sequence number of their event.</summary>
    public const string Outbox = "workflow.outbox";

    /// <summary>The projection of effects whose attempts are spent, by the sequence number of their event.</summary>
    public const string DeadLetters = "workflow.dead_letter";

    public const string EffectType = EventTypes.Effect;
    public const string DoneType = EventTypes.EffectDone;
    public const string RetriedType = EventTypes.EffectRetried;

    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly EffectRetry retry = retry ?? new EffectRetry();

    /// <summary>Whether notices are posted anywhere; when not, none is queued.</summary>
    internal bool Posts => webhook is not null;

    /// <summary>Whether ledger changes are logged; when not, none is queued.</summary>
    internal bool Logs => promotionLog is not null;

    /// <summary>The event that records <paramref name="effect"/> for <paramref name="instance"/>, appended with the transition.</summary>
    internal static JournalEntry Event(WorkflowInstance instance, WorkflowEffect effect) => new(instance.Key, EffectType, Json(instance, effect, line: null));

    /// <summary>The outbox document of an effect recorded by <paramref name="recorded"/>; a log line is kept whole, as the ledger stood.</summary>
    internal static void Enqueue(JournalTransaction scope, JournalEvent recorded, WorkflowInstance instance, WorkflowEffect effect) =>
        scope.Store(Outbox, recorded.Seq.ToString(CultureInfo.InvariantCulture), Json(instance, effect, (effect as WorkflowEffect.Log)?.Line), recorded.Seq);

    /// <summary>
    /// The event that records a file <paramref name="effect"/> of something other than a workflow instance (a patch
    /// proposal: <paramref name="owner"/> its id), on <paramref name="stream"/>, where its outcome is journaled too.
    /// Append it in the transaction of the change, and <see cref="Enqueue(JournalTransaction, JournalEvent, string, string, WorkflowEffect.WriteFile)"/> it there.
    /// </summary>
    public static JournalEntry Event(string stream, string owner, WorkflowEffect.WriteFile effect) => new(stream, EffectType, FileJson(stream, owner, effect));

    /// <summary>The outbox document of a file effect recorded by <paramref name="recorded"/>.</summary>
    public static void Enqueue(JournalTransaction scope, JournalEvent recorded, string stream, string owner, WorkflowEffect.WriteFile effect) =>
        scope.Store(Outbox, recorded.Seq.ToString(CultureInfo.InvariantCulture), FileJson(stream, owner, effect), recorded.Seq);

    /// <summary>The bytes <paramref name="path"/> will hold once the effects pending now are done: the last pending write's, else the file's own.</summary>
    /// <returns>The bytes, or null for no file.</returns>
    public byte[]? Upcoming(string path, Func<string, byte[]?> onDisk)
    {
        var full = Path.GetFullPath(path);
        return Pending().Select(pending => pending.Effect).OfType<WorkflowEffect.WriteFile>().LastOrDefault(file => file.Path == full) is { } last
            ? store.Blob(last.Content) ?? throw JournalException.Missing($"The journal does not keep the bytes {last.Content} a pending write of {full} puts there.")
            : onDisk(path);
    }

    /// <summary>The effects still pending, oldest first, with their failed attempts.</summary>
    public IReadOnlyList<PendingEffect> Pending() => [.. store.All(Outbox).Select(Parse).OrderBy(pending => pending.Seq)];

    /// <summary>The pending effects whose next attempt is due at <paramref name="now"/>, oldest first.</summary>
    public IReadOnlyList<PendingEffect> Due(DateTimeOffset now) => [.. Pending().Where(pending => pending.RetryAt is not { } at || at <= now)];

    /// <summary>The effects whose attempts are spent, oldest first, with their last error.</summary>
    public IReadOnlyList<PendingEffect> Dead() => [.. store.All(DeadLetters).Select(Parse).OrderBy(dead => dead.Seq)];

    /// <summary>
    /// What people must see (in <c>workflow show</c>, <c>effects run</c>, the console): the effects of
    /// <paramref name="instance"/> (of every instance when null) that failed and wait for a retry, then its dead letters.
    /// </summary>
    public IReadOnlyList<(PendingEffect Effect, bool Dead)> Failing(string? instance = null) =>
    [
        .. Pending().Where(pending => pending.Attempts > 0 && (instance is null || pending.Instance == instance)).Select(pending => (pending, false)),
        .. Dead().Where(dead => instance is null || dead.Instance == instance).Select(dead => (dead, true)),
    ];

    /// <summary>Runs every effect due now (those <paramref name="which"/> picks), oldest first, here: returns how many ran (done or failed). Cancelled, what is left stays pending.</summary>
    public async Task<int> RunPendingAsync(Func<PendingEffect, bool>? which = null, CancellationToken cancellation = default)
    {
        var ran = 0;
        foreach (var pending in Due(clock.GetUtcNow()).Where(which ?? (_ => true)))
        {
            cancellation.ThrowIfCancellationRequested();
            string? failure;
            try
            {
                failure = await ExecuteAsync(Prepare(pending), cancellation).ConfigureAwait(false);
            }
            catch (EffectFailedException error)
            {
                failure = error.Message;
            }

            Close(pending, failure);
            ran++;
        }

        return ran;
    }

    /// <summary>What running <paramref name="pending"/> takes, read from the journal: the document rendered, the instance to post about, the line to log.</summary>
    /// <exception cref="EffectFailedException">It cannot be prepared (a template that does not render, say).</exception>
    public EffectJob Prepare(PendingEffect pending)
    {
        try
        {
            return pending.Effect switch
            {
                WorkflowEffect.Render render => RenderJob(pending.Instance, render),
                WorkflowEffect.Notify notify when webhook is not null => new EffectJob.Post(Find(pending.Instance), notify.Text),
                WorkflowEffect.Log log when promotionLog is not null => new EffectJob.Append(promotionLog, log.Line),
                WorkflowEffect.WriteFile file => new EffectJob.Replace(file.Path, Content(Recorded(pending, file)), file.Before),
                _ => new EffectJob.Nothing(),
            };
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new EffectFailedException(error.Message, error);
        }
    }

    /// <summary>Does <paramref name="job"/>, touching no journal: null when it succeeded, else why not.</summary>
    public async Task<string?> ExecuteAsync(EffectJob job, CancellationToken cancellation)
    {
        try
        {
            switch (job)
            {
                case EffectJob.Write write:
                    Directory.CreateDirectory(Path.GetDirectoryName(write.Path)!);
                    if (!File.Exists(write.Path) || File.ReadAllText(write.Path) != write.Text)
                    {
                        File.WriteAllText(write.Path, write.Text);
                    }

                    break;
                case EffectJob.Post post:
                    await webhook!.PostAsync(post.Instance, post.Text, cancellation).ConfigureAwait(false);
                    break;
                case EffectJob.Replace replace:
                    var now = AtomicFile.Hash(replace.Path);
                    if (now == AtomicFile.Hash(replace.Bytes))
                    {
                        break;      // done before and not closed (a crash between), or the same bytes
                    }

                    if (replace.Before is { } before && (now ?? WorkflowEffect.WriteFile.Absent) != before)
                    {
                        return $"{replace.Path} was changed since this change was planned ({(now is null ? "it is gone" : $"it holds {now[..12]}…, not {before[..Math.Min(12, before.Length)]}…")}); RulesGate will not overwrite it: put it back, or retry once it is what the journal says";
                    }

                    AtomicFile.Write(replace.Path, replace.Bytes);
                    break;
                case EffectJob.Append append:
                    // Done before and not closed (a crash between): the log ends with the line already.
                    if (!File.Exists(append.Path) || !File.ReadAllText(append.Path).EndsWith(append.Line + "\n", StringComparison.Ordinal))
                    {
                        PromotionLog.AppendLine(append.Path, append.Line);
                    }

                    break;
            }

            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or HttpRequestException)
        {
            return error.Message;
        }
    }

    /// <summary>
    /// The effect done (<paramref name="failure"/> null), or failed: journaled, and out of the outbox, in one transaction;
    /// a failure with attempts left stays in the outbox, due again after its back-off; one without goes to the dead letters.
    /// </summary>
    public void Close(PendingEffect pending, string? failure)
    {
        var (seq, instance, effect) = (pending.Seq, pending.Instance, pending.Effect);
        var key = seq.ToString(CultureInfo.InvariantCulture);
        var attempt = pending.Attempts + 1;
        var dead = failure is not null && attempt >= retry.Attempts;
        DateTimeOffset? retryAt = failure is null || dead ? null : retry.After(attempt, clock.GetUtcNow());
        var at = retryAt is { } when ? JsonText.Timestamp(when) : null;
        if (store.Load(Outbox, key) is not { } stored)
        {
            return;     // closed meanwhile by another process that ran it too
        }

        var entry = RecordJson.Read<OutboxEntry>(stored.Value);
        var stream = entry.Stream ?? $"{WorkflowInstance.Projection}:{instance}";
        var closed = (failure, effect) switch
        {
            (null, _) => EventPayload.Entry(stream, new EffectDone(instance, seq)),
            (_, WorkflowEffect.Render render) => EventPayload.Entry(stream, new RenderFailed(instance, seq, render.Template, failure, attempt, at, dead)),
            (_, WorkflowEffect.Notify notify) => EventPayload.Entry(stream, new WebhookFailed(instance, seq, webhook?.Url.ToString(), notify.Text, failure, attempt, at, dead)),
            (_, WorkflowEffect.WriteFile file) => EventPayload.Entry(stream, new WriteFailed(instance, seq, file.Path, failure, attempt, at, dead)),
            _ => EventPayload.Entry(stream, new LogFailed(instance, seq, promotionLog ?? "", failure, attempt, at, dead)),
        };
        store.Append([closed], project: (scope, events) =>
        {
            if (failure is null || dead)
            {
                scope.Delete(Outbox, key, events[0].Seq);
            }

            if (failure is not null)
            {
                var failed = RecordJson.Write(entry with { Attempts = attempt, RetryAt = at, Error = failure });
                scope.Store(dead ? DeadLetters : Outbox, key, failed, events[0].Seq);
            }
        });
    }

    /// <summary>Puts a dead letter back in the outbox, due now with a fresh count of attempts, journaled with who and why.</summary>
    /// <exception cref="FormatException">No dead letter has that number.</exception>
    public PendingEffect Retry(long seq, string actor, string reason)
    {
        var key = seq.ToString(CultureInfo.InvariantCulture);
        var dead = store.Load(DeadLetters, key) is { } stored ? Parse(stored) : throw new FormatException($"There is no dead letter {seq}; 'rulesgate effects list' shows them.");
        actor = Identities.Name(actor, "actor");
        reason = Identities.Text(reason, "reason");
        var entry = RecordJson.Read<OutboxEntry>(store.Load(DeadLetters, key)!.Value) with { Attempts = 0, RetryAt = null };
        store.Append([EventPayload.Entry(entry.Stream ?? $"{WorkflowInstance.Projection}:{dead.Instance}", new EffectRetried(dead.Instance, seq, actor, reason))], project: (scope, events) =>
        {
            scope.Delete(DeadLetters, key, events[0].Seq);
            scope.Store(Outbox, key, RecordJson.Write(entry), events[0].Seq);
        });
        return dead with { Attempts = 0, RetryAt = null };
    }

    private EffectJob.Write RenderJob(string instanceId, WorkflowEffect.Render render)
    {
        var instance = Find(instanceId);
        var folder = Path.Combine(artifacts, "workflows", string.Concat(instance.Id.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')));
        var text = PolicyLedger.Read(store, instance.Subject) is { Version: > 0 } record && render.Template == GovernanceDocuments.SummaryTemplate
            ? GovernanceDocuments.PromotionSummary(record)
            : GovernanceDocuments.Render(render.Template, new WorkflowRenderModel(
                Markdown.Code(instance.Id), Markdown.Code(instance.Subject), render.State, instance.Workflow, EvidenceFields(instance.Subject),
                // The whole chain is walked only for a template that shows whether it verifies.
                GovernanceDocuments.Reads(render.Template, "journal_verified") && JournalVerifier.Verify(store).Intact));
        return new EffectJob.Write(Path.Combine(folder, $"{render.State}-{Path.GetFileName(render.Template)[..^GovernanceDocuments.Extension.Length]}"), text);
    }

    /// <summary>The subject's latest evidence as a template reads it, by <c>kind.field</c>; every text from an input in a code span.</summary>
    private Dictionary<string, string> EvidenceFields(string subject)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (store.Load(WorkflowRuntime.EvidenceProjection, subject) is { } recorded)
        {
            using var document = JournalException.Parsed(recorded.Key, () => JsonDocument.Parse(recorded.Value));
            foreach (var kind in document.RootElement.EnumerateObject().Where(kind => kind.Value.ValueKind == JsonValueKind.Object))
            {
                foreach (var field in kind.Value.EnumerateObject())
                {
                    fields[$"{kind.Name}.{field.Name}"] = field.Value.ValueKind switch
                    {
                        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => field.Value.GetRawText(),
                        JsonValueKind.String => Markdown.Code(field.Value.GetString()!),
                        _ => Markdown.Code(field.Value.GetRawText()),
                    };
                }
            }
        }

        return fields;
    }

    /// <summary>
    /// <paramref name="file"/> as its <c>workflow.effect</c> event (hash-chained) records it: a file is written only where,
    /// with what and over what the change's own event says, never as an outbox document alone says.
    /// </summary>
    private WorkflowEffect.WriteFile Recorded(PendingEffect pending, WorkflowEffect.WriteFile file)
    {
        var recorded = store.Event(pending.Seq);
        var entry = recorded is { Type: EffectType } ? JournalException.Parsed($"event {pending.Seq}", () => RecordJson.Read<OutboxEntry>(recorded.Payload)) : null;
        return entry is { Effect: "file" } && entry.Path == file.Path && entry.Content == file.Content && entry.Before == file.Before && entry.Instance == pending.Instance
            ? file
            : throw new FormatException($"the outbox's write of {file.Path} is not the one event {pending.Seq} records; nothing is written: run 'rulesgate journal verify'");
    }

    /// <summary>The bytes a file effect writes, as the journal keeps them, checked against their name.</summary>
    private byte[] Content(WorkflowEffect.WriteFile file) =>
        store.Blob(file.Content) is { } bytes && AtomicFile.Hash(bytes) == file.Content
            ? bytes
            : throw new FormatException($"the journal does not keep the bytes {file.Content} that {file.Path} should hold");

    private static string FileJson(string stream, string owner, WorkflowEffect.WriteFile file) =>
        RecordJson.Write(new OutboxEntry(owner, "file", null, null, null, null, null, Path: file.Path, Content: file.Content, Before: file.Before, Stream: stream));

    private WorkflowInstance Find(string id) =>
        store.Load(WorkflowInstance.Projection, id) is { } state
            ? WorkflowInstance.Of(state)
            : throw JournalException.Missing($"The workflow instance {id} that an effect belongs to is missing from the journal.");

    private static string Json(WorkflowInstance instance, WorkflowEffect effect, string? line) => RecordJson.Write(effect switch
    {
        WorkflowEffect.Render render => new OutboxEntry(instance.Id, "render", render.Template, render.State, null, null, null),
        WorkflowEffect.Notify notify => new OutboxEntry(instance.Id, "notify", null, null, notify.Text, null, null),
        _ => new OutboxEntry(instance.Id, "log", null, null, null, instance.Subject, line),
    });

    private static PendingEffect Parse(StoredProjection pending) => JournalException.Parsed(pending.Key, () =>
    {
        var entry = RecordJson.Read<OutboxEntry>(pending.Value);
        WorkflowEffect effect = entry.Effect switch
        {
            "render" => new WorkflowEffect.Render(entry.Template ?? throw new FormatException("a render names its template"), entry.State ?? throw new FormatException("a render names its state")),
            "notify" => new WorkflowEffect.Notify(entry.Text ?? throw new FormatException("a notice has its text")),
            "log" => new WorkflowEffect.Log(entry.Line ?? throw new FormatException("a log effect has its line")),
            "file" => new WorkflowEffect.WriteFile(entry.Path ?? throw new FormatException("a file effect names its path"), entry.Content ?? throw new FormatException("a file effect names its content"), entry.Before),
            var other => throw new FormatException($"unknown effect '{other}'"),
        };
        var retryAt = entry.RetryAt is { } at ? JsonFields.Timestamp(at, "retry_at") : (DateTimeOffset?)null;
        return new PendingEffect(long.Parse(pending.Id, NumberStyles.None, CultureInfo.InvariantCulture), effect, entry.Instance, entry.Attempts, retryAt, entry.Error);
    });
}

/// <summary>What an effect does to the world, prepared from the journal: run by <see cref="WorkflowEffects.ExecuteAsync"/> without it.</summary>
public abstract record EffectJob
{
    private EffectJob()
    {
    }

    /// <summary>Write a rendered document (left alone when it already holds this text).</summary>
    public sealed record Write(string Path, string Text) : EffectJob;

    /// <summary>Post a notice about an instance to the webhook.</summary>
    public sealed record Post(WorkflowInstance Instance, string Text) : EffectJob;

    /// <summary>Append a line to the promotion log (left alone when the log ends with it already).</summary>
    public sealed record Append(string Path, string Line) : EffectJob;

    /// <summary>Put <paramref name="Bytes"/> at <paramref name="Path"/> atomically, over the file as it was (<paramref name="Before"/>, when given) or over what holds them already.</summary>
    public sealed record Replace(string Path, byte[] Bytes, string? Before) : EffectJob;

    /// <summary>Nothing to do here: no webhook or log is configured.</summary>
    public sealed record Nothing : EffectJob;
}

/// <summary>An effect could not be prepared: why, as its failure records it.</summary>
public sealed class EffectFailedException(string message, Exception inner) : Exception(message, inner);

/// <summary>An effect as the journal keeps it: in its <c>workflow.effect</c> event and, until it is done, in the outbox (or, its attempts spent, the dead letters).</summary>
/// <param name="Instance">The workflow instance it belongs to; for a file effect, what it belongs to (a proposal's id).</param>
/// <param name="Effect"><c>render</c>, <c>notify</c>, <c>log</c> or <c>file</c>; the fields it does not use are null.</param>
/// <param name="Line">For a log effect in the outbox, the line as the ledger stood at the commit; null in the event.</param>
/// <param name="Attempts">The attempts that failed so far.</param>
/// <param name="RetryAt">When the next attempt is due; null: now.</param>
/// <param name="Error">The last attempt's error.</param>
/// <param name="Path">For a file effect, the file (a full path), the blob it writes and the hash it must have before.</param>
/// <param name="Stream">The journal stream its outcome is recorded on; null: its workflow instance's.</param>
internal sealed record OutboxEntry(string Instance, string Effect, string? Template, string? State, string? Text, string? PolicyId, string? Line, int Attempts = 0, string? RetryAt = null, string? Error = null, string? Path = null, string? Content = null, string? Before = null, string? Stream = null);
