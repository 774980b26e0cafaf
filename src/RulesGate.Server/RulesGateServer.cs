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
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RulesGate.Core;
using RulesGate.Core.Gate;
using RulesGate.Core.Governance;
using RulesGate.Core.Serialization;

namespace RulesGate.Server;

/// <summary>Where and how <c>rulesgate serve</c> listens.</summary>
/// <param name="Port">0 picks a free one (tests).</param>
/// <param name="InFlight">The most requests worked on at once; more wait in a queue of <paramref name="Waiting"/>, and beyond it are refused with a 503 (shed, not crashed, nothing acknowledged).</param>
/// <param name="GovernanceService">The governance operations (<c>/v1/diary</c>, <c>/v1/instances</c>, <c>/v1/ledger</c>, …); null serves the gate alone.</param>
/// <param name="Reload">What <c>POST /v1/reload</c> runs; null: the endpoint is not there.</param>
/// <param name="SlowClient">How long a client may take over its request's headers, or pause while sending its body (or send it slower than 240 bytes a second), before it is cut off with a 408 (default 5 s; more than a second). A body is read whole before its request takes a slot, so a slow client holds none.</param>
/// <param name="Tls">Serve HTTPS with this certificate (and its private key); null serves plain HTTP.</param>
/// <param name="ClientAuthorities">Mutual TLS: every client must present a certificate that chains to one of these (bearer tokens are still required); null or empty asks for none. Needs <paramref name="Tls"/>.</param>
/// <param name="WatchFiles">Reload the rule files and workflows when they change, once they have been quiet this long (<see cref="ReloadWatcher"/>); null watches nothing.</param>
/// <param name="RequestLog">Where a JSON line per request answered goes (<see cref="Server.RequestLog"/>); null logs none.</param>
/// <param name="Tracing">Trace each request and each decision through the gates and the journal, exported as this adds (an OTLP exporter, say); null traces nothing.</param>
/// <param name="Errors">Where an internal error (a 500: a bug in RulesGate) is written, one line each with the request, the exception and where it was thrown; null writes none (the answer still says so).</param>
/// <param name="GrpcPort">Also serve the gRPC intake (<c>protos/rulesgate.proto</c>) on this port, HTTP/2 only (cleartext, or TLS with <paramref name="Tls"/>); 0 picks a free one; null serves none.</param>
public sealed record ServerSettings(
    GateHost Gate,
    Principals Principals,
    IPAddress Address,
    int Port,
    int InFlight = 1024,
    int Waiting = 4096,
    GovernanceService? GovernanceService = null,
    HotReload? Reload = null,
    TimeSpan? SlowClient = null,
    X509Certificate2? Tls = null,
    X509Certificate2Collection? ClientAuthorities = null,
    TimeSpan? WatchFiles = null,
    int? GrpcPort = null,
    RequestLog? RequestLog = null,
    Action<OpenTelemetry.Trace.TracerProviderBuilder>? Tracing = null,
    TextWriter? Errors = null)
{
    /// <summary>What is wrong with these settings, checked before the server starts: one line each, empty when nothing.</summary>
    public IReadOnlyList<string> Problems() =>
    [
        .. InFlight is < 1 or > 100_000 ? ["in-flight: the most requests worked on at once is from 1 to 100000."] : Array.Empty<string>(),
        .. Waiting is < 0 or > 1_000_000 ? ["waiting: the most requests waiting is from 0 to 1000000."] : Array.Empty<string>(),
        .. Port is < 0 or > 65_535 ? [$"port: {Port} is no TCP port; give one from 1 to 65535 (0 picks a free one)."] : Array.Empty<string>(),
        .. GrpcPort is < 0 or > 65_535 ? [$"grpc port: {GrpcPort} is no TCP port; give one from 1 to 65535 (0 picks a free one)."] : Array.Empty<string>(),
        .. GrpcPort is > 0 && GrpcPort == Port ? ["grpc port: the gRPC intake needs a port of its own (HTTP/2 only), not the HTTP port."] : Array.Empty<string>(),
        .. SlowClient is { } grace && grace <= TimeSpan.FromSeconds(1) ? ["slow client: the grace a client has for its request is more than a second."] : Array.Empty<string>(),
        .. ClientAuthorities is { Count: > 0 } && Tls is null ? ["client certificates need TLS: give the server a certificate too."] : Array.Empty<string>(),
        .. WatchFiles is { } quiet && quiet <= TimeSpan.Zero ? ["watch: the quiet time before a changed rule file is reloaded is positive."] : Array.Empty<string>(),
        .. WatchFiles is not null && Reload is null ? ["watch: there is nothing to reload; give the reload too."] : Array.Empty<string>(),
    ];
}

