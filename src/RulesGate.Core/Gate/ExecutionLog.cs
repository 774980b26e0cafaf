using System.Text.Json;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Gate;

/// <summary>
/// One event of a run's execution log: an order sent to the broker (<c>ORDER_SUBMITTED</c>), filled
/// (<c>ORDER_FILLED</c>, with its price) or rejected (<c>ORDER_REJECTED</c>, by the gate or the broker, with why),
/// tied to the run, the intent and the rule file that judged it.
/// </summary>
public sealed record ExecutionEvent(string Event, string RunId, string IntentId, string PolicyHash, string StrategyId, string Symbol, OrderSide Side, double Qty, DateTimeOffset Time, double? FillPrice = null, string? Reason = null)
{
    public const string Submitted = "ORDER_SUBMITTED";
    public const string Filled = "ORDER_FILLED";
    public const string Rejected = "ORDER_REJECTED";

    public string Json() => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("event"u8, Event);
        writer.WritePropertyName("fill_price"u8);
        JsonText.Value(writer, FillPrice);
        writer.WriteString("intent_id"u8, IntentId);
        writer.WriteString("policy_hash"u8, PolicyHash);
        writer.WritePropertyName("qty"u8);
        JsonText.Value(writer, Qty);
        writer.WritePropertyName("reason"u8);
        JsonText.Value(writer, Reason);
        writer.WriteString("run_id"u8, RunId);
        writer.WriteString("side"u8, Side == OrderSide.Buy ? "buy" : "sell");
        writer.WriteString("strategy_id"u8, StrategyId);
        writer.WriteString("symbol"u8, Symbol);
        writer.WriteString("timestamp"u8, JsonText.Timestamp(Time));
        writer.WriteEndObject();
    }, pretty: false);
}

/// <summary><c>rulesgate correlate</c>: decisions and execution events joined into one timeline per intent.</summary>
public static class Correlation
{
    /// <summary>
    /// One JSON object per intent, in the decisions' order: <c>intent_id</c>, <c>decision</c> (as the decisions file
    /// holds it, in any of RulesGate's formats or PolicyGate's) and <c>executions</c> (its events, in log order);
    /// then the execution events of intents without a decision, with <c>decision</c> null.
    /// </summary>
    /// <exception cref="FormatException">A line has no <c>intent_id</c>; names the file and line.</exception>
    public static IEnumerable<string> Timelines(IEnumerable<(string Where, JsonElement Line)> decisions, IEnumerable<(string Where, JsonElement Line)> executions)
    {
        static string Id((string Where, JsonElement Line) item) =>
            item.Line.ValueKind == JsonValueKind.Object && item.Line.TryGetProperty("intent_id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()!
                : throw new FormatException($"{item.Where}: no intent_id; each line is a decision or an execution event.");
        var byIntent = executions.GroupBy(Id, item => item.Line, StringComparer.Ordinal).ToDictionary(group => group.Key, group => group.ToList(), StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var decision in decisions)
        {
            var id = Id(decision);
            seen.Add(id);
            yield return Timeline(id, decision.Line, byIntent.GetValueOrDefault(id) ?? []);
        }

        foreach (var (id, events) in byIntent.Where(pair => !seen.Contains(pair.Key)))
        {
            yield return Timeline(id, null, events);
        }
    }

    private static string Timeline(string id, JsonElement? decision, List<JsonElement> executions) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("intent_id"u8, id);
        writer.WritePropertyName("decision"u8);
        if (decision is { } found)
        {
            found.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteStartArray("executions"u8);
        executions.ForEach(execution => execution.WriteTo(writer));
        writer.WriteEndArray();
        writer.WriteEndObject();
    }, pretty: false);
}
