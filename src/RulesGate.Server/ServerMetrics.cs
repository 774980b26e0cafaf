using Prometheus;
using RulesGate.Core.Gate;

namespace RulesGate.Server;

/// <summary>
/// What <c>GET /metrics</c> exposes, in Prometheus's text format, every name prefixed <c>rulesgate_</c>. Each server
/// has a registry of its own, so two servers in one process (tests) never mix their figures.
/// </summary>
public sealed class ServerMetrics
{
    private readonly Counter decisions;
    private readonly Counter fired;
    private readonly Histogram evaluation;
    private readonly Histogram journaling;
    private readonly Gauge killSwitch;
    private readonly Gauge inFlight;
    private readonly Gauge working;
    private readonly Counter shed;
    private readonly Histogram batches;
    private readonly Gauge pending;
    private readonly Counter logDropped;
    private readonly Gauge overdue;
    private readonly Counter transitions;
    private readonly Counter actions;
    private readonly Gauge bundles;
    private readonly Counter reloadFailures;
    private readonly Gauge stale;
    private readonly Gauge effectsPending;
    private readonly Gauge effectsDead;
    private readonly Counter effectsFailed;
    private readonly Counter timers;
    private readonly Counter background;
    private readonly Gauge maturity;
    private readonly Gauge sizingCap;
    private readonly Gauge health;
    private readonly Gauge drift;
    private readonly Gauge tokens;
    private readonly Gauge canary;
    private readonly Gauge shadowInfo;
    private readonly Counter shadowJudged;
    private readonly Counter shadowDisagreed;
    private readonly Counter shadowDropped;