/// <summary>
/// <c>rulesgate serve</c>: RulesGate over HTTP, as ASP.NET Core composes a service: one <c>Map</c> class per resource
/// under <c>Api/</c> with named handlers, one exception handler that answers what went wrong (problem details under
/// <c>/v1</c>, PolicyGate's <c>{"error", "message"}</c> outside it), and hosted services for the work beside the
/// requests (the workflow clock and effects, the kill switch's latch, the canary watchdog, reloading rule files), none
/// of which can end the process. Every request is authenticated by a bearer token from the principals file.
/// </summary>
public static class RulesGateServer
{
    /// <summary>The item under which the limiter keeps the principal its token named (null: none), for the authentication after it.</summary>
    private const string TokenChecked = "rulesgate.token-checked";

    /// <summary>How many requests without a valid token are worked on at once, and how many more may wait.</summary>
    public const int UntrustedInFlight = 4;

    /// <inheritdoc cref="UntrustedInFlight"/>
    public const int UntrustedWaiting = 16;

    /// <exception cref="FormatException">The settings are not ones a server can start with (<see cref="ServerSettings.Problems"/>).</exception>
    public static WebApplication Build(ServerSettings settings)
    {
        if (settings.Problems() is { Count: > 0 } problems)
        {
            throw new FormatException(string.Join(" ", problems));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });

