using System.Globalization;
using System.Text.Json;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Gate;

/// <summary>
/// A capital decision written as PolicyGate Capital 0.2.0 writes it (<c>--format policygate</c>, recorded in
/// <c>../shared/policygate-format.md</c>): its keys only, sorted at every level; its messages word for word; its
/// inputs and computed values per rule; always its five evidence metrics (none when SYS-001 decides); quantities as
/// floats. The verdict stays RulesGate's: this changes how it is written, not what is decided.
/// </summary>
public static class PolicyGateJson
{
    /// <param name="context">What the gate judged; null for a line that was not an intent (then no evidence, and RulesGate's own violation).</param>
    /// <param name="pretty">Indented by two spaces, as <c>policygate-eval --pretty</c> prints it; otherwise one line.</param>
    public static string Decision(CapitalDecision decision, CapitalContext? context, CapitalGate gate, bool pretty = false) => JsonText.Write(writer =>
    {
        var metrics = context?.Metrics;
        var system = metrics is null || decision.Violations.Any(violation => violation.RuleId == "SYS-001");
        writer.WriteStartObject();
        writer.WriteString("decision"u8, CapitalJson.Verdict(decision.Decision));
        writer.WritePropertyName("eval_ms"u8);
        writer.WriteRawValue(Float(Math.Round(decision.EvalMicros / 1000, 3)));
        writer.WriteStartArray("evidence"u8);
        if (!system && metrics is not null)
        {
            Evidence(writer, "daily_return", metrics.DailyReturn, Limit(decision, "daily_return", -(Param(gate, "loss.daily_loss_limit_pct") ?? 0)));
            Evidence(writer, "drawdown", metrics.Drawdown, Limit(decision, "drawdown", Param(gate, "loss.max_drawdown_pct") ?? 0));
            Evidence(writer, "new_position_pct", metrics.NewPositionPct, Limit(decision, "new_position_pct", Param(gate, "exposure.max_position_pct") ?? 0));
            // PolicyGate's quirk: the gross limit is the policy's default, even where an override applies.
            Evidence(writer, "gross_exposure_x", metrics.GrossExposureX, Param(gate, "exposure.max_gross_exposure_x") ?? 0);
            Evidence(writer, "net_exposure_x", metrics.NetExposureX, Limit(decision, "net_exposure_x", 0));
        }

        writer.WriteEndArray();
        writer.WriteString("intent_id"u8, decision.IntentId);
        writer.WriteBoolean("kill_switch_triggered"u8, decision.KillSwitchTriggered);
        writer.WritePropertyName("modified_intent"u8);
        if (decision.ModifiedIntent is { } modified)
        {
            Intent(writer, modified);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteStartArray("violations"u8);
        foreach (var violation in decision.Violations)
        {
            Violation(writer, violation, context, metrics, decision);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty);

    private static void Violation(Utf8JsonWriter writer, CapitalViolation violation, CapitalContext? context, CapitalMetrics? metrics, CapitalDecision decision)
    {
        if (context is null || metrics is null)
        {
            Write(writer, violation, violation.Message, violation.Inputs, violation.Computed);
            return;
        }

        double Input(string name) => violation.Inputs.FirstOrDefault(pair => pair.Key == name).Value switch
        {
            double value => value,
            int value => value,
            long value => value,
            _ => double.NaN,
        };
        var intent = context.Intent;
        var (message, inputs, computed) = violation.RuleId switch
        {
            "SYS-001" => ($"Missing or invalid price for symbol '{intent.Symbol}'.", [new("symbol", intent.Symbol)], []),
            "KILL-001" => ("Kill switch is active — all orders denied.", [new("kill_switch_active", true)], []),
            "LOSS-001" => ($"Daily loss {F4(metrics.DailyReturn)} breaches limit -{F4(Input("daily_loss_limit_pct"))}.", [new("daily_loss_limit_pct", Input("daily_loss_limit_pct"))], [new("daily_return", metrics.DailyReturn)]),
            "LOSS-002" => ($"Drawdown {F4(metrics.Drawdown)} breaches limit {F4(Input("max_drawdown_pct"))}.", [new("max_drawdown_pct", Input("max_drawdown_pct"))], [new("drawdown", metrics.Drawdown)]),
            "EXEC-001" => ($"Global rate {context.Execution.OrdersLast60sGlobal} orders/min exceeds limit {Count(Input("max_orders_per_minute_global"))}.", [new("max_orders_per_minute_global", (int)Input("max_orders_per_minute_global"))], [new("orders_last_60s_global", context.Execution.OrdersLast60sGlobal)]),
            "EXEC-002" => ($"Strategy '{intent.StrategyId}' rate {context.Execution.OrdersLast60s(intent.StrategyId)} orders/min exceeds limit {Count(Input("max_orders_per_minute_by_strategy"))}.", [new("max_orders_per_minute_by_strategy", (int)Input("max_orders_per_minute_by_strategy")), new("strategy_id", intent.StrategyId)], [new("orders_last_60s_strategy", context.Execution.OrdersLast60s(intent.StrategyId))]),
            "EXP-001" => ($"Position {F4(metrics.NewPositionPct)} breaches limit {F4(Input("max_position_pct"))}.", [new("max_position_pct", Input("max_position_pct"))], [new("allowed_qty", AllowedQty(context, Input("max_position_pct"))), new("new_position_pct", metrics.NewPositionPct), new("requested_qty", intent.Qty)]),
            "EXP-002" => ($"Gross exposure {F4(metrics.GrossExposureX)}x breaches limit {F4(Input("max_gross_exposure_x"))}x.", [new("max_gross_exposure_x", Input("max_gross_exposure_x"))], [new("gross_exposure_x", metrics.GrossExposureX)]),
            "EXP-003" => ($"Net exposure {F4(metrics.NetExposureX)}x breaches limit {F4(Input("max_net_exposure_x"))}x.", [new("max_net_exposure_x", Input("max_net_exposure_x"))], [new("net_exposure_x", metrics.NetExposureX)]),
            _ => (violation.Message, violation.Inputs, violation.Computed),
        };
        Write(writer, violation, message, inputs, computed);
    }

    /// <summary>
    /// EXP-001's <c>allowed_qty</c> as PolicyGate computes it, whatever else fires and whatever RulesGate decides: the
    /// change that brings the position to the cap (for a buy, cap ÷ price − held; for a sell, held − cap ÷ price), at
    /// least 0, rounded to 8 decimals. RulesGate's own modified quantity (a symmetric cap, never above the request) is in
    /// <c>modified_intent</c>.
    /// </summary>
    private static double AllowedQty(CapitalContext context, double maxPositionPct)
    {
        var intent = context.Intent;
        var capQty = maxPositionPct * context.Portfolio.Equity / context.Market.Price(intent.Symbol);
        var held = context.Portfolio.Positions.GetValueOrDefault(intent.Symbol);
        return Math.Round(Math.Max(intent.Side == OrderSide.Buy ? capQty - held : held - capQty, 0), 8);
    }

    private static void Write(Utf8JsonWriter writer, CapitalViolation violation, string message, IReadOnlyList<KeyValuePair<string, object?>> inputs, IReadOnlyList<KeyValuePair<string, object?>> computed)
    {
        writer.WriteStartObject();
        Map(writer, "computed"u8, computed);
        Map(writer, "inputs"u8, inputs);
        writer.WriteString("message"u8, message);
        writer.WriteString("rule_id"u8, violation.RuleId);
        writer.WriteString("severity"u8, violation.Severity.ToString().ToUpperInvariant());
        writer.WriteEndObject();
    }

    private static void Map(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IReadOnlyList<KeyValuePair<string, object?>> values)
    {
        writer.WriteStartObject(name);
        foreach (var (key, value) in values.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            switch (value)
            {
                case double number:
                    writer.WriteRawValue(Float(number));
                    break;
                case int count:
                    writer.WriteNumberValue(count);
                    break;
                default:
                    JsonText.Value(writer, value);
                    break;
            }
        }

        writer.WriteEndObject();
    }

    private static void Evidence(Utf8JsonWriter writer, string metric, double value, double limit)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("limit"u8);
        writer.WriteRawValue(Float(Math.Round(limit, 6)));
        writer.WriteString("metric"u8, metric);
        writer.WritePropertyName("value"u8);
        writer.WriteRawValue(Float(Math.Round(value, 6)));
        writer.WriteEndObject();
    }

    /// <summary>The limit RulesGate's own evidence recorded for <paramref name="metric"/> (overrides applied); <paramref name="fallback"/> when it has none.</summary>
    private static double Limit(CapitalDecision decision, string metric, double fallback) =>
        decision.Evidence.FirstOrDefault(evidence => evidence.Metric == metric)?.Limit is double limit ? limit : fallback;

    private static double? Param(CapitalGate gate, string path) => gate.Bundle.File.Params.Find(path)?.Value as double?;

    /// <summary>The intent, keys sorted, its time as Python writes it and its quantities as floats.</summary>
    private static void Intent(Utf8JsonWriter writer, OrderIntent intent)
    {
        writer.WriteStartObject();
        writer.WriteString("account_id"u8, intent.AccountId);
        writer.WriteStartObject("instrument"u8);
        writer.WriteString("asset_class"u8, intent.AssetClass);
        writer.WriteString("symbol"u8, intent.Symbol);
        writer.WriteEndObject();
        writer.WriteString("intent_id"u8, intent.IntentId);
        writer.WritePropertyName("limit_price"u8);
        if (intent.LimitPrice is { } price)
        {
            writer.WriteRawValue(Float(price));
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteString("order_type"u8, intent.OrderType == OrderType.Market ? "market" : "limit");
        writer.WritePropertyName("qty"u8);
        writer.WriteRawValue(Float(intent.Qty));
        writer.WriteString("side"u8, intent.Side == OrderSide.Buy ? "buy" : "sell");
        writer.WriteString("strategy_id"u8, intent.StrategyId);
        var time = intent.Timestamp.UtcDateTime;
        writer.WriteString("timestamp"u8, time.ToString(time.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        writer.WriteEndObject();
    }

    /// <summary>A float as Python writes it: <c>50.0</c>, <c>0.192</c>, <c>1e-05</c>.</summary>
    public static string Float(double value)
    {
        if (!double.IsFinite(value))
        {
            return "null";
        }

        if (value == Math.Floor(value) && Math.Abs(value) < 1e16)
        {
            return value.ToString("F1", CultureInfo.InvariantCulture);
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return text;
        }

        // .NET writes 1E-05 and 1.5E+20; Python 1e-05 and 1.5e+20.
        var exponent = int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
        return $"{text[..e]}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture)}";
    }

    private static string F4(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    private static string Count(double value) => double.IsFinite(value) ? ((long)value).ToString(CultureInfo.InvariantCulture) : "?";
}
