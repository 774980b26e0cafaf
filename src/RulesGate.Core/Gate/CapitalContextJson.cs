using System.Collections.Frozen;
using System.Text.Json;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Gate;

/// <summary>Reads PolicyGate's JSON shapes (snake_case) into the capital context.</summary>
public static class CapitalContextJson
{
    /// <summary>Reads <c>{ "intent", "portfolio", "market", "execution"? }</c>.</summary>
    /// <exception cref="FormatException">A key is unknown, missing or of the wrong type; the message names it.</exception>
    public static CapitalContext ReadRequest(JsonElement json) => ReadRequest(json, governance: false);

    /// <summary>Reads a request that may also hold a <c>governance</c> block, which the caller reads itself.</summary>
    public static CapitalContext ReadRequest(JsonElement json, bool governance)
    {
        var request = governance
            ? new JsonFields(json, "request", "intent", "portfolio", "market", "execution", "governance")
            : new JsonFields(json, "request", "intent", "portfolio", "market", "execution");
        return new CapitalContext(
            ReadIntent(request.Required("intent")),
            ReadPortfolio(request.Required("portfolio")),
            ReadMarket(request.Required("market")),
            request.Has("execution") ? ReadExecution(request.Required("execution")) : ExecutionState.Idle);
    }

    public static OrderIntent ReadIntent(JsonElement json) => ReadIntent(json, withToken: false);

    /// <param name="withToken">Whether the line may carry <c>token</c> (an execution token's secret, which the caller reads): a governed stream's.</param>
    internal static OrderIntent ReadIntent(JsonElement json, bool withToken)
    {
        string[] fields = ["intent_id", "timestamp", "strategy_id", "account_id", "instrument", "side", "order_type", "qty", "limit_price"];
        var intent = new JsonFields(json, "intent", withToken ? [.. fields, "token"] : fields);
        var instrument = intent.Object("instrument", "symbol", "asset_class");
        var qty = intent.Number("qty");
        if (qty <= 0)
        {
            throw new FormatException("intent.qty: must be > 0; the side gives the direction.");
        }

        var orderType = intent.Choice<OrderType>("order_type");
        var limit = intent.OptionalNumber("limit_price");
        if (orderType == OrderType.Limit && limit is not > 0)
        {
            throw new FormatException("intent.limit_price: a limit order needs a limit price > 0.");
        }

        return new OrderIntent(
            intent.Id("intent_id"),
            intent.Timestamp("timestamp"),
            intent.Id("strategy_id"),
            intent.Id("account_id"),
            instrument.Id("symbol"),
            instrument.Has("asset_class") ? instrument.Id("asset_class") : "equity",
            intent.Choice<OrderSide>("side"),
            orderType,
            qty,
            limit);
    }

    public static PortfolioState ReadPortfolio(JsonElement json)
    {
        var portfolio = new JsonFields(json, "portfolio", "equity", "start_of_day_equity", "peak_equity", "positions", "realized_pnl_today", "unrealized_pnl");
        return new PortfolioState(
            portfolio.Number("equity"),
            portfolio.Number("start_of_day_equity"),
            portfolio.Number("peak_equity"),
            portfolio.NumberMap("positions"),
            portfolio.Number("realized_pnl_today", 0),
            portfolio.Number("unrealized_pnl", 0));
    }

    public static MarketSnapshot ReadMarket(JsonElement json)
    {
        var market = new JsonFields(json, "market", "timestamp", "prices");
        return new MarketSnapshot(market.Has("timestamp") ? market.Timestamp("timestamp") : null, market.NumberMap("prices").ToFrozenDictionary(StringComparer.Ordinal));
    }

    public static ExecutionState ReadExecution(JsonElement json)
    {
        var execution = new JsonFields(json, "execution", "orders_last_60s_global", "orders_last_60s_by_strategy", "violations_last_window", "kill_switch_active");
        var times = execution.Has("violations_last_window") && execution.Required("violations_last_window").ValueKind == JsonValueKind.Array
            ? ViolationTimes(execution.Required("violations_last_window"))
            : null;
        return new ExecutionState(
            execution.Count("orders_last_60s_global"),
            execution.CountMap("orders_last_60s_by_strategy").ToFrozenDictionary(StringComparer.Ordinal),
            times?.Count ?? execution.Count("violations_last_window"),
            execution.Bool("kill_switch_active"))
        {
            ViolationTimes = times ?? [],
        };
    }

    /// <summary>PolicyGate's window: <c>[[timestamp, rule_id], …]</c>, the time as ISO 8601 UTC or Unix seconds.</summary>
    private static List<DateTimeOffset> ViolationTimes(JsonElement list)
    {
        var times = new List<DateTimeOffset>();
        foreach (var (pair, i) in list.EnumerateArray().Select((pair, i) => (pair, i)))
        {
            var where = $"execution.violations_last_window[{i}]";
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || pair[1].ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"{where}: expected [timestamp, rule_id], such as [\"2026-01-15T15:29:00Z\", \"EXP-001\"].");
            }

            times.Add(pair[0].ValueKind switch
            {
                JsonValueKind.Number when pair[0].TryGetDouble(out var seconds) && double.IsFinite(seconds) && Math.Abs(seconds) < 253_402_300_799
                    => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)),
                JsonValueKind.String => JsonFields.Timestamp(pair[0].GetString()!, $"{where}[0]"),
                _ => throw new FormatException($"{where}[0]: expected a UTC timestamp or Unix seconds."),
            });
        }

        return times;
    }
}
