using System.Net;
using System.Text.Json;

namespace RulesGate.Core.Brokers;

/// <summary>
/// What the HTTP adapters share: one request per order, never retried (a retried order may be placed twice), a
/// bounded wait, and refusals in words that never hold a credential — every secret the adapter was given is blanked
/// out of what the broker answered before it is written anywhere.
/// </summary>
internal abstract class HttpBroker(HttpClient http, Uri baseUrl, IReadOnlyList<string> secrets) : IBroker
{
    /// <summary>How long an order may wait for the broker's answer.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>The longest answer read, in characters; an order's answer is a few hundred.</summary>
    public const int MaxAnswer = 64 * 1024;

    public abstract string Name { get; }

    protected Uri BaseUrl { get; } = baseUrl;

    public BrokerReply Submit(Gate.OrderIntent order)
    {
        using var request = Request(order);
        using var cancel = new CancellationTokenSource(Timeout);
        HttpResponseMessage response;
        try
        {
            response = http.Send(request, HttpCompletionOption.ResponseContentRead, cancel.Token);
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or OperationCanceledException)
        {
            // It may have been placed: say so, with how to find it, rather than guess.
            return BrokerReply.Refused($"broker {Name}: no answer ({Redact(error.Message)}); the order's state is unknown: look for {order.IntentId} at {BaseUrl.Host}");
        }

        using (response)
        {
            // An answer is read up to MaxAnswer: a broker, or something posing as one, cannot fill memory.
            using var stream = response.Content.ReadAsStream(cancel.Token);
            using var reader = new StreamReader(stream);
            var buffer = new char[MaxAnswer + 1];
            var read = reader.ReadBlock(buffer, 0, buffer.Length);
            if (read > MaxAnswer)
            {
                return BrokerReply.Refused($"broker {Name}: HTTP {(int)response.StatusCode}, an answer longer than {MaxAnswer} characters; the order's state is unknown: look for {order.IntentId} at {BaseUrl.Host}");
            }

            var text = new string(buffer, 0, read);
            JsonDocument? body = null;
            try
            {
                body = text.Length == 0 ? null : JsonDocument.Parse(text);
            }
            catch (JsonException)
            {
            }

            using (body)
            {
                return response.IsSuccessStatusCode && body is not null
                    ? Read(order, body.RootElement)
                    : BrokerReply.Refused($"broker {Name}: HTTP {(int)response.StatusCode} {Redact(Message(body?.RootElement) ?? response.ReasonPhrase ?? "")}".TrimEnd());
            }
        }
    }

    /// <summary>The order as the broker's documented endpoint takes it, with its credentials.</summary>
    protected abstract HttpRequestMessage Request(Gate.OrderIntent order);

    /// <summary>The broker's answer to a placed order.</summary>
    protected abstract BrokerReply Read(Gate.OrderIntent order, JsonElement body);

    /// <summary>The broker's own words in an error answer, when it gave any.</summary>
    protected abstract string? Message(JsonElement? body);

    /// <summary><paramref name="text"/> with every secret the adapter holds blanked, and on one line.</summary>
    protected string Redact(string text)
    {
        foreach (var secret in secrets.Where(secret => secret.Length > 0))
        {
            text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
        }

        return string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
    }

    /// <summary>A quantity or price as the brokers' APIs write them: invariant, shortest round-trip.</summary>
    protected static string Number(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The base address a setting names: https, or http to this machine alone (a local fake in tests and drills); an
    /// order never leaves in clear text.
    /// </summary>
    /// <exception cref="FormatException">Not an absolute https URL, or http to another host; names the setting, never a credential.</exception>
    public static Uri Address(string text, string setting)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && (uri.IsLoopback || IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip)))))
        {
            throw new FormatException($"{setting}: '{text}' is not an https URL (http is allowed to this machine only); write, for example, https://paper-api.alpaca.markets.");
        }

        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }
}
