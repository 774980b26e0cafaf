using System.Net.Http.Json;
using System.Text.Json;
using RulesGate.Core.Gate;

namespace RulesGate.Core.Brokers;

/// <summary>
/// Alpaca's Trading API: <c>POST /v2/orders</c> with the key pair in <c>APCA-API-KEY-ID</c> and
/// <c>APCA-API-SECRET-KEY</c>; a day order, market or limit, its <c>client_order_id</c> the intent id (so Alpaca refuses
/// the same intent twice). Its answer's <c>status</c>: <c>filled</c> is a fill at <c>filled_avg_price</c>; <c>rejected</c>,
/// <c>canceled</c> and <c>expired</c> a refusal; anything else (<c>new</c>, <c>accepted</c>, <c>pending_new</c>,
/// <c>partially_filled</c>, …) an order working at the broker.
/// </summary>
internal sealed class AlpacaBroker(HttpClient http, Uri baseUrl, string keyId, string secret) : HttpBroker(http, baseUrl, [keyId, secret])
{
    /// <summary>Alpaca's paper-trading address, used unless <c>APCA_API_BASE_URL</c> names another.</summary>
    public const string PaperUrl = "https://paper-api.alpaca.markets";

    public override string Name => "alpaca";

    protected override HttpRequestMessage Request(OrderIntent order)
    {
        var body = new Dictionary<string, string>
        {
            ["symbol"] = order.Symbol,
            ["qty"] = Number(order.Qty),
            ["side"] = order.Side == OrderSide.Buy ? "buy" : "sell",
            ["type"] = order.OrderType == OrderType.Market ? "market" : "limit",
            ["time_in_force"] = "day",
            ["client_order_id"] = order.IntentId,
        };
        if (order.OrderType == OrderType.Limit)
        {
            body["limit_price"] = Number(order.LimitPrice!.Value);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, "v2/orders")) { Content = JsonContent.Create(body) };
        request.Headers.Add("APCA-API-KEY-ID", keyId);
        request.Headers.Add("APCA-API-SECRET-KEY", secret);
        return request;
    }

    protected override BrokerReply Read(OrderIntent order, JsonElement body)
    {
        var id = body.TryGetProperty("id", out var given) && given.ValueKind == JsonValueKind.String ? given.GetString() : null;
        var status = body.TryGetProperty("status", out var state) && state.ValueKind == JsonValueKind.String ? state.GetString()! : "";
        return status switch
        {
            "filled" when body.TryGetProperty("filled_avg_price", out var price) && double.TryParse(price.ValueKind == JsonValueKind.String ? price.GetString() : price.GetRawText(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var fill)
                => new BrokerReply(BrokerStatus.Filled, id, fill, null),
            "rejected" or "canceled" or "expired" => new BrokerReply(BrokerStatus.Rejected, id, null, $"broker alpaca: order {id} {status}"),
            "" => BrokerReply.Refused("broker alpaca: its answer has no order status; look for the order at the broker"),
            _ => new BrokerReply(BrokerStatus.Working, id, null, null),
        };
    }

    protected override string? Message(JsonElement? body) =>
        body is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String ? message.GetString() : null;
}
