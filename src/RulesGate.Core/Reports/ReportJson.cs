using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Reports;

/// <summary>
/// The <c>--json</c> form of the CLI's reports, with the field names of their schemas in <c>docs/schemas/</c>
/// (check-report, test-report, changelog, replay-report).
/// </summary>
public static class ReportJson
{
    /// <summary><c>rules check</c> and <c>workflow check</c>: <c>{files, problems: [{file, line, column, code, key_path, message, hint}]}</c>.</summary>
    public static string Check(int files, IEnumerable<RuleDiagnostic> problems) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("files"u8, files);
        writer.WriteStartArray("problems"u8);
        foreach (var problem in RuleDiagnostic.InFileOrder(problems))
        {
            writer.WriteStartObject();
            writer.WriteString("file"u8, problem.Location.File);
            writer.WriteNumber("line"u8, problem.Location.Line);
            writer.WriteNumber("column"u8, problem.Location.Column);
            writer.WriteString("code"u8, problem.Code);
            writer.WriteString("key_path"u8, problem.KeyPath);
            writer.WriteString("message"u8, problem.Message);
            writer.WriteString("hint"u8, problem.Hint);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty: false);

    /// <summary><c>rules test</c>: <c>{passed, failed, cases: [{file, line, case, passed, failure}]}</c>.</summary>
    public static string Tests(IReadOnlyList<RuleTestOutcome> outcomes, IReadOnlyList<RuleCoverage>? coverage = null) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("passed"u8, outcomes.Count(outcome => outcome.Passed));
        writer.WriteNumber("failed"u8, outcomes.Count(outcome => !outcome.Passed));
        writer.WriteStartArray("cases"u8);
        foreach (var outcome in outcomes)
        {
            writer.WriteStartObject();
            writer.WriteString("file"u8, outcome.File);
            writer.WriteNumber("line"u8, outcome.Location.Line);
            writer.WriteString("case"u8, outcome.Case);
            writer.WriteBoolean("passed"u8, outcome.Passed);
            writer.WritePropertyName("failure"u8);
            JsonText.Value(writer, outcome.Failure);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (coverage is not null)
        {
            writer.WriteStartArray("coverage"u8);
            foreach (var file in coverage)
            {
                writer.WriteStartObject();
                writer.WriteString("rules_file"u8, file.RulesPath);
                writer.WriteString("identity"u8, file.Identity);
                writer.WriteNumber("cases"u8, file.Cases);
                writer.WriteStartArray("rules"u8);
                foreach (var rule in file.Rules)
                {
                    writer.WriteStartObject();
                    writer.WriteString("rule"u8, rule.Rule);
                    writer.WriteNumber("fired"u8, rule.Fired);
                    writer.WriteNumber("quiet"u8, rule.Quiet);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteStartArray("overrides"u8);
                foreach (var @override in file.Overrides)
                {
                    writer.WriteStartObject();
                    writer.WriteString("kind"u8, @override.Kind);
                    writer.WriteString("key"u8, @override.Key);
                    writer.WriteNumber("cases"u8, @override.Cases);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }, pretty: false);

    /// <summary><c>changelog</c>: <c>{count, changes: [{at, what, subject, change, actor, why}]}</c>, the rows of its table.</summary>
    public static string Changelog(ChangelogModel changelog) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("count"u8, changelog.Count);
        writer.WriteStartArray("changes"u8);
        foreach (var change in changelog.Changes)
        {
            Change(writer, change);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty: false);

    /// <summary>
    /// A strategy's timeline: <c>{strategy, since, until, days: [{day, decisions, verdicts: {…}, actions: {…}, trips}], changes:
    /// [{at, what, subject, change, actor, why}]}</c>, the days newest first, the changes oldest first.
    /// </summary>
    public static string Timeline(StrategyTimeline timeline) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("strategy"u8, timeline.Strategy);
        writer.WriteString("since"u8, JsonText.Timestamp(timeline.Since));
        writer.WriteString("until"u8, JsonText.Timestamp(timeline.Until));
        writer.WriteStartArray("days"u8);
        foreach (var day in timeline.Days)
        {
            writer.WriteStartObject();
            writer.WriteString("day"u8, day.Day);
            writer.WriteNumber("decisions"u8, day.Decisions);
            Counts(writer, "verdicts"u8, day.Verdicts);
            Counts(writer, "actions"u8, day.Actions);
            writer.WriteNumber("trips"u8, day.Trips);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("changes"u8);
        foreach (var change in timeline.Changes)
        {
            Change(writer, change);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty: false);

    private static void Counts(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IReadOnlyList<KeyValuePair<string, int>> counts)
    {
        writer.WriteStartObject(name);
        foreach (var (key, count) in counts)
        {
            writer.WriteNumber(key, count);
        }

        writer.WriteEndObject();
    }

    private static void Change(Utf8JsonWriter writer, ChangeRow change)
    {
        writer.WriteStartObject();
        writer.WriteString("at"u8, change.At);
        writer.WriteString("what"u8, change.What);
        writer.WriteString("subject"u8, change.Subject);
        writer.WriteString("change"u8, change.Change);
        writer.WriteString("actor"u8, change.Actor);
        writer.WriteString("why"u8, change.Why);
        writer.WriteEndObject();
    }

    /// <summary><c>replay</c>: <c>{verified, problem, replayed, mismatches: [{seq, intent_id, recorded, replayed}]}</c>; nothing is replayed from a journal that does not verify.</summary>
    public static string Replay(string? problem, ReplayReport? report) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteBoolean("verified"u8, problem is null);
        writer.WritePropertyName("problem"u8);
        JsonText.Value(writer, problem);
        writer.WriteNumber("replayed"u8, report?.Replayed ?? 0);
        writer.WriteStartArray("mismatches"u8);
        foreach (var mismatch in report?.Mismatches ?? [])
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq"u8, mismatch.Seq);
            writer.WriteString("intent_id"u8, mismatch.IntentId);
            writer.WriteString("recorded"u8, mismatch.Recorded);
            writer.WriteString("replayed"u8, mismatch.Replayed);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty: false);

    /// <summary>
    /// <c>rules impact</c>: <c>{candidate, policy_id, since, until, judged, other_policies, malformed, changed, notional,
    /// transitions, rules, strategies, symbols: [{name, decisions, notional}], examples: [{change, seq, time, intent_id,
    /// strategy_id, symbol, recorded_bundle, before, after}]}</c>.
    /// </summary>
    public static string Impact(RulesGate.Core.Gate.ImpactReport report) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("candidate"u8, report.Candidate);
        writer.WriteString("policy_id"u8, report.PolicyId);
        writer.WritePropertyName("since"u8);
        JsonText.Value(writer, report.Since is { } since ? JsonText.Seconds(since) : null);
        writer.WritePropertyName("until"u8);
        JsonText.Value(writer, report.Until is { } until ? JsonText.Seconds(until) : null);
        writer.WriteNumber("judged"u8, report.Judged);
        writer.WriteNumber("other_policies"u8, report.OtherPolicies);
        writer.WriteNumber("malformed"u8, report.Malformed);
        writer.WriteNumber("changed"u8, report.Changed);
        writer.WriteNumber("notional"u8, Math.Round(report.Notional, 2));
        foreach (var (name, counts) in new[] { ("transitions", report.Transitions), ("rules", report.Rules), ("strategies", report.Strategies), ("symbols", report.Symbols) })
        {
            writer.WriteStartArray(name);
            foreach (var count in counts)
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, count.Name);
                writer.WriteNumber("decisions"u8, count.Decisions);
                writer.WriteNumber("notional"u8, Math.Round(count.Notional, 2));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteStartArray("examples"u8);
        foreach (var example in report.Examples)
        {
            writer.WriteStartObject();
            writer.WriteString("change"u8, example.Change);
            writer.WriteNumber("seq"u8, example.Seq);
            writer.WriteString("time"u8, example.Time);
            writer.WriteString("intent_id"u8, example.IntentId);
            writer.WriteString("strategy_id"u8, example.StrategyId);
            writer.WriteString("symbol"u8, example.Symbol);
            writer.WriteString("recorded_bundle"u8, example.RecordedBundle);
            writer.WriteString("before"u8, example.Before);
            writer.WriteString("after"u8, example.After);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty: false);

    /// <summary><c>rules diff</c>: <c>{old, new, differ, inputs, boundaries, regions: [{base, input, from, to, points, old, new}]}</c>.</summary>
    public static string Diff(RulesGate.Core.Gate.DiffReport report) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("old"u8, report.Old);
        writer.WriteString("new"u8, report.New);
        writer.WriteBoolean("differ"u8, report.Differ);
        writer.WriteNumber("inputs"u8, report.Inputs);
        writer.WriteNumber("boundaries"u8, report.Boundaries);
        writer.WriteStartArray("regions"u8);
        foreach (var region in report.Regions)
        {
            writer.WriteStartObject();
            writer.WriteString("base"u8, region.Base);
            writer.WriteString("input"u8, region.Input);
            writer.WriteNumber("from"u8, region.From);
            writer.WriteNumber("to"u8, region.To);
            writer.WriteNumber("points"u8, region.Points);
            writer.WriteString("old"u8, region.Old);
            writer.WriteString("new"u8, region.New);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty: false);
}
