using System.Net;
using System.Text.RegularExpressions;

namespace RulesGate.Server.Tests;

/// <summary>README's curl examples of the API, run as written against a server: each answers with success.</summary>
public sealed partial class ReadmeApiTests : IAsyncDisposable
{
    private readonly RunningServer server = new();

    public ValueTask DisposeAsync() => server.DisposeAsync();

    [GeneratedRegex(@"'(?<quoted>[^']*)'|""(?<quoted>[^""]*)""|\S+")]
    private static partial Regex Word();

    /// <summary>Every curl command of README (a line ending in a backslash goes on), split as a shell splits it.</summary>
    private static List<(int Line, string[] Words)> Curls()
    {
        var lines = File.ReadAllLines(Path.Combine(RunningServer.Root, "README.md"));
        var curls = new List<(int, string[])>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("curl ", StringComparison.Ordinal))
            {
                continue;
            }

            var (start, text) = (i + 1, lines[i]);
            while (text.EndsWith('\\'))
            {
                text = text[..^1] + " " + lines[++i].Trim();
            }

            curls.Add((start, [.. Word().Matches(text).Select(match => match.Groups["quoted"].Success ? match.Groups["quoted"].Value : match.Value)]));
        }

        return curls;
    }

    [Fact]
    public async Task EveryCurlExample_Succeeds_AgainstAServer()
    {
        var curls = Curls();
        Assert.True(curls.Count >= 3, $"only {curls.Count} curl examples found in README");

        // What the last example approves: an instance someone else started, waiting for risk's approval.
        Assert.Equal(HttpStatusCode.Created, (await server.Post("/v1/instances", """{"workflow": "config-patch-approval", "subject": "p-1"}""", server.RheaToken)).StatusCode);

        foreach (var (line, words) in curls)
        {
            var (headers, body, url) = (new List<(string Name, string Value)>(), (string?)null, (string?)null);
            for (var i = 1; i < words.Length; i++)
            {
                switch (words[i])
                {
                    case "-s":
                        break;
                    case "-H":
                        var header = words[++i].Split(": ", 2);
                        headers.Add((header[0], header[1]));
                        break;
                    case "-d":
                        var data = words[++i];
                        body = data.StartsWith('@') ? File.ReadAllText(Path.Combine(RunningServer.Root, data[1..])) : data;
                        break;
                    case var word when word.StartsWith("http://127.0.0.1:8100/", StringComparison.Ordinal):
                        url = word["http://127.0.0.1:8100".Length..];
                        break;
                    case var other:
                        Assert.Fail($"README.md:{line}: curl option '{other}' is not one this test reads");
                        break;
                }
            }

            Assert.True(url is not null, $"README.md:{line}: no URL of the server");
            using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, url);
            foreach (var (name, value) in headers.Where(header => header.Name != "Content-Type"))
            {
                // $TOKEN: a principal holding what the call needs (raj: trader and approver, as README mints).
                var token = url!.StartsWith("/v1/decisions", StringComparison.Ordinal) ? server.TraderToken : server.RajToken;
                request.Headers.TryAddWithoutValidation(name, value.Replace("$TOKEN", token, StringComparison.Ordinal));
            }

            if (body is not null)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, headers.FirstOrDefault(header => header.Name == "Content-Type").Value ?? "application/x-www-form-urlencoded");
            }

            using var response = await server.Client.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"README.md:{line}: {request.Method} {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        // The approval went through: the instance it named moved on.
        var instance = System.Text.Json.JsonDocument.Parse(await (await server.Get("/v1/instances/config-patch-approval:p-1", server.ReaderToken)).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("approved", instance.GetProperty("state").GetString());
    }
}
