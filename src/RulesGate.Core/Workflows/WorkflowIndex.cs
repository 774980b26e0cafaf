using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Workflows;

/// <summary>
/// The questions the runtime asks of its instances, answered through the projection key's index rather than by
/// reading every instance: the instances about a subject (<see cref="BySubject"/>: <c>{subject}\n{instance}</c>),
/// the timers in due order (<see cref="ByDue"/>: <c>{due}\n{instance}</c>, times written at fixed width so their text
/// sorts as they do) and the instances by what they wait for (<see cref="ByWait"/>: <c>{approval|evidence|timer}\n{instance}</c>). Both are written with the instance, in its transaction, so they are journaled and verified like
/// any projection. A journal made before them is indexed whole by its first workflow commit (<see cref="Marker"/>);
/// until then, and on a journal opened only to read, the questions are answered by reading every instance.
/// </summary>
internal static class WorkflowIndex
{
    public const string BySubject = "workflow.by_subject";
    public const string ByDue = "workflow.by_due";
    public const string ByWait = "workflow.by_wait";

    /// <summary>The marker's value once every index above is kept: a journal indexed before <see cref="ByWait"/> is indexed again.</summary>
    private const string Version = "2";

    /// <summary>One document, present once every instance of the journal is indexed.</summary>
    public const string Marker = "workflow.indexed";

    /// <summary>The last code point: a key's prefix followed by it sorts after every key with that prefix.</summary>
    private static readonly string Last = char.ConvertFromUtf32(0x10FFFF);

    /// <summary>Whether the journal's instances are all indexed.</summary>
    public static bool Ready(JournalStore store) => store.Load(Marker, "")?.Value == Version;

    /// <summary>The ids of the instances about <paramref name="subject"/>, in ordinal order.</summary>
    public static IEnumerable<string> About(JournalStore store, string subject) =>
        store.Starting(BySubject, subject + "\n").Select(document => document.Value);

    /// <summary>The ids of the instances whose timer is due at <paramref name="now"/>, earliest first.</summary>
    public static IEnumerable<string> DueBy(JournalStore store, DateTimeOffset now) =>
        store.Range(ByDue, "", JsonText.Timestamp(now) + "\n" + Last).Select(document => document.Value);

    /// <summary>The ids of the instances waiting for <paramref name="wait"/> (<c>approval</c>, <c>evidence</c> or <c>timer</c>), in ordinal order.</summary>
    public static IEnumerable<string> Waiting(JournalStore store, string wait) =>
        store.Starting(ByWait, wait + "\n").Select(document => document.Value);

    /// <summary>When the earliest timer is due; null when none is set.</summary>
    public static DateTimeOffset? Next(JournalStore store) =>
        store.Range(ByDue, "", Last) is [var first, ..] ? JsonFields.Timestamp(first.Id[..first.Id.IndexOf('\n', StringComparison.Ordinal)], "due") : null;

    /// <summary>
    /// Keeps the index of <paramref name="after"/> in the transaction that stores it (<paramref name="before"/> null for
    /// a new instance); on a journal not yet indexed, indexes every instance first and sets the marker.
    /// </summary>
    /// <param name="waits">What an instance waits for, as its pinned definition says.</param>
    public static void Write(JournalTransaction scope, JournalStore store, WorkflowInstance? before, WorkflowInstance after, long seq, Func<WorkflowInstance, IReadOnlyList<string>> waits)
    {
        if (scope.Load(Marker, "")?.Value != Version)
        {
            foreach (var document in store.All(WorkflowInstance.Projection).Where(document => document.Id != after.Id))
            {
                var instance = WorkflowInstance.Of(document);
                scope.Store(BySubject, SubjectKey(instance), instance.Id, seq);
                if (instance.Due is { } due)
                {
                    scope.Store(ByDue, DueKey(due, instance.Id), instance.Id, seq);
                }

                foreach (var wait in waits(instance))
                {
                    scope.Store(ByWait, WaitKey(wait, instance.Id), instance.Id, seq);
                }
            }

            if (before?.Due is { } old && old != after.Due && scope.Load(ByDue, DueKey(old, before.Id)) is not null)
            {
                scope.Delete(ByDue, DueKey(old, before.Id), seq);     // indexed by an earlier version: its old timer goes
            }

            scope.Store(Marker, "", Version, seq);
            before = null;      // indexed afresh above, or new: nothing of it to take out
        }

        if (before is null)
        {
            scope.Store(BySubject, SubjectKey(after), after.Id, seq);
        }

        var then = before is null ? [] : waits(before);
        var now = waits(after);
        foreach (var gone in then.Except(now, StringComparer.Ordinal))
        {
            scope.Delete(ByWait, WaitKey(gone, after.Id), seq);
        }

        foreach (var added in now.Except(then, StringComparer.Ordinal))
        {
            scope.Store(ByWait, WaitKey(added, after.Id), after.Id, seq);
        }

        if (before?.Due is { } was && was != after.Due)
        {
            scope.Delete(ByDue, DueKey(was, before.Id), seq);
        }

        if (after.Due is { } next)
        {
            scope.Store(ByDue, DueKey(next, after.Id), after.Id, seq);
        }
    }

    private static string SubjectKey(WorkflowInstance instance) => $"{instance.Subject}\n{instance.Id}";

    private static string DueKey(DateTimeOffset due, string id) => $"{JsonText.Timestamp(due)}\n{id}";

    private static string WaitKey(string wait, string id) => $"{wait}\n{id}";
}
