using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RulesGate.Core;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Serialization;

namespace RulesGate.Server;

/// <summary>Where and how <c>rulesgate serve</c> listens.</summary>
/// <param name="Port">0 picks a free one (tests).</param>
/// <param name="InFlight">The most requests worked on at once; more wait in a queue of <paramref name="Waiting"/>, and beyond it are refused with a 503 (shed, not crashed, nothing acknowledged).</param>
/// <param name="Desk">The governance operations (<c>/v1/diary</c>, <c>/v1/instances</c>, <c>/v1/ledger</c>, …); null serves the gate alone.</param>
/// <param name="Reload">What <c>POST /v1/reload</c> runs; null: the endpoint is not there.</param>
/// <param name="SlowClient">How long a client may take over its request's headers, or pause while sending its body (or send it slower than 240 bytes a second), before it is cut off with a 408 (default 5 s; more than a second). A body is read whole before its request takes a slot, so a slow client holds none.</param>
/// <param name="Tls">Serve HTTPS with this certificate (and its private key); null serves plain HTTP.</param>
/// <param name="ClientAuthorities">Mutual TLS: every client must present a certificate that chains to one of these (bearer tokens are still required); null or empty asks for none. Needs <paramref name="Tls"/>.</param>
public sealed record ServerSettings(
    GateHost Gate,
    Principals Principals,
    IPAddress Address,
    int Port,
    int InFlight = 1024,
    int Waiting = 4096,
    Desk? Desk = null,
    HotReload? Reload = null,
    TimeSpan? SlowClient = null,
    X509Certificate2? Tls = null,
    X509Certificate2Collection? ClientAuthorities = null);

/// <summary>
/// <c>rulesgate serve</c>: the capital gate over HTTP. Every request is authenticated by a bearer token from the
/// principals file. <c>POST /v1/decisions</c> judges one full request and answers with the decision and its journal
/// sequence number (errors as RFC 9457 problem details); <c>POST /intent</c> and <c>GET /health</c> answer exactly as
/// PolicyGate's <c>policygate-serve</c> does (errors as <c>{"error", "message"}</c>, 64 KB bodies), so its clients
/// switch by changing a URL.
/// </summary>
public static partial class RulesGateServer
{
    /// <summary>PolicyGate's limit, and this server's for one decision.</summary>
    public const int MaxBody = 65_536;

    /// <summary>The most requests one <c>POST /v1/decisions:batch</c> takes, and its body's limit.</summary>
    public const int MaxBatch = 1_000;

    public const int MaxBatchBody = 4 << 20;

