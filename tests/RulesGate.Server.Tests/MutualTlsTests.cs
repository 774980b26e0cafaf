using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RulesGate.Server.Tests;

/// <summary>Mutual TLS: with client authorities given, a client without a certificate they signed never reaches the API; the bearer token is still required.</summary>
public sealed class MutualTlsTests
{
    private static readonly DateTimeOffset Now = TimeProvider.System.GetUtcNow();   // the TLS stack checks validity against the real clock

    private static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(Now.AddDays(-1), Now.AddDays(30));
    }

    /// <summary>A certificate <paramref name="authority"/> signed, with its private key, for a server (with 127.0.0.1) or a client.</summary>
    private static X509Certificate2 Issued(X509Certificate2 authority, string name, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        using var signed = request.Create(authority, Now.AddHours(-1), Now.AddDays(7), RandomNumberGenerator.GetBytes(16));
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);   // a key the TLS stack can use on every platform
    }

    private static HttpClient Client(RunningServer server, X509Certificate2 authority, X509Certificate2? certificate)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(authority);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return presented is not null && chain.Build(presented);
            },
        };
        if (certificate is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(certificate);
        }

        return new HttpClient(handler) { BaseAddress = new Uri(server.Address) };
    }

    private static async Task<HttpResponseMessage> Health(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task OnlyClientsWithACertificateTheAuthoritySigned_GetThrough_StillWithTheirToken()
    {
        using var authority = Authority("rulesgate test clients");
        using var stranger = Authority("someone else");
        using var serverCertificate = Issued(authority, "rulesgate", server: true);
        using var service = Issued(authority, "desk-bot", server: false);
        using var forged = Issued(stranger, "desk-bot", server: false);
        await using var server = new RunningServer(tls: serverCertificate, clientAuthorities: [authority]);
        using var withCertificate = Client(server, authority, service);
        using var without = Client(server, authority, certificate: null);
        using var withForged = Client(server, authority, forged);

        var allowed = await Health(withCertificate, server.TraderToken);
        var noToken = await Health(withCertificate, "rg_nope");

        Assert.StartsWith("https://", server.Address, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => Health(without, server.TraderToken));
        await Assert.ThrowsAsync<HttpRequestException>(() => Health(withForged, server.TraderToken));
    }
}
