using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RulesGate.Core;
using RulesGate.Core.Serialization;

namespace RulesGate.Server;

/// <summary>Who called: a principal's normalized name and its roles. The actor the journal records is this name, never one from a body.</summary>
public sealed record Principal(string Name, IReadOnlySet<string> Roles)
{
    public bool Has(string role) => Roles.Contains(role) || Roles.Contains(Principals.AdminRole);
}

/// <summary>
/// The principals file: each principal's name, roles and the SHA-256 of its bearer token, never the token itself.
/// <code>{"principals": [{"name": "desk-bot", "roles": ["trader"], "token_sha256": "…64 hex…"}]}</code>
/// Tokens are 256 random bits (<see cref="NewToken"/>), so a plain SHA-256 of one cannot be reversed by guessing.
/// </summary>
public sealed class Principals
{
    /// <summary>May judge orders (<c>POST /v1/decisions</c>, <c>POST /intent</c>).</summary>
    public const string TraderRole = "trader";

    /// <summary>May feed evidence: diary entries, evidence, trade outcomes; and start workflow instances.</summary>
    public const string AutomationRole = "automation";

    /// <summary>May approve or reject what a workflow instance waits on, in the approval roles the roles file gives its name.</summary>
    public const string ApproverRole = "approver";

    /// <summary>May reset the kill switch, and issue and revoke execution tokens.</summary>
    public const string RiskRole = "risk";

    /// <summary>May read, as every principal may, and nothing more.</summary>
    public const string ReaderRole = "reader";

    /// <summary>May do anything any role may.</summary>
    public const string AdminRole = "admin";

    /// <summary>Every role a principal may have; any principal may read.</summary>
    public static IReadOnlyList<string> Known { get; } = [TraderRole, AutomationRole, ApproverRole, RiskRole, ReaderRole, AdminRole];

    private const string Prefix = "rg_";

    private readonly List<(byte[] Hash, Principal Principal)> entries;

    private Principals(List<(byte[] Hash, Principal Principal)> entries) => this.entries = entries;

    public int Count => entries.Count;

    /// <summary>Every principal, in the file's order.</summary>
    public IReadOnlyList<Principal> All => [.. entries.Select(entry => entry.Principal)];

    /// <summary>Reads a principals file strictly: unknown keys, duplicate names or tokens, and malformed hashes are errors naming the entry.</summary>
    /// <exception cref="FormatException">What is wrong, with the file and entry.</exception>
    /// <exception cref="UnauthorizedAccessException">Others than its owner may write the file (anyone who can write it can make themselves an admin).</exception>
    public static Principals Read(string path)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new UnauthorizedAccessException($"{path}: its group or others may write it, so anyone among them could make themselves an admin; run 'chmod go-w {path}'.");
        }

        JsonElement root;
        using (var document = StrictJson.ParseFile(path))
        {
            root = document.RootElement.Clone();
        }

        var fields = new JsonFields(root, path, "principals");
        var list = fields.Required("principals");
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            throw new FormatException($"{path}: 'principals' must be a list of at least one {{name, roles, token_sha256}}; make an entry with 'rulesgate principal new'.");
        }

        var entries = new List<(byte[] Hash, Principal Principal)>();
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var at = $"{path}: principals[{index++}]";
            var entry = new JsonFields(item, at, "name", "roles", "token_sha256");
            var name = Identities.Name(entry.String("name"), $"{at}.name");
            var roles = entry.Required("roles") is { ValueKind: JsonValueKind.Array } array && array.GetArrayLength() > 0 && array.EnumerateArray().All(role => role.ValueKind == JsonValueKind.String)
                ? array.EnumerateArray().Select(role => Identities.Name(role.GetString(), $"{at}.roles")).ToHashSet(StringComparer.Ordinal)
                : throw new FormatException($"{at}.roles: expected a list of role names, such as [\"{TraderRole}\"].");
            if (roles.FirstOrDefault(role => !Known.Contains(role)) is { } unknown)
            {
                throw new FormatException($"{at}.roles: '{unknown}' is no role; write one of {string.Join(", ", Known)}.");
            }

            var hex = entry.String("token_sha256");
            var hash = hex.Length == 64 && hex.All(char.IsAsciiHexDigitLower) ? Convert.FromHexString(hex) : throw new FormatException($"{at}.token_sha256: expected 64 lowercase hex digits, the SHA-256 of the token ('rulesgate principal new' writes it).");
            if (entries.Any(other => other.Principal.Name == name))
            {
                throw new FormatException($"{at}: the name '{name}' is given twice; a principal is named once.");
            }

            if (entries.Any(other => other.Hash.AsSpan().SequenceEqual(hash)))
            {
                throw new FormatException($"{at}: its token is another principal's; give each principal a token of its own.");
            }

            entries.Add((hash, new Principal(name, roles)));
        }

        return new Principals(entries);
    }

    /// <summary>The principal whose token <paramref name="authorization"/> (<c>Bearer …</c>) carries, or null. Every entry is compared, in constant time.</summary>
    public Principal? Authenticate(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal) || authorization.Length > 512)
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(authorization.AsSpan(7).Trim().ToString()), hash);
        Principal? found = null;
        foreach (var (known, principal) in entries)
        {
            if (CryptographicOperations.FixedTimeEquals(known, hash))
            {
                found = principal;
            }
        }

        return found;
    }

    /// <summary>A new bearer token: 256 random bits, base64url, after <c>rg_</c> so it is recognized in a leak scan.</summary>
    public static string NewToken() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>What the principals file keeps of a token.</summary>
    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
