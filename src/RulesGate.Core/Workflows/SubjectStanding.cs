using System.Globalization;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Workflows;

/// <summary>The last change of a subject's state on one ladder: when, from where, why, and what it stood on.</summary>
/// <param name="Cause">As the instance's history says it: <c>start</c>, <c>evidence</c>, <c>approval</c>, <c>demotion</c>, …</param>
/// <param name="Evidence">The key of the evidence whose arrival made the change; null when no evidence did.</param>
/// <param name="Votes">The approvals that made the change; empty when no vote did.</param>
/// <param name="Seq">The journal sequence number of the change's last event.</param>
public sealed record StandingChange(string At, string From, string Cause, string Actor, string Detail, string? Evidence, IReadOnlyList<WorkflowVote> Votes, long Seq);

/// <summary>Where a subject stands on one ladder (a workflow): its instance, its state, the cap the state allows, and the change that put it there.</summary>
/// <param name="Maturity">Whether its states are maturity levels: its gates file is a MaturityPolicy.</param>
/// <param name="Cap">The sizing cap the state allows: its <c>sizing_cap</c> (a maturity ladder's from its gates file), or 0 outside the states it may trade in; null: the state caps nothing.</param>
public sealed record LadderStanding(string Workflow, string Instance, string Version, bool Maturity, string State, double? Cap, StandingChange Change);

/// <summary>
/// A subject's one record of where it stands (projection <c>standing</c>, keyed <c>{kind}:{subject}</c>), written in
/// the transaction of every change of state on any of its ladders, and read by the governance gate's sizing,
/// <c>governance show</c>, <c>ledger show</c>, the API and the console alike. Only workflows write it.
/// </summary>
/// <param name="Level">Its maturity level: the state of its level ladder; null before it has one.</param>
/// <param name="SizingCap">The cap in force: the smallest any of its ladders allows; null when none caps it (the gate then takes the level's cap from its maturity file).</param>
/// <param name="CapSetBy">Which ladder and state set <see cref="SizingCap"/>, in words.</param>
/// <param name="Ladders">Its ladders, in the order the desk's standing file lists them, then any other by id.</param>
public sealed record SubjectStanding(string Kind, string Subject, string? Level, double? SizingCap, string? CapSetBy, IReadOnlyList<LadderStanding> Ladders)
{
    public const string Projection = "standing";

    /// <summary>The kinds of subject a workflow (and so a standing record) is about.</summary>
    public static IReadOnlyList<string> Kinds => WorkflowLoader.Subjects;

    public static string Key(string kind, string subject) => $"{kind}:{subject}";

    /// <summary>The subject's record; null when no workflow has placed it on a ladder yet.</summary>
    public static SubjectStanding? Read(JournalStore store, string kind, string subject) =>
        store.Load(Projection, Key(kind, subject)) is { } document ? Of(document) : null;

    /// <summary>Every subject of <paramref name="kind"/> with a record, in ordinal order.</summary>
    public static IEnumerable<SubjectStanding> All(JournalStore store, string kind) =>
        store.Starting(Projection, $"{kind}:").Select(Of).OrderBy(standing => standing.Subject, StringComparer.Ordinal);

    private static SubjectStanding Of(StoredProjection document) => JournalException.Parsed(document.Key, () => RecordJson.Read<SubjectStanding>(document.Value));

    public string Json() => RecordJson.Write(this);

    /// <summary>Its state on <paramref name="workflow"/>; null when it stands nowhere on it.</summary>
    public LadderStanding? On(string workflow) => Ladders.FirstOrDefault(ladder => ladder.Workflow == workflow);

    /// <summary>One line per ladder, as every host prints the standing: <c>live-pipeline  L6_live since … by approval: rhea (risk), carla (compliance)</c>.</summary>
    public IEnumerable<string> Lines()
    {
        var width = Ladders.Count == 0 ? 0 : Ladders.Max(ladder => ladder.Workflow.Length);
        return Ladders.Select(ladder => $"{ladder.Workflow.PadRight(width)}  {Describe(ladder)}");
    }

