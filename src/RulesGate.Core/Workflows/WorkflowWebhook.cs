using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Workflows;

/// <summary>How hard a webhook delivery tries: attempts after the first, the first back-off (doubling, with jitter) and each attempt's time limit.</summary>
public sealed record WebhookRetry(int Retries = 3, TimeSpan? FirstDelay = null, TimeSpan? AttemptTimeout = null)
{
    public TimeSpan Delay => FirstDelay ?? TimeSpan.FromSeconds(1);

    public TimeSpan Timeout => AttemptTimeout ?? TimeSpan.FromSeconds(5);
}

/// <summary>
/// Posts each workflow notice (a <c>notify</c> activity, an escalation) as JSON to a URL, after the change that
/// made it is durable: <c>{instance, workflow, subject, state, text}</c>. Transient failures (no connection, a
/// timeout, 408, 429, 5xx) are retried with exponential back-off through Microsoft.Extensions.Http.Resilience; a
/// delivery that still fails is journaled as <c>workflow.webhook_failed</c>, so no notice is lost silently.
/// </summary>
public sealed class WorkflowWebhook : IDisposable
{
    /// <summary>The environment variable that configures the webhook for the CLI.</summary>
    public const string Variable = "RULESGATE_NOTIFY_WEBHOOK";

    private readonly HttpClient http;

    /// <param name="handler">Sends the requests (tests put a fake here); by default the system's.</param>
    public WorkflowWebhook(Uri url, WebhookRetry? retry = null, HttpMessageHandler? handler = null)
    {
        Url = url;
        retry ??= new WebhookRetry();
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (retry.Retries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = retry.Retries, Delay = retry.Delay, BackoffType = DelayBackoffType.Exponential, UseJitter = true });
        }

        var pipeline = builder.AddTimeout(retry.Timeout).Build();
        http = new HttpClient(new ResilienceHandler(pipeline) { InnerHandler = handler ?? new SocketsHttpHandler() }) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    public Uri Url { get; }

    public void Dispose() => http.Dispose();

    /// <summary>The webhook named by <see cref="Variable"/>, or null when it is unset.</summary>
    /// <exception cref="FormatException">It is set but empty or not an absolute http(s) URL.</exception>
    public static WorkflowWebhook? FromEnvironment(Func<string, string?>? environment = null)
    {
        if (Settings.Read(Variable, environment) is not { } value)
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"
            ? new WorkflowWebhook(parsed)
            : throw new FormatException($"{Variable} is '{value}'; write an absolute http(s) URL, or unset it.");
    }

    /// <exception cref="HttpRequestException">The endpoint could not be reached or did not answer 2xx, after every retry.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public async Task PostAsync(WorkflowInstance instance, string text, CancellationToken cancellation = default)
    {
        var body = JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("instance"u8, instance.Id);
            writer.WriteString("workflow"u8, $"{instance.Workflow}@{instance.Version}");
            writer.WriteString("subject"u8, instance.Subject);
            writer.WriteString("state"u8, instance.State);
            writer.WriteString("text"u8, text);
            writer.WriteEndObject();
        }, pretty: false);
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await http.PostAsync(Url, content, cancellation).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
        }
        catch (TimeoutRejectedException timeout)
        {
            throw new HttpRequestException($"{Url} did not answer in time.", timeout);
        }
    }
}
