using System.Text.Json;
using RulesGate.Core.Gate;

namespace RulesGate.Core.Brokers;

/// <summary>
/// Tradier's brokerage API: <c>POST /v1/accounts/{account}/orders</c>, form-encoded, with the access token as a bearer
/// token; an equity day order, market or limit, tagged with the intent id. Tradier answers
/// <c>{"order": {"id": …, "status": "ok"}}</c> when it took the order (which then works at the broker) and
/// <c>{"errors": {"error": […]}}</c> when it did not.
/// </summary>
internal sealed class TradierBroker(HttpClient http, Uri baseUrl, string account, string token) : HttpBroker(http, baseUrl, [token])
{
    public const string SandboxUrl = "https://sandbox.tradier.com";
    public const string LiveUrl = "https://api.tradier.com";

    public override string Name => "tradier";

    protected override HttpRequestMessage Request(OrderIntent order)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("class", "equity"),
            new("symbol", order.Symbol),
            new("side", order.Side == OrderSide.Buy ? "buy" : "sell"),
            new("quantity", Number(order.Qty)),
            new("type", order.OrderType == OrderType.Market ? "market" : "limit"),
            new("duration", "day"),
            new("tag", Tag(order.IntentId)),
        };
        if (order.OrderType == OrderType.Limit)
        {
            fields.Add(new("price", Number(order.LimitPrice!.Value)));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, $"v1/accounts/{Uri.EscapeDataString(account)}/orders")) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    /// <summary>The intent id as a Tradier tag takes it: letters, digits and dashes, at most 255.</summary>
    public static string Tag(string intentId)
    {
        var tag = new string([.. intentId.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
        return tag.Length <= 255 ? tag : tag[..255];
    }

    protected override BrokerReply Read(OrderIntent order, JsonElement body)
    {
        if (body.TryGetProperty("order", out var placed) && placed.ValueKind == JsonValueKind.Object && placed.TryGetProperty("id", out var given))
        {
            var id = given.ValueKind == JsonValueKind.String ? given.GetString()! : given.GetRawText();
            var status = placed.TryGetProperty("status", out var state) && state.ValueKind == JsonValueKind.String ? state.GetString() : null;
            return status is null or "ok"
                ? new BrokerReply(BrokerStatus.Working, id, null, null)
                : new BrokerReply(BrokerStatus.Rejected, id, null, $"broker tradier: order {id} {Redact(status)}");
        }

        return BrokerReply.Refused($"broker tradier: {Redact(Message(body) ?? "its answer names no order")}");
    }

    protected override string? Message(JsonElement? body)
    {
        if (body is not { ValueKind: JsonValueKind.Object } root || !root.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object || !errors.TryGetProperty("error", out var error))
        {
            return null;
        }

        return error.ValueKind switch
        {
            JsonValueKind.String => error.GetString(),
            JsonValueKind.Array => string.Join("; ", error.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.String).Select(item => item.GetString())),
            _ => null,
        };
    }
}
