using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;
using static RulesGate.Core.Serialization.JsonText;

namespace RulesGate.Core.Gate;

/// <summary>
/// Writes decisions and requests as PolicyGate's snake_case JSON: keys in a fixed order, numbers with the
/// invariant culture (shortest round-trip form), non-finite numbers as null, so the same decision is the same bytes.
/// </summary>
public static class CapitalJson
{
    public static string Decision(CapitalDecision decision, bool pretty = false) => JsonText.Write(writer => WriteDecision(writer, decision), pretty);

    public static string Request(CapitalContext context) => JsonText.Write(writer => WriteRequest(writer, context), pretty: false);

    public static void WriteDecision(Utf8JsonWriter writer, CapitalDecision decision, bool withTiming = true) => WriteDecision(new JsonSink(writer), decision, withTiming);

    public static void WriteDecision<TWriter>(TWriter writer, CapitalDecision decision, bool withTiming = true)
        where TWriter : IDocumentWriter
    {
        writer.WriteStartObject();
        writer.WriteString("decision"u8, Verdict(decision.Decision));
        writer.WriteString("intent_id"u8, decision.IntentId);
        writer.WriteStartArray("violations"u8);
        foreach (var violation in decision.Violations)
        {
            writer.WriteStartObject();
            writer.WriteString("rule_id"u8, violation.RuleId);
            writer.WriteString("severity"u8, Severity(violation.Severity));
            writer.WriteString("message"u8, violation.Message);
            Pairs(writer, "inputs"u8, violation.Inputs);
            Pairs(writer, "computed"u8, violation.Computed);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("evidence"u8);
        foreach (var evidence in decision.Evidence)
        {
            writer.WriteStartObject();
            writer.WriteString("metric"u8, evidence.Metric);
            writer.WritePropertyName("value"u8);
            Value(writer, evidence.Value);
            writer.WritePropertyName("limit"u8);
            Value(writer, evidence.Limit);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WritePropertyName("modified_intent"u8);
        if (decision.ModifiedIntent is { } modified)
        {
            WriteIntent(writer, modified);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteBoolean("kill_switch_triggered"u8, decision.KillSwitchTriggered);
        writer.WriteString("mode"u8, decision.Mode == RuleMode.Monitor ? "monitor" : "enforce");
        writer.WriteStartObject("policy"u8);
        writer.WriteString("id"u8, decision.Policy.Id);
        writer.WriteNumber("version"u8, decision.Policy.Version);
        writer.WriteString("hash"u8, decision.Policy.Hash);
        writer.WriteEndObject();
        if (withTiming)
        {
            writer.WriteNumber("eval_us"u8, Math.Round(decision.EvalMicros, 3));
        }

        writer.WriteEndObject();
    }

    public static string Verdict(CapitalVerdict verdict) => verdict switch
    {
        CapitalVerdict.Allow => "ALLOW",
        CapitalVerdict.Modify => "MODIFY",
        _ => "DENY",
    };

    private static string Severity(RuleSeverity severity) => severity switch
    {
        RuleSeverity.Info => "INFO",
        RuleSeverity.Warn => "WARN",
        RuleSeverity.High => "HIGH",
        _ => "CRIT",
    };

    public static void WriteRequest(Utf8JsonWriter writer, CapitalContext context) => WriteRequest(new JsonSink(writer), context);

    public static void WriteRequest<TWriter>(TWriter writer, CapitalContext context)
        where TWriter : IDocumentWriter
    {
        writer.WriteStartObject();
        writer.WritePropertyName("intent"u8);
        WriteIntent(writer, context.Intent);
        writer.WriteStartObject("portfolio"u8);
        Number(writer, "equity"u8, context.Portfolio.Equity);
        Number(writer, "start_of_day_equity"u8, context.Portfolio.StartOfDayEquity);
        Number(writer, "peak_equity"u8, context.Portfolio.PeakEquity);
        SortedNumbers(writer, "positions"u8, context.Portfolio.Positions);
        Number(writer, "realized_pnl_today"u8, context.Portfolio.RealizedPnlToday);
        Number(writer, "unrealized_pnl"u8, context.Portfolio.UnrealizedPnl);
        writer.WriteEndObject();
        writer.WriteStartObject("market"u8);
        if (context.Market.Timestamp is { } taken)
        {
            writer.WriteString("timestamp"u8, Timestamp(taken));
        }

        SortedNumbers(writer, "prices"u8, context.Market.Prices);
        writer.WriteEndObject();
        writer.WriteStartObject("execution"u8);
        writer.WriteNumber("orders_last_60s_global"u8, context.Execution.OrdersLast60sGlobal);
        SortedNumbers(writer, "orders_last_60s_by_strategy"u8, context.Execution.OrdersLast60sByStrategy);
        writer.WriteNumber("violations_last_window"u8, context.Execution.ViolationsLastWindow);
        writer.WriteBoolean("kill_switch_active"u8, context.Execution.KillSwitchActive);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteIntent(Utf8JsonWriter writer, OrderIntent intent) => WriteIntent(new JsonSink(writer), intent);

    public static void WriteIntent<TWriter>(TWriter writer, OrderIntent intent)
        where TWriter : IDocumentWriter
    {
        writer.WriteStartObject();
        writer.WriteString("intent_id"u8, intent.IntentId);
        writer.WriteString("timestamp"u8, Timestamp(intent.Timestamp));
        writer.WriteString("strategy_id"u8, intent.StrategyId);
        writer.WriteString("account_id"u8, intent.AccountId);
        writer.WriteStartObject("instrument"u8);
        writer.WriteString("symbol"u8, intent.Symbol);
        writer.WriteString("asset_class"u8, intent.AssetClass);
        writer.WriteEndObject();
        writer.WriteString("side"u8, intent.Side == OrderSide.Buy ? "buy" : "sell");
        writer.WriteString("order_type"u8, intent.OrderType == OrderType.Market ? "market" : "limit");
        Number(writer, "qty"u8, intent.Qty);
        writer.WritePropertyName("limit_price"u8);
        Value(writer, intent.LimitPrice);
        writer.WriteEndObject();
    }

    private static void Number<TWriter>(TWriter writer, ReadOnlySpan<byte> name, double value)
        where TWriter : IDocumentWriter
    {
        writer.WritePropertyName(name);
        JsonText.Number(writer, value);
    }

    private static void Pairs<TWriter>(TWriter writer, ReadOnlySpan<byte> name, IReadOnlyList<KeyValuePair<string, object?>> pairs)
        where TWriter : IDocumentWriter
    {
        writer.WriteStartObject(name);
        foreach (var (key, value) in pairs)
        {
            writer.WritePropertyName(key);
            Value(writer, value);
        }

        writer.WriteEndObject();
    }
}