    public static WebApplication Build(ServerSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });

        // Configured by its options alone: no appsettings.json beside the binary, no ASPNETCORE_ variables, no watchers.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddRateLimiter(limits =>
        {
            // Monitoring stays reachable under overload: /metrics and /health are never shed.
            // A request without a valid token (the console's sign-in and pages included) waits in a small pool of its own, so
            // however many of them come, they never take a slot from an authenticated caller.
            limits.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Monitoring(context.Request.Path) || context.Request.Path == "/health"
                ? RateLimitPartition.GetNoLimiter("monitoring")
                : (context.Items[TokenChecked] = settings.Principals.Authenticate(context.Request.Headers.Authorization)) is not null
                    ? RateLimitPartition.GetConcurrencyLimiter("authenticated", _ => new ConcurrencyLimiterOptions { PermitLimit = settings.InFlight, QueueLimit = settings.Waiting, QueueProcessingOrder = QueueProcessingOrder.OldestFirst })
                    : RateLimitPartition.GetConcurrencyLimiter("untrusted", _ => new ConcurrencyLimiterOptions { PermitLimit = UntrustedInFlight, QueueLimit = UntrustedWaiting, QueueProcessingOrder = QueueProcessingOrder.OldestFirst }));
            limits.OnRejected = (rejected, _) =>
            {
                settings.Gate.Metrics.Shed();
                rejected.HttpContext.Response.Headers.RetryAfter = "1";
                return new ValueTask(Fail(rejected.HttpContext, StatusCodes.Status503ServiceUnavailable, "overloaded", $"More than {settings.InFlight + settings.Waiting} requests are in; this one was not taken. Send it again in a second."));
            };
        });
        if (settings.Desk is { } background && settings.Gate.HasJournal)
        {
            builder.Services.AddSingleton(new WorkflowBackground(background, background.Settings.Time));
            builder.Services.AddHostedService(services => services.GetRequiredService<WorkflowBackground>());
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBatchBody + 1;
            var grace = settings.SlowClient ?? TimeSpan.FromSeconds(5);
            kestrel.Limits.RequestHeadersTimeout = grace;
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(240, grace);
            kestrel.Listen(settings.Address, settings.Port, listen =>
            {
                if (settings.Tls is { } certificate)
                {
                    listen.UseHttps(certificate, https =>
                    {
                        if (settings.ClientAuthorities is { Count: > 0 } authorities)
                        {
                            https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate;
                            https.ClientCertificateValidation = (client, _, _) => Trusted(client, authorities);
                        }
                    });
                }
                else if (settings.ClientAuthorities is { Count: > 0 })
                {
                    throw new ArgumentException("Client certificates need TLS: give the server a certificate too.", nameof(settings));
                }
            });
        });

        var app = builder.Build();
        var gate = settings.Gate;
        app.Use(async (context, next) =>
        {
            using var counted = gate.Metrics.InFlight();
            await next(context).ConfigureAwait(false);
        });
        app.Use(async (context, next) =>
        {
            // A request holds no slot until its body has arrived: it is read here, before the limiter, and cut off with a
            // 408 when it stops arriving for the grace, whatever came before.
            if (await Arrived(context, settings.SlowClient ?? TimeSpan.FromSeconds(5)).ConfigureAwait(false))
            {
                await next(context).ConfigureAwait(false);
            }
        });
        app.UseRateLimiter();
        app.Use(async (context, next) =>
        {
            using var holding = gate.Metrics.Working();
            await next(context).ConfigureAwait(false);
        });
        app.Use(async (context, next) =>
        {
            // Prometheus and readiness probes on this machine need no token; from anywhere else they do. The console signs in with a session of its own.
            if ((Monitoring(context.Request.Path) && context.Connection.RemoteIpAddress is { } from && IPAddress.IsLoopback(from)) || Console.ConsolePages.Owns(context.Request.Path) || context.Request.Path == "/")
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            // The limiter authenticated the request already, to choose its pool.
            if ((context.Items.TryGetValue(TokenChecked, out var known) ? known as Principal : settings.Principals.Authenticate(context.Request.Headers.Authorization)) is not { } principal)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await Fail(context, StatusCodes.Status401Unauthorized, "unauthorized", "Invalid or missing Bearer token.").ConfigureAwait(false);
                return;
            }

            context.Items[nameof(Principal)] = principal;
            await next(context).ConfigureAwait(false);
        });

        app.MapGet("/health", () =>
        {
            var (positions, killSwitch, orders) = gate.Status();
            return Json(JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("status"u8, "ok");
                writer.WriteString("run_id"u8, gate.Intake.RunId);
                writer.WriteString("policy_hash"u8, gate.Gate.Bundle.File.Hash);
                writer.WriteNumber("positions_count"u8, positions);
                writer.WriteBoolean("kill_switch_active"u8, killSwitch);
                writer.WriteNumber("orders_last_60s_global"u8, orders);
                writer.WriteEndObject();
            }, pretty: false));
        });

        app.MapPost("/intent", (HttpContext context) => Judge(context, async () =>
        {
            using var body = await Body(context).ConfigureAwait(false);
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("intent", out var intent) || intent.ValueKind == JsonValueKind.Null)
            {
                throw new FormatException("Request body must be an object with an 'intent' key.");
            }

            var market = root.TryGetProperty("market_snapshot", out var snapshot) && snapshot.ValueKind != JsonValueKind.Null ? CapitalContextJson.ReadMarket(snapshot) : null;
            var (decision, judged) = await gate.Intent(intent, market).ConfigureAwait(false);
            return Json(PolicyGateJson.Decision(decision, judged, gate.Gate));
        }));

        app.MapPost("/v1/decisions", (HttpContext context) => Judge(context, async () =>
        {
            using var body = await Body(context).ConfigureAwait(false);
            if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("governance", out _))
            {
                // A governance block: both gates judge it.
                var governance = settings.Desk?.Settings.Governance ?? throw new NoGovernanceException();
                var (governed, governedSeq) = await gate.Govern(GovernanceRequest.Read(body.RootElement), governance).ConfigureAwait(false);
                return Json(JsonText.Write(writer =>
                {
                    writer.WriteStartObject();
                    if (governedSeq is { } number)
                    {
                        writer.WriteNumber("seq"u8, number);
                    }

                    writer.WritePropertyName("decision"u8);
                    GovernanceJson.WriteDecision(writer, governed, governance.MaturityPolicy);
                    writer.WriteEndObject();
                }, pretty: false));
            }

            var (decision, seq) = await gate.Decide(CapitalContextJson.ReadRequest(body.RootElement)).ConfigureAwait(false);
            return Json(JsonText.Write(writer => Decided(writer, decision, seq), pretty: false));
        }));

        app.MapPost("/v1/decisions:batch", (HttpContext context) => Judge(context, async () =>
        {
            using var body = await Body(context, MaxBatchBody).ConfigureAwait(false);
            var requests = new JsonFields(body.RootElement, "request", "requests").Required("requests");
            if (requests.ValueKind != JsonValueKind.Array || requests.GetArrayLength() is 0 or > MaxBatch)
            {
                throw new FormatException($"request.requests: expected a list of 1 to {MaxBatch} requests, each {{intent, portfolio, market, execution}}.");
            }

            var contexts = requests.EnumerateArray().Select((request, i) => Item(i, "requests", () => CapitalContextJson.ReadRequest(request))).ToList();
            var decided = await gate.DecideAll(contexts).ConfigureAwait(false);
            return Json(JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("decisions"u8);
                foreach (var (decision, seq) in decided)
                {
                    Decided(writer, decision, seq);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }, pretty: false));
        }));

        app.MapGet("/v1/killswitch", async () => Json((await gate.KillSwitch().ConfigureAwait(false)).Json()));

        app.MapGet("/ready", (HttpContext context) =>
        {
            var why = gate.Unwritable;
            context.Response.StatusCode = why is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            return Json(JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteBoolean("ready"u8, why is null);
                JsonText.Optional(writer, "reason"u8, why);
                writer.WriteEndObject();
            }, pretty: false));
        });

        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await gate.Metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });

        app.MapPost("/v1/killswitch/reset", (HttpContext context) => !gate.HasJournal
            ? Fail(context, StatusCodes.Status409Conflict, "no_journal", "This server has no journal to record a reset in; start it with --journal.")
            : Run(context, Principals.RiskRole, "Resetting the kill switch", async principal =>
        {
            using var body = await Body(context).ConfigureAwait(false);
            var fields = new JsonFields(body.RootElement, "request", "reason");
            return Json((await gate.Reset(principal, fields.String("reason")).ConfigureAwait(false)).Json());
        }));

        if (settings.Desk is { } desk)
        {
            MapDesk(app, desk);
        }

        if (settings.Reload is { } reload)
        {
            app.MapPost("/v1/reload", (HttpContext context) => Run(context, Principals.AdminRole, "Reloading rule files", async _ =>
            {
                var report = await reload.Reload().ConfigureAwait(false);
                return Json(JsonText.Write(writer =>
                {
                    writer.WriteStartObject();
                    JsonText.Strings(writer, "loaded"u8, report.Loaded);
                    writer.WriteStartArray("failed"u8);
                    foreach (var (file, problem) in report.Failed)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("file"u8, file);
                        writer.WriteString("problem"u8, problem);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }, pretty: false));
            }));
        }

        Console.ConsolePages.Map(app, gate, settings.Principals, settings.Desk, TimeProvider.System);
        app.MapGet("/", (HttpContext context) => context.Response.Redirect(Console.ConsolePages.Prefix));

        app.MapFallback((HttpContext context) => Fail(context, StatusCodes.Status404NotFound, "not_found", $"There is no {context.Request.Method} {context.Request.Path}; see the README for the API."));
        return app;
    }

    /// <summary>Where the started server listens, such as <c>http://127.0.0.1:8100</c>.</summary>
    public static string Address(WebApplication app) =>
        app.Services.GetService(typeof(Microsoft.AspNetCore.Hosting.Server.IServer)) is Microsoft.AspNetCore.Hosting.Server.IServer server
        && server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } address
            ? address
            : throw new InvalidOperationException("The server has not started.");

    /// <summary>Runs a judging endpoint: only for traders; bad input is a 400, a journal that cannot take the decision a 503 (the order is not to go).</summary>
    private static Task Judge(HttpContext context, Func<Task<IResult>> judge) => Run(context, Principals.TraderRole, "Judging orders", _ => judge());

    /// <summary>Runs an endpoint for principals with <paramref name="role"/> (any principal when null); maps what goes wrong to its status.</summary>
    private static async Task Run(HttpContext context, string? role, string what, Func<Principal, Task<IResult>> act)
    {
        if (context.Items[nameof(Principal)] is not Principal principal || (role is not null && !principal.Has(role)))
        {
            await Fail(context, StatusCodes.Status403Forbidden, "forbidden", $"{what} needs the role '{role}'.").ConfigureAwait(false);
            return;
        }

        IResult result;
        try
        {
            result = await act(principal).ConfigureAwait(false);
        }
        catch (PayloadTooLarge error)
        {
            await Fail(context, StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"Request body exceeds {error.Limit} bytes.").ConfigureAwait(false);
            return;
        }
        catch (UnsupportedContentType)
        {
            await Fail(context, StatusCodes.Status400BadRequest, "invalid_content_type", "Content-Type must be application/json.").ConfigureAwait(false);
            return;
        }
        catch (Exception error) when (error is JsonException or FormatException)
        {
            await Fail(context, StatusCodes.Status400BadRequest, "invalid_json", error.Message).ConfigureAwait(false);
            return;
        }
        catch (NotFoundException error)
        {
            await Fail(context, StatusCodes.Status404NotFound, "not_found", error.Message).ConfigureAwait(false);
            return;
        }
        catch (RefusalException error)
        {
            // The rules, four eyes or a race said no: nothing was written.
            await Fail(context, StatusCodes.Status409Conflict, error.Reason.Replace('.', '_'), error.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception error) when (error is NoJournalException or NoGovernanceException or FileNotFoundException)
        {
            await Fail(context, StatusCodes.Status409Conflict, "not_configured", error.Message).ConfigureAwait(false);
            return;
        }
        catch (BadHttpRequestException error)
        {
            // The client's request itself: too slow, cut off, malformed framing.
            await Fail(context, error.StatusCode, "bad_request", error.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception error) when (error is System.Data.Common.DbException or IOException)
        {
            // The journal refused a governance operation's transaction: nothing of it was written.
            await Fail(context, StatusCodes.Status503ServiceUnavailable, "journal_unavailable", $"The journal did not take it ({error.Message.Split('\n')[0].TrimEnd('.')}); nothing was written. Send it again.").ConfigureAwait(false);
            return;
        }
        catch (JournalUnavailableException error)
        {
            await Fail(context, StatusCodes.Status503ServiceUnavailable, "journal_unavailable", $"{error.Message} The decision is not given; the order must not go.").ConfigureAwait(false);
            return;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            await Fail(context, StatusCodes.Status500InternalServerError, "internal_error", $"The order was not judged: an internal error ({error.GetType().Name}). The order must not go.").ConfigureAwait(false);
            return;
        }

        await result.ExecuteAsync(context).ConfigureAwait(false);
    }

    /// <summary>Whether <paramref name="client"/> chains to one of <paramref name="authorities"/> (and only those: the machine's roots are not consulted), is within its dates and may authenticate a client.</summary>
    private static bool Trusted(X509Certificate2 client, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));   // TLS client authentication
        return chain.Build(client);
    }

    /// <summary>The paths probes and scrapers call: never shed, and without a token from this machine.</summary>
    private static bool Monitoring(PathString path) => path == "/metrics" || path == "/ready";

    /// <summary><c>{"seq": N, "decision": {…}}</c>, without <c>seq</c> when there is no journal.</summary>
    private static void Decided(Utf8JsonWriter writer, CapitalDecision decision, long? seq)
    {
        writer.WriteStartObject();
        if (seq is { } number)
        {
            writer.WriteNumber("seq"u8, number);
        }

        writer.WritePropertyName("decision"u8);
        CapitalJson.WriteDecision(writer, decision);
        writer.WriteEndObject();
    }

    /// <summary>Reads item <paramref name="index"/> of the list <paramref name="list"/>; a bad one is named by its place.</summary>
    private static T Item<T>(int index, string list, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception error) when (error is JsonException or FormatException)
        {
            throw new FormatException($"{list}[{index}]: {error.Message}", error);
        }
    }

    /// <summary>The item under which the limiter keeps the principal its token named (null: none), for the authentication after it.</summary>
    private const string TokenChecked = "rulesgate.token-checked";

    /// <summary>How many requests without a valid token are worked on at once, and how many more may wait.</summary>
    public const int UntrustedInFlight = 4;

    /// <inheritdoc cref="UntrustedInFlight"/>
    public const int UntrustedWaiting = 16;

    /// <summary>
    /// Reads the whole body into memory (at most <see cref="MaxBatchBody"/> + 1 bytes; the endpoints bound it further),
    /// each read given <paramref name="grace"/>: false, after answering 408 or 413, when it stalls or is too large.
    /// </summary>
    private static async Task<bool> Arrived(HttpContext context, TimeSpan grace)
    {
        var request = context.Request;
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return true;
        }

        // Capacity for what a small request declares, never for what a client merely claims it will send.
        var buffer = new MemoryStream((int)Math.Min(request.ContentLength ?? 0, MaxBody));
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 << 10);
        try
        {
            while (true)
            {
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                stall.CancelAfter(grace);
                int read;
                try
                {
                    read = await request.Body.ReadAsync(chunk, stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
                {
                    context.Response.Headers.Connection = "close";
                    await Fail(context, StatusCodes.Status408RequestTimeout, "request_timeout", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The request body stopped arriving for {grace.TotalSeconds:0.#} s; send it whole.")).ConfigureAwait(false);
                    return false;
                }
                catch (Microsoft.AspNetCore.Http.BadHttpRequestException error)
                {
                    context.Response.Headers.Connection = "close";
                    var tooLarge = error.StatusCode == StatusCodes.Status413PayloadTooLarge;
                    await Fail(context, error.StatusCode, tooLarge ? "payload_too_large" : "bad_request", tooLarge ? $"Request body exceeds {MaxBatchBody} bytes." : error.Message).ConfigureAwait(false);
                    return false;
                }

                if (read == 0)
                {
                    break;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }

        buffer.Position = 0;
        request.Body = buffer;
        return true;
    }

    /// <summary>The request's JSON body, read strictly (no duplicate keys, no comments) and at most <paramref name="limit"/> bytes.</summary>
    private static Task<JsonDocument> Body(HttpContext context, int limit = MaxBody)
    {
        var request = context.Request;
        if (request.ContentType is not { } type || !type.Contains("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new UnsupportedContentType();
        }

        // The body arrived whole before the request took its slot (Arrived): it is parsed where it lies.
        var arrived = request.Body as MemoryStream ?? new MemoryStream();
        return arrived.Length > limit
            ? throw new PayloadTooLarge(limit)
            : Task.FromResult(StrictJson.Parse(arrived.GetBuffer().AsMemory(0, (int)arrived.Length), "request"));
    }

    private static IResult Json(string json) => Results.Text(json, "application/json", System.Text.Encoding.UTF8);

    /// <summary>
    /// An error: as PolicyGate writes one (<c>{"error", "message"}</c>) outside <c>/v1</c>, as problem details
    /// (<c>application/problem+json</c>) under it.
    /// </summary>
    private static Task Fail(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        if (context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
        {
            context.Response.ContentType = "application/problem+json";
            return context.Response.WriteAsync(JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("type"u8, $"https://rulesgate.dev/problems/{code}");
                writer.WriteString("title"u8, code.Replace('_', ' '));
                writer.WriteNumber("status"u8, status);
                writer.WriteString("detail"u8, message);
                writer.WriteEndObject();
            }, pretty: false));
        }

        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("error"u8, code);
            writer.WriteString("message"u8, message);
            writer.WriteEndObject();
        }, pretty: false));
    }

    private sealed class PayloadTooLarge(int limit) : Exception
    {
        public int Limit { get; } = limit;
    }

    private sealed class UnsupportedContentType : Exception;
}
