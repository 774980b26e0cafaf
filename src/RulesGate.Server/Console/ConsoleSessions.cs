using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace RulesGate.Server.Console;

/// <summary>A signed-in console user: the principal its bearer token named, the form token every change must carry, and a message for the next page.</summary>
public sealed class ConsoleSession(Principal principal, string formToken, DateTimeOffset expires)
{
    private string? flash;

    public Principal Principal => principal;

    public string FormToken => formToken;

    public DateTimeOffset Expires => expires;

    /// <summary>What the next page says first: what the last change did, or why it was refused.</summary>
    public string? Flash { set => flash = value; }

    public string? TakeFlash() => Interlocked.Exchange(ref flash, null);
}

/// <summary>
/// The console's sessions, in memory: signing in with a bearer token gives a random 256-bit session id (the cookie)
/// and a form token (in each page's forms). Only the SHA-256 of a session id is kept, so the map is looked up by a
/// hash an attacker cannot steer; a session ends after <see cref="Lifetime"/>, at sign-out, or when the server stops.
/// </summary>
public sealed class ConsoleSessions(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    /// <summary>The most sessions kept at once; the oldest go first.</summary>
    private const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, ConsoleSession> sessions = new(StringComparer.Ordinal);

    /// <summary>Starts a session for <paramref name="principal"/>: the cookie's value, and the session.</summary>
    public (string Id, ConsoleSession Session) Start(Principal principal)
    {
        var id = Random();
        var session = new ConsoleSession(principal, Random(), time.GetUtcNow() + Lifetime);
        if (sessions.Count >= MaxSessions)
        {
            foreach (var old in sessions.OrderBy(pair => pair.Value.Expires).Take(sessions.Count - MaxSessions + 1))
            {
                sessions.TryRemove(old.Key, out _);
            }
        }

        sessions[Key(id)] = session;
        return (id, session);
    }

    /// <summary>The live session a cookie names, or null.</summary>
    public ConsoleSession? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !sessions.TryGetValue(Key(id), out var session))
        {
            return null;
        }

        if (session.Expires > time.GetUtcNow())
        {
            return session;
        }

        sessions.TryRemove(Key(id), out _);
        return null;
    }

    public void End(string? id)
    {
        if (!string.IsNullOrEmpty(id))
        {
            sessions.TryRemove(Key(id), out _);
        }
    }

    /// <summary>Whether <paramref name="given"/> is the session's form token, compared in constant time.</summary>
    public static bool Carries(ConsoleSession session, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(session.FormToken), Encoding.UTF8.GetBytes(given));

    private static string Random() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Key(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
}
