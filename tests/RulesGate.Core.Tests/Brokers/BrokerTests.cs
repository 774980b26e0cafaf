using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RulesGate.Core.Brokers;
using RulesGate.Core.Gate;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Brokers;

/// <summary>
/// The broker port and its adapters, each against a local fake of the broker's documented order endpoint: what is
/// sent (path, headers, fields), how each answer is read, and that no credential ever reaches a message.
/// </summary>
public sealed class BrokerTests : IDisposable
{
    private const string KeyId = "PK-TEST-KEY-ID";
    private const string Secret = "sk-test-secret-4f8a";
    private const string Token = "tradier-token-91c2";

    private readonly HttpClient http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose() => http.Dispose();

    /// <summary>One request as the fake received it.</summary>
    private sealed record Received(string Method, string Path, Dictionary<string, string> Headers, string Body);

    /// <summary>A broker on this machine that answers each request as <paramref name="answer"/> says, and keeps what it received.</summary>
    private sealed class FakeBroker : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly Task serving;

        public FakeBroker(Func<Received, (int Status, string Json)> answer)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = new Uri($"http://127.0.0.1:{port}/");
            listener.Prefixes.Add(Url.AbsoluteUri);
            listener.Start();
            serving = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await listener.GetContextAsync();
                    }
                    catch (Exception error) when (error is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    using var reader = new StreamReader(context.Request.InputStream);
                    var received = new Received(context.Request.HttpMethod, context.Request.Url!.AbsolutePath,
                        context.Request.Headers.AllKeys.ToDictionary(key => key!, key => context.Request.Headers[key]!, StringComparer.OrdinalIgnoreCase), await reader.ReadToEndAsync());
                    Requests.Enqueue(received);
                    var (status, json) = answer(received);
                    context.Response.StatusCode = status;
                    context.Response.ContentType = "application/json";
                    var bytes = Encoding.UTF8.GetBytes(json);
                    await context.Response.OutputStream.WriteAsync(bytes);
                    context.Response.Close();
                }
            });
        }

        public Uri Url { get; }

        public ConcurrentQueue<Received> Requests { get; } = new();

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
            serving.Wait(TimeSpan.FromSeconds(5));
        }
    }

    private static readonly MarketSnapshot Market = Some.Market(new() { ["MSFT"] = 415.5 });

    private IBroker Alpaca(Uri url) => BrokerSettings.Of("alpaca", Market, name => name switch
    {
        "APCA_API_KEY_ID" => KeyId,
        "APCA_API_SECRET_KEY" => Secret,
        "APCA_API_BASE_URL" => url.AbsoluteUri,
        _ => null,
    }, http);

    private IBroker Tradier(Uri url) => BrokerSettings.Of("tradier", Market, name => name switch
    {
        "TRADIER_TOKEN" => Token,
        "TRADIER_ACCOUNT_ID" => "VA-0001",
        "TRADIER_BASE_URL" => url.AbsoluteUri,
        _ => null,
    }, http);

    [Fact]
    public void Alpaca_PlacesADayOrder_WithItsKeyPairAndTheIntentAsClientOrderId_AndReadsTheFill()
    {
        using var fake = new FakeBroker(_ => (200, """{"id":"61e69015-8549-4bfd-b9c3-01e75843f47d","client_order_id":"i-001","status":"filled","filled_avg_price":"415.5"}"""));

        var reply = Alpaca(fake.Url).Submit(Some.Intent("MSFT", qty: 25) with { IntentId = "i-001" });

        Assert.Equal(new BrokerReply(BrokerStatus.Filled, "61e69015-8549-4bfd-b9c3-01e75843f47d", 415.5, null), reply);
        var request = Assert.Single(fake.Requests);
        Assert.Equal(("POST", "/v2/orders", KeyId, Secret), (request.Method, request.Path, request.Headers["APCA-API-KEY-ID"], request.Headers["APCA-API-SECRET-KEY"]));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(
            ["client_order_id=i-001", "qty=25", "side=buy", "symbol=MSFT", "time_in_force=day", "type=market"],
            body.RootElement.EnumerateObject().Select(field => $"{field.Name}={field.Value.GetString()}").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("accepted", BrokerStatus.Working)]
    [InlineData("new", BrokerStatus.Working)]
    [InlineData("partially_filled", BrokerStatus.Working)]
    [InlineData("rejected", BrokerStatus.Rejected)]
    [InlineData("canceled", BrokerStatus.Rejected)]
    public void Alpaca_ALimitOrder_CarriesItsPrice_AndEachStatusIsRead(string status, BrokerStatus expected)
    {
        using var fake = new FakeBroker(_ => (200, $$"""{"id":"o-7","status":"{{status}}"}"""));

        var reply = Alpaca(fake.Url).Submit(Some.Intent("MSFT", OrderSide.Sell, qty: 10) with { OrderType = OrderType.Limit, LimitPrice = 420.25 });

        Assert.Equal((expected, "o-7"), (reply.Status, reply.OrderId));
        using var body = JsonDocument.Parse(Assert.Single(fake.Requests).Body);
        Assert.Equal(("limit", "sell", "420.25"), (body.RootElement.GetProperty("type").GetString(), body.RootElement.GetProperty("side").GetString(), body.RootElement.GetProperty("limit_price").GetString()));
    }

    [Fact]
    public void Alpaca_ARefusalThatEchoesACredential_NeverRepeatsIt()
    {
        using var fake = new FakeBroker(request => (403, $$"""{"code":40310000,"message":"key {{request.Headers["APCA-API-KEY-ID"]}} with secret {{request.Headers["APCA-API-SECRET-KEY"]}} is not authorized"}"""));

        var reply = Alpaca(fake.Url).Submit(Some.Intent("MSFT"));

        Assert.Equal(BrokerStatus.Rejected, reply.Status);
        Assert.Equal("broker alpaca: HTTP 403 key [redacted] with secret [redacted] is not authorized", reply.Reason);
    }

    [Fact]
    public void Tradier_PlacesAnEquityDayOrder_FormEncoded_WithItsBearerToken_TaggedWithTheIntent()
    {
        using var fake = new FakeBroker(_ => (200, """{"order":{"id":257459,"status":"ok","partner_id":"c4998eb7-06e8-4820-a7ab-55d9760065fb"}}"""));

        var reply = Tradier(fake.Url).Submit(Some.Intent("MSFT", qty: 25) with { IntentId = "run_7/i.001", OrderType = OrderType.Limit, LimitPrice = 410 });

        Assert.Equal(new BrokerReply(BrokerStatus.Working, "257459", null, null), reply);
        var request = Assert.Single(fake.Requests);
        Assert.Equal(("POST", "/v1/accounts/VA-0001/orders", $"Bearer {Token}", "application/json"), (request.Method, request.Path, request.Headers["Authorization"], request.Headers["Accept"]));
        Assert.Equal("class=equity&symbol=MSFT&side=buy&quantity=25&type=limit&duration=day&tag=run-7-i-001&price=410", request.Body);
    }

    [Fact]
    public void Tradier_ItsErrors_AreTheRefusal_WithoutTheToken()
    {
        using var fake = new FakeBroker(request => (400, $$$"""{"errors":{"error":["Backoffice rejected override of the order.","token {{{request.Headers["Authorization"]}}}"]}}"""));

        var reply = Tradier(fake.Url).Submit(Some.Intent("MSFT"));

        Assert.Equal("broker tradier: HTTP 400 Backoffice rejected override of the order.; token Bearer [redacted]", reply.Reason);
    }

    [Fact]
    public void NoAnswer_IsARefusal_ThatSaysTheOrdersStateIsUnknown()
    {
        var closed = new FakeBroker(_ => (200, "{}"));
        var url = closed.Url;
        closed.Dispose();

        var reply = Alpaca(url).Submit(Some.Intent("MSFT") with { IntentId = "i-042" });

        Assert.Equal(BrokerStatus.Rejected, reply.Status);
        Assert.Contains("the order's state is unknown: look for i-042 at 127.0.0.1", reply.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alpaca", "APCA_API_KEY_ID", null, "APCA_API_KEY_ID is not set")]
    [InlineData("alpaca", "APCA_API_BASE_URL", "http://paper-api.alpaca.markets", "APCA_API_BASE_URL: 'http://paper-api.alpaca.markets' is not an https URL")]
    [InlineData("tradier", "TRADIER_ENV", "production", "TRADIER_ENV: 'production' is not an environment; write sandbox or live.")]
    [InlineData("tradier", "TRADIER_TOKEN", null, "TRADIER_TOKEN is not set")]
    [InlineData("ib", "", null, "--broker: 'ib' is not a broker; write sim, alpaca, tradier.")]
    public void Settings_AMissingOrUnsafeSetting_IsNamed_NeverItsCredentials(string broker, string variable, string? value, string expected)
    {
        var environment = new Dictionary<string, string?>
        {
            ["APCA_API_KEY_ID"] = KeyId, ["APCA_API_SECRET_KEY"] = Secret, ["TRADIER_TOKEN"] = Token, ["TRADIER_ACCOUNT_ID"] = "VA-0001",
        };
        environment[variable] = value;

        var error = Assert.Throws<FormatException>(() => BrokerSettings.Of(broker, Market, name => environment.GetValueOrDefault(name), http));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARun_SendsWhatTheGateLetsGo_ToTheBroker_AndAWorkingOrderIsSubmittedNotFilled()
    {
        using var fake = new FakeBroker(request => request.Body.Contains("\"symbol\":\"MSFT\"", StringComparison.Ordinal) ? (200, """{"id":"o-1","status":"accepted"}""") : (422, """{"message":"asset not tradable"}"""));
        var events = new List<ExecutionEvent>();
        var stream = new CapitalStream(Standard.Gate, Some.Portfolio(1_000_000), Some.Market(new() { ["MSFT"] = 415.5, ["XYZ"] = 10 }), ExecutionState.Idle, "run-1", executions: events.Add, broker: Alpaca(fake.Url));

        stream.Next(JsonSerializer.Serialize(Intent("i-1", "MSFT")), 1);
        stream.Next(JsonSerializer.Serialize(Intent("i-2", "XYZ")), 2);

        Assert.Equal(
            ["ORDER_SUBMITTED i-1", "ORDER_SUBMITTED i-2", "ORDER_REJECTED i-2 broker alpaca: HTTP 422 asset not tradable"],
            events.Select(e => $"{e.Event} {e.IntentId}{(e.Reason is null ? "" : " " + e.Reason)}"));
        var summary = stream.Summary();
        Assert.Equal((2, 0), (summary.OrdersSubmitted, summary.OrdersFilled));
        Assert.DoesNotContain("MSFT", summary.FinalPositions.Keys);      // working at the broker: no fill has moved it
    }

    private static object Intent(string id, string symbol) => new
    {
        intent_id = id, timestamp = "2026-11-23T14:30:00Z", strategy_id = "trend", account_id = "DESK-1",
        instrument = new { symbol, asset_class = "equity" }, side = "buy", order_type = "market", qty = 10, limit_price = (double?)null,
    };
}