        // Configured by its options alone: no appsettings.json beside the binary, no ASPNETCORE_ variables, no watchers.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        if (settings.Tracing is { } tracing)
        {
            // Each request a span, and within it each decision through the gates and the journal (Core.Telemetry); exported where Tracing says.
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService("rulesgate", serviceVersion: typeof(RulesGateServer).Assembly.GetName().Version?.ToString()))
                .WithTracing(tracer =>
                {
                    tracer.AddSource(Core.Telemetry.SourceName).AddAspNetCoreInstrumentation();
                    tracing(tracer);
                });
        }

        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Diagnostics.IExceptionHandler>(new Api.ApiExceptionHandler(settings.Errors));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(settings.Gate);
        builder.Services.AddHostedService(_ => new LatchWatcher(settings.Gate));
        if (settings.GovernanceService is { } service)
        {
            builder.Services.AddSingleton(service);
            if (settings.Gate.HasJournal)
            {
                builder.Services.AddSingleton(new WorkflowBackground(service, service.Settings.Time));
                builder.Services.AddHostedService(services => services.GetRequiredService<WorkflowBackground>());
                builder.Services.AddHostedService(_ => new CanaryWatchdog(service, service.Settings.Time));
            }
        }

        if (settings.Reload is { } reload)
        {
            builder.Services.AddSingleton(reload);
            if (settings.WatchFiles is { } quiet)
            {
                builder.Services.AddHostedService(_ => new ReloadWatcher(reload, quiet, settings.Gate));
            }
        }

        builder.Services.AddRateLimiter(limits =>
        {
            // Monitoring stays reachable under overload: /metrics and /health are never shed.
            // A request without a valid token (the console's sign-in and pages included) waits in a small pool of its own, so
            // however many of them come, they never take a slot from an authenticated caller.
            limits.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Api.MonitoringApi.Owns(context.Request.Path) || context.Request.Path == "/health"
                ? RateLimitPartition.GetNoLimiter("monitoring")
                : (context.Items[TokenChecked] = settings.Principals.Authenticate(context.Request.Headers.Authorization)) is not null
                    ? RateLimitPartition.GetConcurrencyLimiter("authenticated", _ => new ConcurrencyLimiterOptions { PermitLimit = settings.InFlight, QueueLimit = settings.Waiting, QueueProcessingOrder = QueueProcessingOrder.OldestFirst })
                    : RateLimitPartition.GetConcurrencyLimiter("untrusted", _ => new ConcurrencyLimiterOptions { PermitLimit = UntrustedInFlight, QueueLimit = UntrustedWaiting, QueueProcessingOrder = QueueProcessingOrder.OldestFirst }));
            limits.OnRejected = (rejected, _) =>
            {
                settings.Gate.Metrics.Shed();
                rejected.HttpContext.Response.Headers.RetryAfter = "1";
                return new ValueTask(Api.Http.Fail(rejected.HttpContext, StatusCodes.Status503ServiceUnavailable, "overloaded", $"More than {settings.InFlight + settings.Waiting} requests are in; this one was not taken. Send it again in a second."));
            };
        });

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = Api.Http.MaxBatchBody + 1;
            var grace = settings.SlowClient ?? TimeSpan.FromSeconds(5);
            kestrel.Limits.RequestHeadersTimeout = grace;
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(240, grace);
            void Secure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
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
            }

            kestrel.Listen(settings.Address, settings.Port, Secure);
            if (settings.GrpcPort is { } grpc)
            {
                // HTTP/2 alone: a cleartext router speaks it with prior knowledge (h2c).
                kestrel.Listen(settings.Address, grpc, listen =>
                {
                    listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2;
                    Secure(listen);
                });
            }
        });
        if (settings.GrpcPort is not null)
        {
            builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = Api.Http.MaxBody + 1024);
        }

        var app = builder.Build();
        var gate = settings.Gate;
        if (settings.RequestLog is { } log)
        {
            // Outermost: a request is logged as answered, whatever answered it (a 401, a 503 shed, a 408), with the whole wait.
            app.Use(async (context, next) =>
            {
                var (started, endpoint) = (System.Diagnostics.Stopwatch.GetTimestamp(), context.GetEndpoint());
                try
                {
                    await next(context).ConfigureAwait(false);
                }
                finally
                {
                    log.Answered(context, endpoint, started);
                }
            });
        }

        app.Use(async (context, next) =>
        {
            using var counted = gate.Metrics.InFlight();
            await next(context).ConfigureAwait(false);
        });
        app.Use(async (context, next) =>
        {
            // A gRPC stream is a router's for as long as it lasts: its body is the stream, read as it comes, with no rate to keep up.
            if (Api.OrderPathService.Owns(context))
            {
                context.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinRequestBodyDataRateFeature>()?.MinDataRate = null;
                await next(context).ConfigureAwait(false);
                return;
            }

            // A request holds no slot until its body has arrived: it is read here, before the limiter, and cut off with a
            // 408 when it stops arriving for the grace, whatever came before.
            if (await Api.Http.Arrived(context, settings.SlowClient ?? TimeSpan.FromSeconds(5)).ConfigureAwait(false))
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
            if ((Api.MonitoringApi.Owns(context.Request.Path) && context.Connection.RemoteIpAddress is { } from && IPAddress.IsLoopback(from)) || Console.ConsolePages.Owns(context.Request.Path) || context.Request.Path == "/")
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            // The limiter authenticated the request already, to choose its pool.
            if ((context.Items.TryGetValue(TokenChecked, out var known) ? known as Principal : settings.Principals.Authenticate(context.Request.Headers.Authorization)) is not { } principal)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await Api.Http.Fail(context, StatusCodes.Status401Unauthorized, "unauthorized", "Invalid or missing Bearer token.").ConfigureAwait(false);
                return;
            }

            context.Items[nameof(Principal)] = principal;
            if (context.GetEndpoint()?.Metadata.GetMetadata<Api.Roles>()?.Refusal(principal) is { } forbidden)
            {
                await forbidden.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        app.UseExceptionHandler();

        Api.DecisionsApi.Map(app);
        if (settings.GrpcPort is not null)
        {
            app.MapGrpcService<Api.OrderPathService>().WithMetadata(new Api.Roles(Principals.TraderRole, "Judging orders"));
        }

        Api.KillSwitchApi.Map(app);
        Api.MonitoringApi.Map(app);
        if (settings.GovernanceService is not null)
        {
            Api.EvidenceApi.Map(app);
            Api.InstancesApi.Map(app);
            Api.StandingApi.Map(app);
            Api.JournalApi.Map(app);
            Api.TokensApi.Map(app);
            Api.CanaryApi.Map(app);
        }

        if (settings.Reload is not null)
        {
            Api.ReloadApi.Map(app);
            if (settings.GovernanceService is not null)
            {
                Api.RuleChangesApi.Map(app);
            }
        }

        Api.ShadowApi.Map(app, canStart: settings.Reload is not null);

        Console.ConsolePages.Map(app, gate, settings.Principals, settings.GovernanceService, TimeProvider.System);
        app.MapGet("/", (HttpContext context) => context.Response.Redirect(Console.ConsolePages.Prefix));

        app.MapFallback((HttpContext context) => Api.Http.Fail(context, StatusCodes.Status404NotFound, "not_found", $"There is no {context.Request.Method} {context.Request.Path}; see the README for the API."));
        return app;
    }

    /// <summary>Where the started server listens, such as <c>http://127.0.0.1:8100</c>; the gRPC intake's address, when there is one, comes second (<see cref="GrpcAddress"/>).</summary>
    public static string Address(WebApplication app) =>
        app.Services.GetService(typeof(Microsoft.AspNetCore.Hosting.Server.IServer)) is Microsoft.AspNetCore.Hosting.Server.IServer server
        && server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } address
            ? address
            : throw new InvalidOperationException("The server has not started.");

    /// <summary>Where the started server's gRPC intake listens, or null without one.</summary>
    public static string? GrpcAddress(WebApplication app) =>
        app.Services.GetService(typeof(Microsoft.AspNetCore.Hosting.Server.IServer)) is Microsoft.AspNetCore.Hosting.Server.IServer server
            ? server.Features.Get<IServerAddressesFeature>()?.Addresses.Skip(1).FirstOrDefault()
            : null;

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
}
