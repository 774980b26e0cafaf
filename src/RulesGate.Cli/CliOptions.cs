using System.CommandLine;
using RulesGate.Core;
using RulesGate.Core.Rules;

namespace RulesGate.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CliOptions
{
    public const string DefaultCache = "artifacts/cache";

    public static readonly Option<string?> Cache = new("--cache")
    {
        Description = $"Folder for compiled rule assemblies, so later runs skip Roslyn. Default: {DefaultCache} when ./artifacts exists; 'none' to disable.",
        Recursive = true,
    };

    public static RuleEngine Engine(ParseResult parse)
    {
        var cache = parse.GetValue(Cache);
        var directory = cache switch
        {
            "none" => null,
            null => Directory.Exists("artifacts") ? DefaultCache : null,
            _ => cache,
        };
        return new RuleEngine(BuiltInKinds.Registry, directory);
    }
}