    public ServerMetrics(CapitalGate gate, TimeProvider? time = null)
    {
        Recent = new RecentRate(time ?? TimeProvider.System);
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        decisions = factory.CreateCounter("rulesgate_decisions_total", "Decisions given, by verdict and endpoint.", "verdict", "endpoint");
        fired = factory.CreateCounter("rulesgate_rule_violations_total", "Rules that fired in the decisions given, by rule id.", "rule");
        evaluation = factory.CreateHistogram("rulesgate_evaluation_seconds", "Time the gate took to judge one order.", new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.000_001, 2, 16) });
        journaling = factory.CreateHistogram("rulesgate_journal_commit_seconds", "Time to make one decision durable in the journal.", new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.000_05, 2, 14) });
        killSwitch = factory.CreateGauge("rulesgate_kill_switch_active", "1 while the kill switch is latched, else 0.");
        inFlight = factory.CreateGauge("rulesgate_requests_in_flight", "Requests being worked on or waiting for their turn, their bodies still arriving included.");
        working = factory.CreateGauge("rulesgate_requests_working", "Requests holding one of the limiter's slots: their bodies arrived, and they were let in.");
        shed = factory.CreateCounter("rulesgate_requests_shed_total", "Requests refused with a 503 because too many were in.");
        logDropped = factory.CreateCounter("rulesgate_request_log_dropped_total", "Request log lines not written: its queue was full, or the log could not be written.");
        batches = factory.CreateHistogram("rulesgate_journal_batch_size", "Decisions per group-commit transaction.", new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 13) });
        pending = factory.CreateGauge("rulesgate_pending_approvals", "Workflow instances waiting for an approval.");
        overdue = factory.CreateGauge("rulesgate_approvals_overdue", "Workflow instances waiting for an approval past its timeout (escalated, and still unanswered).");
        transitions = factory.CreateCounter("rulesgate_workflow_transitions_total", "Workflow instances moved by this server, by workflow and the state they entered.", "workflow", "state");
        actions = factory.CreateCounter("rulesgate_governance_actions_total", "Governance operations this server performed, by action.", "action");
        bundles = factory.CreateGauge("rulesgate_rule_bundle_info", "The rule files the server runs: each one's id, version and SHA-256, 1 while it is live.", "id", "version", "sha256");
        reloadFailures = factory.CreateCounter("rulesgate_rule_reload_failures_total", "Changed rule and workflow files that did not load; the live version stayed.", "file");
        stale = factory.CreateGauge("rulesgate_rule_file_stale", "1 while a changed file does not load and its previous version stays live: alert on it.", "file");
        effectsPending = factory.CreateGauge("rulesgate_effects_pending", "Workflow effects (renders, notices, log lines) committed and not yet done, failed attempts waiting for their retry included.");
        effectsDead = factory.CreateGauge("rulesgate_effects_dead", "Workflow effects whose attempts are spent: dead letters, until 'rulesgate effects retry'. Alert on it.");
        effectsFailed = factory.CreateCounter("rulesgate_effects_failed_total", "Failed attempts of workflow effects, by kind (render, notify, log).", "kind");
        timers = factory.CreateCounter("rulesgate_workflow_timers_fired_total", "Workflow timers (approval timeouts, escalations, after: moves) this server fired.");
        background = factory.CreateCounter("rulesgate_background_failures_total", "Rounds of the server's background work that failed and are tried again at the next round, by service: workflow (timers, effects, settling approvals), latch (the kill switch and readiness), reload (rule files), canary (the watchdog).", "service");
        maturity = factory.CreateGauge("rulesgate_strategy_maturity_level", "Each strategy's maturity level, 0 (L0_shadow) to 4 (L4_autonomous): its maturity-ladder instance's state.", "strategy");
        sizingCap = factory.CreateGauge("rulesgate_strategy_sizing_cap", "The sizing cap in force for each strategy: the smallest share of the requested size any of its ladders allows, from its standing.", "strategy");
        health = factory.CreateGauge("rulesgate_strategy_health_score", "Each strategy's health score, 0 to 1, from its trade outcomes.", "strategy");
        drift = factory.CreateGauge("rulesgate_strategy_drift_worst_pct", "The largest deviation, in percent, of each strategy's live figures from its baseline; 0 without both.", "strategy");
        tokens = factory.CreateGauge("rulesgate_strategy_tokens_active", "Execution tokens of each strategy not yet used, revoked or expired.", "strategy");
        canary = factory.CreateGauge("rulesgate_canary_consecutive_failures", "Failed checks in a row of each component the canary watches.", "component");
        shadowInfo = factory.CreateGauge("rulesgate_shadow_info", "The candidate rule file judging every order in shadow (its identity), 1 while it runs.", "candidate");
        shadowJudged = factory.CreateCounter("rulesgate_shadow_judged_total", "Orders the shadow candidate judged again, off the order path.");
        shadowDisagreed = factory.CreateCounter("rulesgate_shadow_disagreements_total", "Orders the shadow candidate decided otherwise than the live rule file (each journaled as shadow.disagreed).");
        shadowDropped = factory.CreateCounter("rulesgate_shadow_dropped_total", "Orders the shadow could not take because its queue was full: not judged by the candidate. Alert on it.");
        Bundle(gate.Bundle);
    }

    /// <summary>The shadow candidate now running (null: none).</summary>
    public void Shadow(string? candidate)
    {
        foreach (var labels in shadowInfo.GetAllLabelValues())
        {
            shadowInfo.RemoveLabelled(labels);
        }

        if (candidate is not null)
        {
            shadowInfo.WithLabels(candidate).Set(1);
        }
    }

    /// <summary>An order the shadow judged, and whether it decided otherwise.</summary>
    public void ShadowJudged(bool disagreed)
    {
        shadowJudged.Inc();
        if (disagreed)
        {
            shadowDisagreed.Inc();
        }
    }

    /// <summary>An order the shadow's full queue could not take.</summary>
    public void ShadowDropped() => shadowDropped.Inc();

    /// <summary>Sets each strategy's governance gauges from what governance knows of it.</summary>
    public void Strategies(IEnumerable<Core.Governance.StrategyReport> reports)
    {
        foreach (var report in reports)
        {
            maturity.WithLabels(report.Strategy).Set(Core.Governance.MaturityPolicyKind.IndexOf(report.Level));
            if (report.SizingCap is { } cap)
            {
                sizingCap.WithLabels(report.Strategy).Set(cap);
            }

            health.WithLabels(report.Strategy).Set(report.Health.Score);
            drift.WithLabels(report.Strategy).Set(report.Drift.WorstPct);
            tokens.WithLabels(report.Strategy).Set(report.Tokens.Count);
        }
    }

    /// <summary>Sets each canary component's failures in a row.</summary>
    public void Canary(IEnumerable<(string Component, int Failures)> components)
    {
        foreach (var (component, failures) in components)
        {
            canary.WithLabels(component).Set(failures);
        }
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Decisions given in each of the last 60 seconds, for the console's chart.</summary>
    public RecentRate Recent { get; }

    /// <summary>Counts a decision given at <paramref name="endpoint"/>, with the time its journal commit took (null without a journal).</summary>
    public void Given(CapitalDecision decision, string endpoint, TimeSpan? commit)
    {
        decisions.WithLabels(CapitalJson.Verdict(decision.Decision), endpoint).Inc();
        Recent.Count();
        foreach (var violation in decision.Violations)
        {
            fired.WithLabels(violation.RuleId).Inc();
        }

        evaluation.Observe(decision.EvalMicros / 1e6);
        if (commit is { } took)
        {
            journaling.Observe(took.TotalSeconds);
        }
    }

    /// <summary>Decisions given so far, by verdict (ALLOW, MODIFY, DENY), summed over the endpoints: the console's live rates.</summary>
    public IReadOnlyDictionary<string, double> Totals()
    {
        var totals = new SortedDictionary<string, double>(StringComparer.Ordinal) { ["ALLOW"] = 0, ["MODIFY"] = 0, ["DENY"] = 0 };
        foreach (var labels in decisions.GetAllLabelValues())
        {
            totals[labels[0]] = totals.GetValueOrDefault(labels[0]) + decisions.WithLabels(labels).Value;
        }

        return totals;
    }

    /// <summary>Marks <paramref name="live"/> live, and any other version of the same file id not.</summary>
    public void Bundle(Core.Rules.RuleBundle live)
    {
        var metadata = live.File.Metadata;
        foreach (var labels in bundles.GetAllLabelValues().Where(labels => labels[0] == metadata.Id).ToList())
        {
            bundles.RemoveLabelled(labels);
        }

        bundles.WithLabels(metadata.Id, metadata.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), live.File.Hash).Set(1);
    }

    /// <summary>A changed file did not load (<paramref name="failed"/>), or loads again.</summary>
    public void Reload(string file, bool failed)
    {
        if (failed)
        {
            reloadFailures.WithLabels(file).Inc();
        }

        stale.WithLabels(file).Set(failed ? 1 : 0);
    }

    /// <summary>One group commit of <paramref name="size"/> decisions is durable.</summary>
    public void Batch(int size) => batches.Observe(size);

    /// <summary>A request log line not written.</summary>
    public void RequestLogDropped() => logDropped.Inc();

    /// <summary>The instances waiting for an approval, and those of them waiting past its timeout.</summary>
    public void PendingApprovals(int count, int late)
    {
        pending.Set(count);
        overdue.Set(late);
    }

    /// <summary>The effects waiting now, and the dead letters.</summary>
    public void Effects(int waiting, int dead)
    {
        effectsPending.Set(waiting);
        effectsDead.Set(dead);
    }

    /// <summary>Counts one failed attempt of an effect of <paramref name="kind"/>.</summary>
    public void EffectFailed(string kind) => effectsFailed.WithLabels(kind).Inc();

    /// <summary>Counts a failed round of the background work of <paramref name="service"/>.</summary>
    public void BackgroundFailed(string service) => background.WithLabels(service).Inc();

    /// <summary>Counts the timers that fired.</summary>
    public void TimersFired(int count) => timers.Inc(count);

    /// <summary>Counts the instances a signal moved, by workflow and the state each entered.</summary>
    public void Moved(IEnumerable<Core.Workflows.WorkflowInstance> moved)
    {
        foreach (var instance in moved)
        {
            transitions.WithLabels(instance.Workflow, instance.State).Inc();
        }
    }

    /// <summary>Counts a governance operation: <c>diary</c>, <c>evidence</c>, <c>outcomes</c>, <c>start</c>, <c>approve</c>, <c>reject</c>, <c>token_issue</c>, <c>token_revoke</c>, <c>killswitch_reset</c>.</summary>
    public void Action(string action) => actions.WithLabels(action).Inc();

    public void KillSwitch(bool active) => killSwitch.Set(active ? 1 : 0);

    /// <summary>Counts a request in until the result is disposed.</summary>
    public IDisposable InFlight() => inFlight.TrackInProgress();

    /// <summary>Counts a request that holds a slot until the result is disposed.</summary>
    public IDisposable Working() => working.TrackInProgress();

    /// <summary>How many requests hold a slot now.</summary>
    public double WorkingNow => working.Value;

    public void Shed() => shed.Inc();
}