    /// <summary>A ladder's state and the change that put it there, in words.</summary>
    public static string Describe(LadderStanding ladder)
    {
        var cap = ladder.Cap is { } c ? $", cap {c.ToString("0.####", CultureInfo.InvariantCulture)}" : "";
        return $"{ladder.State}{cap} since {ladder.Change.At}, {How(ladder.Change)}";
    }

    /// <summary>What made a change, in words: who started it, who approved it, or the cause (with a demotion's why) and the evidence it stood on.</summary>
    public static string How(StandingChange change)
    {
        var why = change.Cause switch
        {
            "start" => $"started by {change.Actor}",
            "approval" => $"by approval: {string.Join(", ", change.Votes.Select(vote => $"{vote.Actor} ({vote.Role})"))}",
            _ => $"by {change.Cause}{(change.From.Length > 0 ? $" from {change.From}" : "")}",
        };
        var evidence = change.Evidence is null ? "" : $"; evidence {change.Evidence}";
        var detail = change.Cause is "demotion" or "rejection" or "timeout" && change.Detail.Length > 0 ? $" ({change.Detail})" : "";
        return $"{why}{detail}{evidence}";
    }

    /// <summary>The record after <paramref name="instance"/>, of <paramref name="definition"/>, changed state (or definition): every figure derived again from the ladders, by the desk's <paramref name="ladders"/>.</summary>
    internal static SubjectStanding After(SubjectStanding? before, WorkflowDefinition definition, WorkflowInstance instance, SubjectLadders ladders, string? evidence, IReadOnlyList<WorkflowVote> votes, long seq)
    {
        var step = instance.History.Count > 0 ? instance.History[^1] : new WorkflowStep(instance.EnteredAt, "", instance.State, "start", instance.Requester, "");
        var cap = definition.State(instance.State).Attributes.TryGetValue("sizing_cap", out var own) ? own : (double?)null;
        if (ladders.TradesIn.TryGetValue(definition.Id, out var trading) && !trading.Contains(instance.State, StringComparer.Ordinal))
        {
            cap = 0;
        }

        var entry = new LadderStanding(definition.Id, instance.Id, $"{definition.Id}@{definition.Version.ToString(CultureInfo.InvariantCulture)}", definition.Ladder is not null, instance.State, cap,
            new StandingChange(step.At, step.From, step.Cause, step.Actor, step.Detail, evidence, votes, seq));
        var all = (before?.Ladders ?? []).Where(ladder => ladder.Workflow != definition.Id).Append(entry)
            .OrderBy(ladder => Order(ladders, ladder.Workflow))
            .ThenBy(ladder => ladder.Workflow, StringComparer.Ordinal)
            .ToList();

        // The level ladder: the declared one, or else the ladder a maturity file judges.
        var level = ladders.Level is { } declared ? all.FirstOrDefault(ladder => ladder.Workflow == declared) : all.FirstOrDefault(ladder => ladder.Maturity);
        var binding = all.Where(ladder => ladder.Cap is not null).MinBy(ladder => ladder.Cap);
        return new SubjectStanding(definition.Subject, instance.Subject, level?.State, binding?.Cap, binding is null ? null : CapWords(binding, ladders), all);
    }

    private static int Order(SubjectLadders ladders, string workflow)
    {
        for (var i = 0; i < ladders.Ladders.Count; i++)
        {
            if (ladders.Ladders[i] == workflow)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static string CapWords(LadderStanding ladder, SubjectLadders ladders) =>
        ladders.TradesIn.TryGetValue(ladder.Workflow, out var trading) && !trading.Contains(ladder.State, StringComparer.Ordinal)
            ? $"{ladder.Workflow} at {ladder.State}: it trades only in {string.Join(", ", trading)}"
            : $"{ladder.Workflow} at {ladder.State}";
}
