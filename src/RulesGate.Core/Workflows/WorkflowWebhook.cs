using System.Net.Http.Headers;
using System.Text;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Workflows;

/// <summary>
/// Posts each workflow notice (a <c>notify</c> activity, an escalation) as JSON to a URL, after the change that
/// made it is durable: <c>{instance, workflow, subject, state, text}</c>. A delivery that fails is journaled by the
/// runtime as <c>workflow.webhook_failed</c>, so no notice is lost silently.
/// </summary>
public sealed class WorkflowWebhook(Uri url, HttpClient? client = null)
{
    /// <summary>The environment variable that configures the webhook for the CLI.</summary>
    public const string Variable = "RULESGATE_NOTIFY_WEBHOOK";

    private readonly HttpClient http = client ?? new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

    public Uri Url => url;

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

    /// <exception cref="HttpRequestException">The endpoint could not be reached or did not answer 2xx.</exception>
    public void Post(WorkflowInstance instance, string text)
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
            using var response = http.PostAsync(url, content).GetAwaiter().GetResult();
            response.EnsureSuccessStatusCode();
        }
        catch (TaskCanceledException timeout)
        {
            throw new HttpRequestException($"{url} did not answer in time.", timeout);
        }
    }
}
