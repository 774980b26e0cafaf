using System.CommandLine;
using System.Globalization;
using RulesGate.Core.Application;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Orders;
using RulesGate.Core.Reports;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;
using RulesGate.Storage.Sqlite;

namespace RulesGate.Cli.Commands;

/// <summary><c>rulesgate governance</c>, <c>outcomes</c>, <c>token</c> and <c>canary</c>: the governance gate and the state it reads.</summary>
internal static class GovernanceCommands
{
    public const string DefaultPolicy = "rules/governance/default.yaml";
    public const string DefaultMaturity = "rules/maturity/default.yaml";

    /// <summary><c>--governance P</c> on <c>eval</c>: judge the order by the governance gate too.</summary>
    public static Option<string?> Governance => PerRun.Get(static () => new Option<string?>("--governance") { Description = "A GovernancePolicy rule file: judge the order by the governance gate too; the most restrictive answer wins." });

    /// <summary><c>--maturity M</c>: the levels' sizing caps.</summary>
    public static Option<string?> Maturity => PerRun.Get(static () => new Option<string?>("--maturity") { Description = $"The MaturityPolicy file whose sizing caps the levels have (default {DefaultMaturity} when it exists; without one, a request gives governance.sizing_cap).", Recursive = true });

    public static Option<string> Policy => PerRun.Get(static () => new Option<string>("--policy") { Description = $"The GovernancePolicy rule file (default {DefaultPolicy}).", DefaultValueFactory = _ => DefaultPolicy, Recursive = true });

