using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Governance;

/// <summary>
/// The infrastructure canary in the journal: each check of a component is a <c>canary.check</c> event on
/// <c>canary:{component}</c>, its count of consecutive failures a projection changed with it. The check that reaches
/// the threshold adds a <c>canary.alert</c>; when the policy's action is <see cref="CanaryAction.Kill"/>, the same
/// transaction trips and latches the journaled kill switch (reason <c>Canary: {component} failed {n} checks</c>),
/// which stays latched until an attributed reset.
/// </summary>
public sealed class CanaryMonitor(JournalStore store, CanaryParams parameters)
{
    public const string Projection = "canary";
    public const string CheckType = EventTypes.CanaryCheck;
    public const string AlertType = EventTypes.CanaryAlert;

    /// <summary>A component's state as the journal has it; a component never checked has no failures.</summary>
    public CanaryState State(string component) => Read(Identities.Id(component, "component")).State;

    private (CanaryState State, StoredProjection? Document) Read(string component) =>
        store.Load(Projection, component) is { } document
            ? (new CanaryState(component, Failures(document)), document)
            : (new CanaryState(component, 0), null);

    /// <summary>The consecutive failures a component's document holds.</summary>
    internal static int Failures(StoredProjection document) =>
        JournalException.Parsed(document.Key, () => int.Parse(document.Value, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The watchdog: each component that has reported before and has been silent for longer than
    /// <see cref="CanaryParams.ReportEvery"/> at <paramref name="now"/> gets one failed check (<c>no report for …</c>),
    /// which counts toward its alert like any other; the check is its last report from then, so a component that stays
    /// silent fails once per interval. Nothing without <see cref="CanaryParams.ReportEvery"/>.
    /// </summary>
    /// <returns>The checks recorded, with the alerts they raised.</returns>
    public IReadOnlyList<(CanaryState State, CanaryAlert? Alert)> Overdue(DateTimeOffset now)
    {
        if (parameters.ReportEvery is not { } every)
        {
            return [];
        }

        var recorded = new List<(CanaryState, CanaryAlert?)>();
        foreach (var document in store.All(Projection))
        {
            // Every check sets the document, so its sequence number is the component's last report.
            var last = store.Event(document.Seq) ?? throw JournalException.Missing($"The canary's last check of {document.Id} (event {document.Seq}) is missing from the journal.");
            var silent = now - JsonFields.Timestamp(last.Time, "time");
            if (silent > every)
            {
                try
                {
                    recorded.Add(Report(document.Id, ok: false, $"no report for {Seconds(silent)} s (it reports every {Seconds(every)} s)"));
                }
                catch (JournalConflictException)
                {
                    // It reported meanwhile.
                }
            }
        }

        return recorded;
    }

    private static string Seconds(TimeSpan span) => Math.Round(span.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Records one check; returns the component's state after it and the alert it raised, if any.</summary>
    /// <exception cref="JournalConflictException">Another check of the component was recorded meanwhile; nothing was written.</exception>
    public (CanaryState State, CanaryAlert? Alert) Report(string component, bool ok, string? detail = null)
    {
        component = Identities.Id(component, "component");
        var (before, document) = Read(component);
        var stream = $"{Projection}:{component}";
        // The stream's version: its last event, at or after the one that last set the count (read from there, not from the start).
        var version = store.Read(new EventFilter(stream, From: document?.Seq ?? 1)).LastOrDefault()?.Seq ?? 0;
        var (after, alert) = before.After(ok, parameters);
        var entries = new List<JournalEntry>
        {
            EventPayload.Entry(stream, new CanaryChecked(component, ok, detail, after.ConsecutiveFailures)),
        };
        if (alert is not null)
        {
            entries.Add(EventPayload.Entry(stream, new CanaryAlerted(component, alert.Failures, alert.Action.ToString().ToLowerInvariant(), alert.Reason)));
        }

        var trips = alert is { Action: CanaryAction.Kill } && !GateJournal.State(store).Active;
        if (trips)
        {
            entries.Add(GateJournal.TripEntry(alert!.Reason));
        }

        store.Append(entries, project: (scope, events) =>
        {
            scope.Store(Projection, component, after.ConsecutiveFailures.ToString(System.Globalization.CultureInfo.InvariantCulture), events[0].Seq);
            if (trips)
            {
                GateJournal.Latch(scope, events[^1], alert!.Reason);
            }
        }, expected: (stream, version));
        return (after, alert);
    }
}
