using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;

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
        return Parse(path, File.ReadAllText(path), read);
    }

    /// <summary>Every non-blank line of a JSONL file; a bad line is an error naming its number.</summary>
    public static T[] ReadLines<T>(string path, Func<JsonElement, T> read)
    {
        Commands.RulesCommand.RequireExists(path);
        return [.. File.ReadLines(path).Select((line, i) => (line, i)).Where(pair => pair.line.Trim().Length > 0).Select(pair => Parse($"{path}:{pair.i + 1}", pair.line, read))];
    }

    private static T Parse<T>(string where, string json, Func<JsonElement, T> read)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return read(document.RootElement);
        }
        catch (JsonException failure)
        {
            throw new FormatException($"{where}: not valid JSON: {failure.Message}", failure);
        }
        catch (FormatException failure)
        {
            throw new FormatException($"{where}: {failure.Message}", failure);
        }
    }
}
