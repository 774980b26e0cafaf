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
}

/// <summary>
/// The effects dispatcher: runs the effects that committed transitions left in the outbox, oldest first, after
/// their transaction. Each effect is in the journal twice — a <c>workflow.effect</c> event in the transition's
/// transaction, and a document of the <see cref="Outbox"/> projection until it is done — so a crash between the
/// commit and the effect leaves it pending, and the next run does it. An effect that succeeds is closed by
/// <c>workflow.effect_done</c>; one that fails after its retries by <c>workflow.render_failed</c>,
/// <c>workflow.webhook_failed</c> or <c>workflow.log_failed</c> with the error. Either way the transition stands:
/// an effect is never half-applied to the journal.
/// </summary>
/// <param name="artifacts">Where rendered documents go: <c>{artifacts}/workflows/{instance}/{state}-{template}</c>.</param>
/// <param name="promotionLog">The promotion log that ledger changes made by workflows are appended to; null writes none.</param>
/// <param name="webhook">Where notices are posted; null posts none (notices are still journaled as events).</param>
public sealed class WorkflowEffects(JournalStore store, string artifacts = "artifacts", string? promotionLog = PromotionLog.DefaultPath, WorkflowWebhook? webhook = null)
{
    /// <summary>The projection of effects committed and not yet run, by the sequence number of their event.</summary>
    public const string Outbox = "workflow.outbox";

    public const string EffectType = "workflow.effect";
    public const string DoneType = "workflow.effect_done";

    /// <summary>Whether notices are posted anywhere; when not, none is queued.</summary>
    internal bool Posts => webhook is not null;

    /// <summary>Whether ledger changes are logged; when not, none is queued.</summary>
    internal bool Logs => promotionLog is not null;

    /// <summary>The event that records <paramref name="effect"/> for <paramref name="instance"/>, appended with the transition.</summary>
    internal static JournalEntry Event(WorkflowInstance instance, WorkflowEffect effect) => new(instance.Key, EffectType, Json(instance, effect, line: null));

    /// <summary>The outbox document of an effect recorded by <paramref name="recorded"/>; a log line is kept whole, as the ledger stood.</summary>
    internal static void Enqueue(JournalTransaction scope, JournalEvent recorded, WorkflowInstance instance, WorkflowEffect effect) =>
        scope.Store(Outbox, recorded.Seq.ToString(CultureInfo.InvariantCulture), Json(instance, effect, (effect as WorkflowEffect.Log)?.Line), recorded.Seq);

    /// <summary>The effects still pending, oldest first.</summary>
    public IReadOnlyList<(long Seq, WorkflowEffect Effect, string Instance)> Pending() =>
        [.. store.All(Outbox).Select(Parse).OrderBy(pending => pending.Seq)];

    /// <summary>Runs every pending effect, oldest first; returns how many ran (done or failed). Cancelled, what is left stays pending.</summary>
    public async Task<int> RunPendingAsync(CancellationToken cancellation = default)
    {
        var ran = 0;
        foreach (var (seq, effect, instance) in Pending())
        {
            cancellation.ThrowIfCancellationRequested();
            string? failure = null;
            try
            {
                await RunAsync(instance, effect, cancellation).ConfigureAwait(false);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or HttpRequestException)
            {
                failure = error.Message;
            }

            Close(seq, instance, effect, failure);
            ran++;
        }

        return ran;
    }

    private async Task RunAsync(string instanceId, WorkflowEffect effect, CancellationToken cancellation)
    {
        switch (effect)
        {
            case WorkflowEffect.Render render:
                Render(instanceId, render);
                break;
            case WorkflowEffect.Notify notify when webhook is not null:
                var instance = Find(instanceId);
                await webhook.PostAsync(instance, notify.Text, cancellation).ConfigureAwait(false);
                break;
            case WorkflowEffect.Log log when promotionLog is not null:
                PromotionLog.AppendLine(promotionLog, log.Line);
                break;
        }
    }

    /// <summary>The effect done, or failed with <paramref name="failure"/>: journaled, and out of the outbox, in one transaction.</summary>
    private void Close(long seq, string instance, WorkflowEffect effect, string? failure)
    {
        var (type, detail) = (failure, effect) switch
        {
            (null, _) => (DoneType, null),
            (_, WorkflowEffect.Render render) => ("workflow.render_failed", ("template", render.Template)),
            (_, WorkflowEffect.Notify notify) => ("workflow.webhook_failed", ("text", notify.Text)),
            _ => ("workflow.log_failed", ((string, string)?)("log", promotionLog ?? "")),
        };
        var payload = JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("instance"u8, instance);
            writer.WriteNumber("effect"u8, seq);
            if (failure is not null)
            {
                if (effect is WorkflowEffect.Notify && webhook is not null)
                {
                    writer.WriteString("url"u8, webhook.Url.ToString());
                }

                writer.WriteString(detail!.Value.Item1, detail.Value.Item2);
                writer.WriteString("error"u8, failure);
            }

            writer.WriteEndObject();
        }, pretty: false);
        store.Append([new JournalEntry($"{WorkflowInstance.Projection}:{instance}", type, payload)], project: (scope, events) =>
            scope.Delete(Outbox, seq.ToString(CultureInfo.InvariantCulture), events[0].Seq));
    }

    private void Render(string instanceId, WorkflowEffect.Render render)
    {
        var instance = Find(instanceId);
        var folder = Path.Combine(artifacts, "workflows", string.Concat(instance.Id.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')));
        Directory.CreateDirectory(folder);
        var text = PolicyLedger.Read(store, instance.Subject) is { Version: > 0 } record && render.Template == GovernanceDocuments.SummaryTemplate
            ? GovernanceDocuments.PromotionSummary(record)
            : GovernanceDocuments.Render(render.Template, new WorkflowRenderModel(Markdown.Code(instance.Id), Markdown.Code(instance.Subject), render.State, instance.Workflow));
        File.WriteAllText(Path.Combine(folder, $"{render.State}-{Path.GetFileName(render.Template)[..^GovernanceDocuments.Extension.Length]}"), text);
    }

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

    private static (long Seq, WorkflowEffect Effect, string Instance) Parse(StoredProjection pending) => JournalException.Parsed(pending.Key, () =>
    {
        var entry = RecordJson.Read<OutboxEntry>(pending.Value);
        WorkflowEffect effect = entry.Effect switch
        {
            "render" => new WorkflowEffect.Render(entry.Template ?? throw new FormatException("a render names its template"), entry.State ?? throw new FormatException("a render names its state")),
            "notify" => new WorkflowEffect.Notify(entry.Text ?? throw new FormatException("a notice has its text")),
            "log" => new WorkflowEffect.Log(entry.Line ?? throw new FormatException("a log effect has its line")),
            var other => throw new FormatException($"unknown effect '{other}'"),
        };
        return (long.Parse(pending.Id, NumberStyles.None, CultureInfo.InvariantCulture), effect, entry.Instance);
    });
}

/// <summary>An effect as the journal keeps it: in its <c>workflow.effect</c> event and, until it is done, in the outbox.</summary>
/// <param name="Effect"><c>render</c>, <c>notify</c> or <c>log</c>; the fields it does not use are null.</param>
/// <param name="Line">For a log effect in the outbox, the line as the ledger stood at the commit; null in the event.</param>
internal sealed record OutboxEntry(string Instance, string Effect, string? Template, string? State, string? Text, string? PolicyId, string? Line);
