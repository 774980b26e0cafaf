using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Gate;

/// <summary>
/// Writes decisions and requests as PolicyGate's snake_case JSON: keys in a fixed order, numbers with the
/// invariant culture (shortest round-trip form), non-finite numbers as null, so the same decision is the same bytes.
/// </summary>
public static class CapitalJson
{
    private static readonly JsonWriterOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions Indented = Compact with { Indented = true };

    public static string Decision(CapitalDecision decision, bool pretty = false) => Write(writer => WriteDecision(writer, decision), pretty);

    public static string Request(CapitalContext context) => Write(writer => WriteRequest(writer, context), pretty: false);

    public static string Write(Action<Utf8JsonWriter> write, bool pretty)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, pretty ? Indented : Compact))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void WriteDecision(Utf8JsonWriter writer, CapitalDecision decision, bool withTiming = true)
    {
        writer.WriteStartObject();
        writer.WriteString("decision", Verdict(decision.Decision));
        writer.WriteString("intent_id", decision.IntentId);
        writer.WriteStartArray("violations");
        foreach (var violation in decision.Violations)
        {
            writer.WriteStartObject();
            writer.WriteString("rule_id", violation.RuleId);
            writer.WriteString("severity", Severity(violation.Severity));
            writer.WriteString("message", violation.Message);
            Pairs(writer, "inputs", violation.Inputs);
            Pairs(writer, "computed", violation.Computed);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("evidence");
        foreach (var evidence in decision.Evidence)
        {
            writer.WriteStartObject();
            writer.WriteString("metric", evidence.Metric);
            writer.WritePropertyName("value");
            Value(writer, evidence.Value);
            writer.WritePropertyName("limit");
            Value(writer, evidence.Limit);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WritePropertyName("modified_intent");
        if (decision.ModifiedIntent is { } modified)
        {
            WriteIntent(writer, modified);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteBoolean("kill_switch_triggered", decision.KillSwitchTriggered);
        writer.WriteString("mode", decision.Mode == RuleMode.Monitor ? "monitor" : "enforce");
        writer.WriteStartObject("policy");
        writer.WriteString("id", decision.Policy.Id);
        writer.WriteNumber("version", decision.Policy.Version);
        writer.WriteString("hash", decision.Policy.Hash);
        writer.WriteEndObject();
        if (withTiming)
        {
            writer.WriteNumber("eval_us", Math.Round(decision.EvalMicros, 3));
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

    public static void WriteRequest(Utf8JsonWriter writer, CapitalContext context)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("intent");
        WriteIntent(writer, context.Intent);
        writer.WriteStartObject("portfolio");
        Number(writer, "equity", context.Portfolio.Equity);
        Number(writer, "start_of_day_equity", context.Portfolio.StartOfDayEquity);
        Number(writer, "peak_equity", context.Portfolio.PeakEquity);
        Map(writer, "positions", context.Portfolio.Positions);
        Number(writer, "realized_pnl_today", context.Portfolio.RealizedPnlToday);
        Number(writer, "unrealized_pnl", context.Portfolio.UnrealizedPnl);
        writer.WriteEndObject();
        writer.WriteStartObject("market");
        if (context.Market.Timestamp is { } taken)
        {
            writer.WriteString("timestamp", Timestamp(taken));
        }

        Map(writer, "prices", context.Market.Prices);
        writer.WriteEndObject();
        writer.WriteStartObject("execution");
        writer.WriteNumber("orders_last_60s_global", context.Execution.OrdersLast60sGlobal);
        writer.WriteStartObject("orders_last_60s_by_strategy");
        foreach (var (strategy, count) in context.Execution.OrdersLast60sByStrategy.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(strategy, count);
        }

        writer.WriteEndObject();
        writer.WriteNumber("violations_last_window", context.Execution.ViolationsLastWindow);
        writer.WriteBoolean("kill_switch_active", context.Execution.KillSwitchActive);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteIntent(Utf8JsonWriter writer, OrderIntent intent)
    {
        writer.WriteStartObject();
        writer.WriteString("intent_id", intent.IntentId);
        writer.WriteString("timestamp", Timestamp(intent.Timestamp));
        writer.WriteString("strategy_id", intent.StrategyId);
        writer.WriteString("account_id", intent.AccountId);
        writer.WriteStartObject("instrument");
        writer.WriteString("symbol", intent.Symbol);
        writer.WriteString("asset_class", intent.AssetClass);
        writer.WriteEndObject();
        writer.WriteString("side", intent.Side == OrderSide.Buy ? "buy" : "sell");
        writer.WriteString("order_type", intent.OrderType == OrderType.Market ? "market" : "limit");
        Number(writer, "qty", intent.Qty);
        writer.WritePropertyName("limit_price");
        Value(writer, intent.LimitPrice);
        writer.WriteEndObject();
    }

    /// <summary>UTC, with as many fractional digits as the time has and no more.</summary>
    public static string Timestamp(DateTimeOffset time)
    {
        // "o" is the formatter's fast path: 2026-01-31T16:00:00.0000000Z; trailing fractional zeros are dropped.
        var text = time.UtcDateTime.ToString("o", CultureInfo.InvariantCulture);
        var end = text.Length - 1;
        while (text[end - 1] == '0')
        {
            end--;
        }

        return text[end - 1] == '.' ? string.Concat(text.AsSpan(0, end - 1), "Z") : string.Concat(text.AsSpan(0, end), "Z");
    }

    public static void Value(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case double number when Math.Abs(number) < 1e15 && number == Math.Floor(number) && !(number == 0 && double.IsNegative(number)):
                // Whole numbers (quantities, equity, most prices) as integers: the same text, far faster to write.
                writer.WriteNumberValue((long)number);
                break;
            case double number when double.IsFinite(number):
                writer.WriteNumberValue(number);
                break;
            case double:
                writer.WriteNullValue();
                break;
            case int number:
                writer.WriteNumberValue(number);
                break;
            case long number:
                writer.WriteNumberValue(number);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case DateTimeOffset time:
                writer.WriteStringValue(Timestamp(time));
                break;
            case TimeSpan span:
                writer.WriteNumberValue(span.TotalSeconds);
                break;
            case Enum choice:
                writer.WriteStringValue(choice.ToString().ToLowerInvariant());
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    Value(writer, item);
                }

                writer.WriteEndArray();
                break;
            case IFormattable formattable:
                writer.WriteStringValue(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteStringValue(value.ToString());
                break;
        }
    }

    private static void Number(Utf8JsonWriter writer, string name, double value)
    {
        writer.WritePropertyName(name);
        Value(writer, value);
    }

    private static void Map(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, double> values)
    {
        writer.WriteStartObject(name);
        foreach (var (key, value) in values.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            Number(writer, key, value);
        }

        writer.WriteEndObject();
    }

    private static void Pairs(Utf8JsonWriter writer, string name, IReadOnlyList<KeyValuePair<string, object?>> pairs)
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