    public static Command Create(TextWriter output, TextWriter error)
    {
        var request = CliOptions.Input("REQUEST.json", "One JSON object: intent, portfolio, market, [execution], and optionally a governance block (level, sizing_cap, outcomes, baseline, live, order{leverage, reduce_only, open_positions}, token, canary_paused, enabled) that states the strategy's state; with --journal, the state is the journal's and the block gives only order and token (the secret).");
        var capital = new Option<string?>("--capital") { Description = "A CapitalPolicy (or PolicyGate) file: judge the order by the capital gate too." };
        var journal = new Option<string?>("--journal") { Description = "The journal to read the strategy's state from and record the decision in; without it, the request alone is judged." };
        var pretty = new Option<bool>("--pretty") { Description = "Indent the JSON." };
        var eval = new Command("eval", "Judge one order by the governance gate (and the capital gate with --capital): prints the decision as JSON. Exit 0 when some of it goes (ALLOW, REDUCE_SIZE, a DEMOTE that still trades), 1 when none does, 2 error.")
        {
            request, capital, journal, pretty,
        };
        eval.SetAction(parse =>
        {
            var engine = CliOptions.Engine(parse);
            var parsed = GateInputs.Read(parse.GetValue(request)!, GovernanceRequest.Read);
            if (Gate(engine, parse.GetValue(Policy)!, parse, error) is not { } gate)
            {
                return ExitCodes.Error;
            }

            CapitalGate? capitalGate = null;
            if (parse.GetValue(capital) is { } capitalPath && (capitalGate = GateInputs.Gate(engine, capitalPath, error)) is null)
            {
                return ExitCodes.Error;
            }

            using var store = parse.GetValue(journal) is { } path ? JournalCommand.Existing(path) : null;
            return Print(output, new OrderPipeline(capitalGate, gate).Decide(store, parsed.Capital, parsed.Inputs).Order.Governed!, gate, parse.GetValue(pretty));
        });

        var strategy = new Option<string>("--strategy") { Description = "The strategy.", Required = true };
        var showJournal = JournalCommand.JournalOption();
        var json = new Option<bool>("--json") { Description = "One JSON object instead of text." };
        var show = new Command("show", "What governance knows of a strategy: level and sizing cap, health, figures, drift, active tokens, canary.") { strategy, showJournal, json };
        show.SetAction(parse =>
        {
            if (Gate(CliOptions.Engine(parse), parse.GetValue(Policy)!, parse, error) is not { } gate)
            {
                return ExitCodes.Error;
            }

            using var store = JournalCommand.ReadOnly(parse.GetValue(showJournal)!);
            var report = new GovernanceJournal(store, gate.Settings).Report(parse.GetValue(strategy)!, gate.CapOf, WorkflowCommand.Runtime(parse, store));
            if (parse.GetValue(json))
            {
                output.WriteLine(GovernanceJson.Report(report, gate.Settings.BaseEquity));
                return ExitCodes.Ok;
            }

            var figures = report.Outcomes;
            output.WriteLine($"strategy {report.Strategy}");
            output.WriteLine($"  maturity  {report.Level}{(report.SizingCap is { } cap ? $", sizing cap {Number(cap)} ({report.CapSetBy})" : "")}");
            foreach (var line in report.Standing?.Lines() ?? [])
            {
                output.WriteLine($"  ladder    {line}");
            }

            if (report.Next is { } next)
            {
                output.WriteLine(next.Change == "promotion" ? $"  next      {next.To} on trades that still pass every promote rule" : $"  not up    {string.Join(" ", next.Reasons)}");
            }

            output.WriteLine($"  health    score {Number(report.Health.Score)}, multiplier {Number(report.Health.Multiplier)} (debt {Number(report.Health.Debt)}, credit {Number(report.Health.Credit)})");
            output.WriteLine($"  outcomes  {figures.Trades} trades, win rate {Number(figures.WinRate)}, profit factor {Number(figures.ProfitFactor)}, drawdown {Number(report.Drawdown)}, loss streak {figures.LossStreak}");
            output.WriteLine($"  drift     {(report.Drift.Metrics.Count == 0 ? "no baseline and live figures to compare" : string.Join("; ", report.Drift.Metrics.Select(metric => $"{metric.Metric} {Number(metric.DeviationPct)} %{(report.Alerts.FirstOrDefault(alert => alert.Metric == metric.Metric) is { } alert ? " " + GovernanceActions.Name(alert.Action) : "")}")))}");
            output.WriteLine($"  tokens    {(report.Tokens.Count == 0 ? "none active" : string.Join("; ", report.Tokens.Select(TokenLine)))}");
            output.WriteLine($"  canary    {(report.CanaryPaused.Count > 0 ? $"paused by {string.Join(", ", report.CanaryPaused)}" : "clear")}");
            return ExitCodes.Ok;
        });
        var timelineStrategy = new Option<string>("--strategy") { Description = "The strategy.", Required = true };
        var timelineJournal = JournalCommand.JournalOption();
        var days = new Option<string?>("--days") { Description = "How many UTC days, today included: 1 to 366 (default 30)." };
        var until = new Option<string?>("--now") { Description = "The time the days end at, such as 2026-12-06T18:00:00Z (default: the clock)." };
        var timelineJson = new Option<bool>("--json") { Description = "One JSON object (as GET /v1/governance/{strategy}/timeline) instead of text." };
        var timeline = new Command("timeline", "What happened to a strategy in its last days: its orders per UTC day (the capital gate's verdicts, the governance gate's actions, kill switch trips) and every change about it with who and why, as the console's strategy page shows them.")
            { timelineStrategy, timelineJournal, days, until, timelineJson };
        timeline.SetAction(parse =>
        {
            var (name, span) = (RulesGate.Core.Identities.Id(parse.GetValue(timelineStrategy), "strategy"), StrategyTimeline.DaysOf(parse.GetValue(days)));
            var at = parse.GetValue(until) is { } text ? CliOptions.Utc(text, "--now") : TimeProvider.System.GetUtcNow();
            using var store = JournalCommand.ReadOnly(parse.GetValue(timelineJournal)!);
            if (GovernanceJournal.StrategiesOf(store) is var known && !known.Contains(name))
            {
                throw RulesGate.Core.Identities.Unknown("strategy", name, known);     // as the API's 404 says it
            }

            var found = StrategyTimeline.Of(store, name, StrategyTimeline.Start(at, span), at);
            if (parse.GetValue(timelineJson))
            {
                output.WriteLine(ReportJson.Timeline(found));
                return ExitCodes.Ok;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"strategy {found.Strategy}, the {span} UTC days from {found.Since:yyyy-MM-dd}"));
            output.WriteLine(found.Days.Count == 0 ? "  orders    none" : "  orders    day         orders  capital gate / governance / kill switch");
            foreach (var day in found.Days)
            {
                static string Counts(IReadOnlyList<KeyValuePair<string, int>> counts) => string.Join(" ", counts.Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key} {pair.Value}")));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"            {day.Day}  {day.Decisions,6}  {Counts(day.Verdicts)}{(day.Actions.Count == 0 ? "" : $" / {Counts(day.Actions)}")}{(day.Trips == 0 ? "" : $" / tripped {day.Trips}")}"));
            }

            output.WriteLine(found.Changes.Count == 0 ? "  changes   none" : "  changes");
            foreach (var change in found.Changes)
            {
                output.WriteLine($"    {change.At[..19]}Z  {change.What}  {change.Change}  by {(change.Actor.Length == 0 ? "-" : change.Actor)}{(change.Why.Length == 0 ? "" : $": {change.Why}")}");
            }

            return ExitCodes.Ok;
        });
        return new Command("governance", "The governance gate: should this strategy trade at all, and at what size.") { Policy, Maturity, eval, show, timeline };
    }

    public static Command Outcomes(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var file = CliOptions.Input("OUTCOMES.jsonl", "Trade outcomes, one JSON object a line: outcome_id, strategy_id, closed_at (UTC), r_multiple, pnl.");
        var ingest = new Command("ingest", "Record trade outcomes: each strategy's health and figures (trades, win rate, profit factor, drawdown, loss streak), which go to its maturity-ladder instance as trades evidence (a workflow with starts_on: [trades] starts one for a strategy that has none). An outcome id already recorded is skipped; a malformed line is reported with its number and nothing of the file is applied (exit 2).")
        {
            journal, file, Policy, WorkflowCommand.Definitions, WorkflowCommand.Roles,
        };
        ingest.SetAction(async (parse, cancellation) =>
        {
            if (GateInputs.ReadAllLines(parse.GetValue(file)!, TradeOutcome.Read, error) is not { } outcomes
                || Settings(parse, error) is not { } settings)
            {
                return ExitCodes.Error;
            }

            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            await using var workflows = new WorkflowSession(parse, store, error, cancellation);
            var (intake, moved, started, held) = OutcomeEvidence.Ingest(new GovernanceJournal(store, settings), outcomes, workflows.Runtime);
            output.WriteLine($"{intake.Added} {(intake.Added == 1 ? "outcome" : "outcomes")} recorded, {intake.Duplicates} already recorded.");
            foreach (var strategy in intake.Strategies)
            {
                var health = HealthView.Of(strategy.Health, settings.Health);
                output.WriteLine($"{strategy.Strategy}: {strategy.Trades} trades, health {Number(health.Score)} (multiplier {Number(health.Multiplier)}), win rate {Number(strategy.WinRate)}, profit factor {Number(strategy.ProfitFactor)}, drawdown {Number(strategy.Drawdown(settings.BaseEquity))}, loss streak {strategy.LossStreak}");
            }

            WorkflowCommand.Started(output, started);
            WorkflowCommand.Moved(output, moved);
            WorkflowCommand.Held(output, held);
            return ExitCodes.Ok;
        });
        return new Command("outcomes", "Trade outcomes: what health and maturity are judged on.") { ingest };
    }

    public static Command Token(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var strategy = new Option<string>("--strategy") { Description = "The strategy the token is for.", Required = true };
        var symbol = new Option<string?>("--symbol") { Description = "The only symbol it covers (default: any)." };
        var maxQty = new Option<double?>("--max-qty") { Description = "The largest quantity it covers (default: any)." };
        var actor = new Option<string>("--actor") { Description = "Who issues it.", Required = true };
        var issue = new Command("issue", "Issue a single-use execution token: prints its id and, this once, its secret; the order presents the secret (governance.token).") { journal, Policy, strategy, symbol, maxQty, actor };
        issue.SetAction(parse => WithLedger(parse, journal, error, ledger =>
        {
            var (token, secret) = ledger.Issue(parse.GetValue(strategy)!, parse.GetValue(symbol), parse.GetValue(maxQty), parse.GetValue(actor)!);
            output.WriteLine($"token {token.Id} for {token.StrategyId}{Scope(token)}, expires {JsonText.Timestamp(token.ExpiresAt)}");
            output.WriteLine($"secret {secret}");
            return ExitCodes.Ok;
        }));

        var revokeStrategy = new Option<string>("--strategy") { Description = "The strategy whose token to revoke.", Required = true };
        var id = new Option<string?>("--id") { Description = "The token to revoke; without it, --all." };
        var all = new Option<bool>("--all") { Description = "Revoke every active token of the strategy." };
        var revokeActor = new Option<string>("--actor") { Description = "Who revokes.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why.", Required = true };
        var revoke = new Command("revoke", "Revoke one execution token (--id) or all of a strategy's (--all).") { journal, Policy, revokeStrategy, id, all, revokeActor, reason };
        revoke.SetAction(parse => WithLedger(parse, journal, error, ledger =>
        {
            if (parse.GetValue(id) is null == !parse.GetValue(all))
            {
                throw new FormatException("Give --id ID to revoke one token, or --all for every active token of the strategy.");
            }

            var count = ledger.Revoke(parse.GetValue(revokeStrategy)!, parse.GetValue(id), parse.GetValue(revokeActor)!, parse.GetValue(reason)!);
            output.WriteLine($"{count} {(count == 1 ? "token" : "tokens")} revoked.");
            return ExitCodes.Ok;
        }));

        var listStrategy = new Option<string>("--strategy") { Description = "The strategy.", Required = true };
        var json = new Option<bool>("--json") { Description = "A JSON array instead of text." };
        var list = new Command("list", "A strategy's active execution tokens (never their secrets).") { journal, Policy, listStrategy, json };
        list.SetAction(parse => WithLedger(parse, journal, error, ledger =>
        {
            var tokens = ledger.Active(parse.GetValue(listStrategy)!);
            if (parse.GetValue(json))
            {
                output.WriteLine(GovernanceJson.Tokens(tokens));
            }
            else
            {
                output.WriteLine(tokens.Count == 0 ? "No active tokens." : string.Join(Environment.NewLine, tokens.Select(TokenLine)));
            }

            return ExitCodes.Ok;
        }));
        return new Command("token", "Execution tokens: single-use, time-bounded, revocable authorisations for one order of a strategy.") { issue, revoke, list };
    }

    public static Command Canary(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var component = new Option<string>("--component") { Description = "The component checked, such as exchange or market-data.", Required = true };
        var ok = new Option<bool>("--ok") { Description = "The check passed." };
        var fail = new Option<bool>("--fail") { Description = "The check failed." };
        var detail = new Option<string?>("--detail") { Description = "What the check saw." };
        var report = new Command("report", "Record one check of a component. At the policy's failure threshold its alert is raised once: kill trips the kill switch, pause pauses trading, alert only alerts; a passed check resets the count.")
        {
            journal, Policy, component, ok, fail, detail,
        };
        report.SetAction(parse =>
        {
            if (parse.GetValue(ok) == parse.GetValue(fail))
            {
                throw new FormatException("Give exactly one of --ok and --fail.");
            }

            if (Settings(parse, error) is not { } settings)
            {
                return ExitCodes.Error;
            }

            using var store = JournalCommand.Existing(parse.GetValue(journal)!);
            var (state, alert) = new CanaryMonitor(store, settings.Canary).Report(parse.GetValue(component)!, parse.GetValue(ok), parse.GetValue(detail));
            output.WriteLine($"{state.Component}: {state.ConsecutiveFailures} consecutive {(state.ConsecutiveFailures == 1 ? "failure" : "failures")} (threshold {settings.Canary.FailureThreshold}).");
            if (alert is not null)
            {
                output.WriteLine($"alert: {alert.Reason}; action {alert.Action.ToString().ToLowerInvariant()}{(alert.Action == CanaryAction.Kill ? " (the kill switch is latched until an attributed reset)" : "")}.");
            }

            return ExitCodes.Ok;
        });
        var overdueJournal = JournalCommand.JournalOption();
        var now = new Option<string?>("--now") { Description = "The time to judge silence at, such as 2026-12-06T09:00:00Z (default: the clock)." };
        var overdue = new Command("overdue", "The watchdog, once, for a journal without a server (serve runs it by itself): each component that reported before and has been silent for longer than the policy's canary.report_every_seconds gets one failed check, which counts toward its alert.")
        {
            overdueJournal, Policy, now,
        };
        overdue.SetAction(parse =>
        {
            if (Settings(parse, error) is not { } settings)
            {
                return ExitCodes.Error;
            }

            if (settings.Canary.ReportEvery is null)
            {
                throw new FormatException("The GovernancePolicy sets no canary.report_every_seconds, so silence is not watched; set it under params.canary.");
            }

            using var store = JournalCommand.Existing(parse.GetValue(overdueJournal)!);
            var at = parse.GetValue(now) is { } text ? CliOptions.Utc(text, "--now") : TimeProvider.System.GetUtcNow();
            var checks = new CanaryMonitor(store, settings.Canary).Overdue(at);
            foreach (var (state, alert) in checks)
            {
                output.WriteLine($"{state.Component}: silent; {state.ConsecutiveFailures} consecutive {(state.ConsecutiveFailures == 1 ? "failure" : "failures")} (threshold {settings.Canary.FailureThreshold}).{(alert is null ? "" : $" alert: {alert.Reason}; action {alert.Action.ToString().ToLowerInvariant()}.")}");
            }

            output.WriteLine(checks.Count == 0 ? "Every component that reported did so within its interval." : $"{checks.Count} silent {(checks.Count == 1 ? "component" : "components")} failed a check.");
            return ExitCodes.Ok;
        });
        return new Command("canary", "The infrastructure canary: components report checks, and repeated failures (or silence past canary.report_every_seconds) alert, pause or kill.") { report, overdue };
    }

    /// <summary>The governance gate of <paramref name="path"/>, with the maturity ladder of --maturity (or the default file when it exists); null after printing why not.</summary>
    public static GovernanceGate? Gate(RuleEngine engine, string path, ParseResult parse, TextWriter error)
    {
        if (Load(engine, path, GovernancePolicyKind.Instance, error) is not { } bundle)
        {
            return null;
        }

        var maturityPath = parse.GetValue(Maturity) ?? (File.Exists(DefaultMaturity) ? DefaultMaturity : null);
        if (maturityPath is null)
        {
            return new GovernanceGate(bundle);
        }

        return Load(engine, maturityPath, MaturityPolicyKind.Instance, error) is { } maturity ? new GovernanceGate(bundle, new MaturityLadder(maturity)) : null;
    }

    public static GovernanceSettings? Settings(ParseResult parse, TextWriter error) =>
        Load(CliOptions.Engine(parse), parse.GetValue(Policy)!, GovernancePolicyKind.Instance, error) is { } bundle ? GovernanceSettings.Of(bundle.File) : null;

    private static RuleBundle? Load(RuleEngine engine, string path, RuleKind kind, TextWriter error)
    {
        RulesCommand.RequireExists(path);
        var loaded = engine.Load(path);
        if (loaded.Value is { } bundle)
        {
            return bundle.Kind == kind ? bundle : throw new FormatException($"{path} is a {bundle.Kind.Name} file; give a {kind.Name} file.");
        }

        RulesCommand.Report(loaded.Diagnostics, error);
        return null;
    }

    private static int WithLedger(ParseResult parse, Option<string> journal, TextWriter error, Func<TokenLedger, int> act)
    {
        if (Settings(parse, error) is not { } settings)
        {
            return ExitCodes.Error;
        }

        using var store = JournalCommand.Existing(parse.GetValue(journal)!);
        return act(new TokenLedger(store, settings.Tokens));
    }

    /// <summary>Prints the decision; exit 0 when some of the order goes, 1 when none does (a DEMOTE to a level that does not trade).</summary>
    public static int Print(TextWriter output, GovernedDecision decision, GovernanceGate gate, bool pretty)
    {
        output.WriteLine(GovernanceJson.Decision(decision, gate.MaturityPolicy, pretty));
        return GovernanceActions.Goes(decision.Action) && decision.Qty > 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static string TokenLine(ExecutionToken token) => $"{token.Id}{Scope(token)}, issued by {token.IssuedBy}, expires {JsonText.Timestamp(token.ExpiresAt)}";

    private static string Scope(ExecutionToken token) =>
        (token.Symbol is { } only ? $", {only} only" : "") + (token.MaxQty is { } most ? $", up to {Number(most)}" : "");

    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
