using System.CommandLine;
using RulesGate.Core;
using RulesGate.Core.Rules;

namespace RulesGate.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CliOptions
{
    public static Option<string?> Cache => PerRun.Get(static () => new Option<string?>("--cache")
    {
        Description = "Folder for compiled rule assemblies, so later runs skip Roslyn; entries are authenticated. Default: $XDG_CACHE_HOME/rulesgate, else ~/.cache/rulesgate; 'none' to disable.",
        Recursive = true,
    });

    /// <summary>
    /// A command's input: the data it reads is always its argument, and <c>-</c> reads standard input. Files that set
    /// the command up (<c>--policy</c>, <c>--portfolio</c>, …) are options.
    /// </summary>
    /// <param name="optional">What it is when left out: null for an input that may be given another way, or a default file.</param>
    public static Argument<string> Input(string name, string description, bool optional = false, string? optionalDefault = null) => new(name)
    {
        Description = description + " Write - to read it from standard input.",
        Arity = optional ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne,
        DefaultValueFactory = optional ? _ => optionalDefault! : null,
        CustomParser = result => result.Tokens.Count == 1 ? RulesGate.Core.StandardInput.Path(result.Tokens[0].Value) : optionalDefault!,
    };

    /// <summary>
    /// <c>--sign KEY.pem</c>: the private key an act on the command line is signed with, since a name typed is no
    /// identity; default <c>$RULESGATE_SIGNING_KEY</c>. A new option each time: a command owns its options.
    /// </summary>
    public static Option<string?> Sign() => new("--sign")
    {
        Description = "Your private key (PEM), made by 'rulesgate key new'; the act is signed with it and refused unless it verifies with a public key workflows/roles.yaml lists for --actor (default $RULESGATE_SIGNING_KEY).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RULESGATE_SIGNING_KEY") is { Length: > 0 } path ? path : null,
    };

    /// <summary>The actor of an act on the command line, signing with the key <paramref name="sign"/> names.</summary>
    /// <exception cref="FormatException">No key was given, or the file is not a private key.</exception>
    public static RulesGate.Core.Signing.Actor Signer(ParseResult parse, Option<string?> sign, string actor, string act)
    {
        var path = parse.GetValue(sign) ?? throw new FormatException($"{act} must be signed by whoever gives it: a name typed proves nobody. Give --sign KEY.pem, your private key (or set RULESGATE_SIGNING_KEY); 'rulesgate key new --person NAME' makes one.");
        return RulesGate.Core.Signing.Actor.Signing(actor, KeyFiles.Load(path, privateKey: true, "rulesgate key new --person NAME"));
    }

    /// <summary><c>--json</c>: the report as one JSON document of the shape given, with the field names of its schema.</summary>
    public static Option<bool> Json(string shape) => new("--json") { Description = $"Print {shape} instead of sentences (schema in docs/schemas/)." };

    /// <summary>The last line of a check: <c>3 files checked, 1 problem.</c></summary>
    public static string Checked(int count, string noun, int problems) =>
        $"{count} {noun}{(count == 1 ? "" : "s")} checked, {(problems == 0 ? "no problems" : problems == 1 ? "1 problem" : $"{problems} problems")}.";

    /// <summary>An option's UTC time, written with Z.</summary>
    /// <exception cref="FormatException">Not a time, or not UTC; names the option.</exception>
    public static DateTimeOffset Utc(string text, string option) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var time) && time.Offset == TimeSpan.Zero && text.Trim().EndsWith('Z')
            ? time
            : throw new FormatException($"{option} '{text}' is not a UTC time; write it with Z, such as 2026-03-01T00:00:00Z.");

    public static RuleEngine Engine(ParseResult parse)
    {
        var cache = parse.GetValue(Cache);
        var directory = cache switch
        {
            "none" => null,
            null => RuleEngine.DefaultCacheDirectory(),
            _ => Folder(cache),
        };
        return new RuleEngine(BuiltInKinds.Registry, directory, warnings: parse.InvocationConfiguration.Error);
    }

    /// <summary>The cache folder given with --cache, made (private) when missing; never silently ignored.</summary>
    /// <exception cref="FormatException">It is a file, or it cannot be made.</exception>
    private static string Folder(string path)
    {
        if (File.Exists(path))
        {
            throw new FormatException($"--cache {path}: a file, not a folder; give a folder (made when missing), or 'none' for no cache.");
        }

        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new FormatException($"--cache {path}: the folder cannot be made ({error.Message.TrimEnd('.')}); give a folder you can write, or 'none' for no cache.");
        }

        return path;
    }
}
