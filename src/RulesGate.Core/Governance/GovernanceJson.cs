using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Governance;

/// <summary>
/// A governed decision as JSON: the composed <c>action</c>, <c>size_multiplier</c>, <c>reason</c> and <c>qty</c>;
/// <c>governance</c> (its own verdict), <c>components</c> (each component's figures), <c>derived</c> (the file's
/// derived values), <c>capital</c> (the capital decision, or null) and <c>policy</c> (each file's identity).
/// </summary>
public static class GovernanceJson
{
    public static string Decision(GovernedDecision decision, PolicyIdentity? maturity, bool pretty = false) =>
        JsonText.Write(writer => WriteDecision(writer, decision, maturity), pretty);

    public static void WriteDecision(Utf8JsonWriter writer, GovernedDecision decision, PolicyIdentity? maturity)
    {
        var governance = decision.Governance;
        var components = governance.Components;
        writer.WriteStartObject();
        writer.WriteString("action"u8, GovernanceActions.Name(decision.Action));
        writer.WriteNumber("size_multiplier"u8, GovernanceActions.Goes(decision.Action) ? governance.SizeMultiplier : 0);
        writer.WriteString("reason"u8, decision.Reason);
        writer.WriteString("intent_id"u8, decision.Intent.IntentId);
        writer.WriteString("strategy_id"u8, decision.Intent.StrategyId);
        writer.WritePropertyName("requested_qty"u8);
        JsonText.Value(writer, decision.Intent.Qty);
        writer.WritePropertyName("qty"u8);
        JsonText.Value(writer, decision.Qty);
        if (governance.Demotion is { } step)
        {
            writer.WriteStartObject("demote"u8);
            writer.WriteString("from"u8, step.From);
            writer.WriteString("to"u8, step.To);
            JsonText.Strings(writer, "reasons"u8, step.Reasons);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("demote"u8);
        }

        writer.WriteStartObject("governance"u8);
        writer.WriteString("action"u8, GovernanceActions.Name(governance.Action));
        JsonText.Optional(writer, "rule"u8, governance.Rule);
        writer.WriteString("reason"u8, governance.Reason);
        writer.WriteNumber("size_multiplier"u8, governance.SizeMultiplier);
        writer.WriteEndObject();

        writer.WriteStartObject("components"u8);
        var strategy = components.Strategy;
        writer.WriteStartObject("maturity"u8);
        writer.WriteString("level"u8, strategy.Level);
        writer.WriteNumber("sizing_cap"u8, strategy.SizingCap);
        writer.WriteEndObject();
        WriteHealth(writer, strategy.Health);
        writer.WriteStartObject("impact"u8);
        Number(writer, "score"u8, components.ImpactScore);
        writer.WriteString("tier"u8, components.ImpactTier);
        Number(writer, "notional"u8, components.Order.Notional);
        Number(writer, "concentration"u8, components.Order.Concentration);
        Number(writer, "leverage"u8, components.Order.Leverage);
        writer.WriteBoolean("reduce_only"u8, components.Order.ReduceOnly);
        writer.WriteNumber("open_positions"u8, components.Order.OpenPositions);
        writer.WriteEndObject();
        writer.WriteStartObject("drift"u8);
        writer.WriteNumber("worst_pct"u8, strategy.Drift.WorstPct);
        WriteAlerts(writer, components.DriftAlerts);
        writer.WriteEndObject();
        writer.WriteStartObject("token"u8);
        writer.WritePropertyName("required"u8);
        JsonText.Value(writer, components.TokenRequired);
        writer.WriteBoolean("presented"u8, strategy.Token.Presented);
        writer.WriteBoolean("valid"u8, strategy.Token.Valid);
        JsonText.Optional(writer, "id"u8, strategy.Token.Id);
        JsonText.Optional(writer, "refusal"u8, strategy.Token.Refusal);
        writer.WriteEndObject();
        writer.WriteStartObject("canary"u8);
        JsonText.Strings(writer, "paused"u8, components.Canary.PausedComponents);
        writer.WriteEndObject();
        writer.WriteEndObject();

        writer.WriteStartObject("derived"u8);
        foreach (var (name, value) in components.Derived)
        {
            writer.WritePropertyName(RuleFactPlanner.Snake(name));
            JsonText.Value(writer, value);
        }

        writer.WriteEndObject();

        writer.WritePropertyName("capital"u8);
        if (decision.Capital is { } capital)
        {
            CapitalJson.WriteDecision(writer, capital, withTiming: false);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteStartObject("policy"u8);
        Identity(writer, "governance"u8, governance.Policy);
        Identity(writer, "maturity"u8, maturity);
        Identity(writer, "capital"u8, decision.Capital?.Policy);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>A strategy's report: level, sizing cap, health, figures, drift, active tokens (never their secrets), canary.</summary>
    public static string Report(StrategyReport report, double baseEquity) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("strategy"u8, report.Strategy);
        writer.WriteString("level"u8, report.Level);
        writer.WritePropertyName("sizing_cap"u8);
        JsonText.Value(writer, report.SizingCap);
        writer.WritePropertyName("cap_set_by"u8);
        JsonText.Value(writer, report.CapSetBy);
        writer.WritePropertyName("standing"u8);
        if (report.Standing is { } standing)
        {
            writer.WriteRawValue(standing.Json());
        }
        else
        {
            writer.WriteNullValue();
        }

        if (report.Next is { } next)
        {
            // Where the ladder goes on its latest trades: a level, or null with what keeps it where it is.
            writer.WriteStartObject("next"u8);
            writer.WritePropertyName("level"u8);
            JsonText.Value(writer, next.Change == "promotion" ? next.To : null);
            JsonText.Strings(writer, "blockers"u8, next.Change == "promotion" ? [] : next.Reasons);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("next"u8);
        }
        WriteHealth(writer, report.Health);
        writer.WritePropertyName("figures"u8);
        writer.WriteRawValue(report.Outcomes.FiguresJson(baseEquity));
        writer.WriteStartObject("drift"u8);
        writer.WriteStartArray("metrics"u8);
        foreach (var metric in report.Drift.Metrics)
        {
            writer.WriteStartObject();
            writer.WriteString("metric"u8, metric.Metric);
            writer.WriteNumber("baseline"u8, metric.Baseline);
            writer.WriteNumber("live"u8, metric.Live);
            writer.WriteNumber("deviation_pct"u8, metric.DeviationPct);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteAlerts(writer, report.Alerts);
        writer.WriteEndObject();
        writer.WritePropertyName("tokens"u8);
        WriteTokens(writer, report.Tokens);
        JsonText.Strings(writer, "canary_paused"u8, report.CanaryPaused);
        writer.WriteEndObject();
    }, pretty: false);

    /// <summary>Active tokens as a JSON array: id, strategy, scope, who issued them and when they expire; never a secret or its hash.</summary>
    public static string Tokens(IReadOnlyList<ExecutionToken> tokens) => JsonText.Write(writer => WriteTokens(writer, tokens), pretty: false);

    private static void WriteTokens(Utf8JsonWriter writer, IReadOnlyList<ExecutionToken> tokens)
    {
        writer.WriteStartArray();
        foreach (var token in tokens)
        {
            WriteToken(writer, token);
        }

        writer.WriteEndArray();
    }

    /// <summary>One token as <see cref="Tokens"/> lists it.</summary>
    public static void WriteToken(Utf8JsonWriter writer, ExecutionToken token)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, token.Id);
        writer.WriteString("strategy_id"u8, token.StrategyId);
        JsonText.Optional(writer, "symbol"u8, token.Symbol);
        writer.WritePropertyName("max_qty"u8);
        JsonText.Value(writer, token.MaxQty);
        writer.WriteString("issued_by"u8, token.IssuedBy);
        writer.WriteString("issued_at"u8, JsonText.Timestamp(token.IssuedAt));
        writer.WriteString("expires_at"u8, JsonText.Timestamp(token.ExpiresAt));
        writer.WriteEndObject();
    }

    /// <summary><c>"alerts": [{ "metric", "deviation_pct", "action" }]</c>.</summary>
    public static void WriteAlerts(Utf8JsonWriter writer, IReadOnlyList<DriftAlert> alerts)
    {
        writer.WriteStartArray("alerts"u8);
        foreach (var alert in alerts)
        {
            writer.WriteStartObject();
            writer.WriteString("metric"u8, alert.Metric);
            writer.WriteNumber("deviation_pct"u8, alert.DeviationPct);
            writer.WriteString("action"u8, GovernanceActions.Name(alert.Action));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteHealth(Utf8JsonWriter writer, HealthView health)
    {
        writer.WriteStartObject("health"u8);
        writer.WriteNumber("score"u8, health.Score);
        writer.WriteNumber("multiplier"u8, health.Multiplier);
        writer.WriteNumber("debt"u8, health.Debt);
        writer.WriteNumber("credit"u8, health.Credit);
        writer.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter writer, ReadOnlySpan<byte> name, double value)
    {
        writer.WritePropertyName(name);
        JsonText.Value(writer, value);
    }

    private static void Identity(Utf8JsonWriter writer, ReadOnlySpan<byte> name, PolicyIdentity? policy)
    {
        writer.WritePropertyName(name);
        if (policy is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("id"u8, policy.Id);
        writer.WriteNumber("version"u8, policy.Version);
        writer.WriteString("hash"u8, policy.Hash);
        writer.WriteEndObject();
    }
}
