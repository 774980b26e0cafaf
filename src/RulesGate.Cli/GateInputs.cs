using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Cli;

/// <summary>Reading the gate's inputs from files: every problem names the file it is in.</summary>
internal static class GateInputs
{
    /// <summary>The gate for a CapitalPolicy or PolicyGate policy file, or null after printing its problems.</summary>
    public static CapitalGate? Gate(RuleEngine engine, string path, TextWriter error)
    {
        Commands.RulesCommand.RequireExists(path);
        var loaded = CapitalPolicies.Load(engine, path);
        if (loaded.Value is { } bundle)
        {
            return new CapitalGate(bundle);
        }

        Commands.RulesCommand.Report(loaded.Diagnostics, error);
        return null;
    }

    public static T Read<T>(string path, Func<JsonElement, T> read)
    {
        Commands.RulesCommand.RequireExists(path);
        return Parse(path, 1, StrictJson.ReadText(path), read);
    }

    /// <summary>Every non-blank line of a JSONL file; a bad line is an error naming its number.</summary>
    public static T[] ReadLines<T>(string path, Func<JsonElement, T> read)
    {
        Commands.RulesCommand.RequireExists(path);
        return [.. StrictJson.ReadLines(path).Where(line => line.Text.Trim().Length > 0).Select(line => Parse(path, line.Line, line.Text, read))];
    }

    private static T Parse<T>(string path, int line, string json, Func<JsonElement, T> read)
    {
        using var document = StrictJson.Parse(json, path, line);
        try
        {
            return read(document.RootElement);
        }
        catch (FormatException failure)
        {
            throw new FormatException($"{path}:{line}: {failure.Message}", failure);
        }
    }
}
