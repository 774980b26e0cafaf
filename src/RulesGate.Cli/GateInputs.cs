using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Serialization;

namespace RulesGate.Cli;

/// <summary>Reading the gate's inputs from files: every problem names the file it is in.</summary>
internal static class GateInputs
{
    /// <summary>The gate for a CapitalPolicy or PolicyGate policy file, or null after printing its problems.</summary>
    public static CapitalGate? Gate(RuleEngine engine, string path, TextWriter error) => Policy(engine, path, error) is { } bundle ? new CapitalGate(bundle) : null;

    /// <summary>A CapitalPolicy or PolicyGate policy file, compiled, or null after printing its problems.</summary>
    public static RuleBundle? Policy(RuleEngine engine, string path, TextWriter error)
    {
        Commands.RulesCommand.RequireExists(path);
        var loaded = CapitalPolicies.Load(engine, path);
        if (loaded.Value is { } bundle)
        {
            return bundle;
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

    /// <summary>
    /// Every non-blank line of a JSONL file of any size, read as it is taken, with its place (<c>file:line</c>); a line
    /// that is not JSON, or that <paramref name="read"/> refuses, is an error naming it.
    /// </summary>
    public static IEnumerable<(string Where, T Item)> StreamLines<T>(string path, Func<JsonElement, T> read)
    {
        Commands.RulesCommand.RequireExists(path);
        return StrictJson.StreamLines(path).Where(line => line.Text.Trim().Length > 0).Select(line => ($"{path}:{line.Line}", Parse(path, line.Line, line.Text, read)));
    }

    /// <summary>Every non-blank line of a JSONL file as JSON, with its place (<c>file:line</c>); a line that is not JSON is an error naming it.</summary>
    public static IEnumerable<(string Where, JsonElement Line)> ReadLinesWithPlaces(string path) =>
        ReadLines(path, json => json.Clone()).Zip(StrictJson.ReadLines(path).Where(line => line.Text.Trim().Length > 0), (json, line) => ($"{path}:{line.Line}", json));

    /// <summary>
    /// Every non-blank line of a JSONL file, all or nothing: each malformed line is printed with its number and then
    /// one line says nothing was taken; null in that case.
    /// </summary>
    public static List<T>? ReadAllLines<T>(string path, Func<JsonElement, T> read, TextWriter error)
    {
        Commands.RulesCommand.RequireExists(path);
        var lines = StrictJson.ReadLines(path);

        if (lines.Count == 0)
        {
            return [];
        }

        // Lines are parsed on every core (read is a pure function of its line), and taken in file order.
        var items = new T[lines.Count];
        var problems = new string?[lines.Count];
        var blank = new bool[lines.Count];

        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, lines.Count, 4096), range =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                var (number, line) = lines[i];
                if (string.IsNullOrWhiteSpace(line))
                {
                    blank[i] = true;
                    continue;
                }

                try
                {
                    items[i] = Parse(path, number, line, read);
                }
                catch (FormatException failure)
                {
                    problems[i] = failure.Message;
                }
            }
        });

        var failed = problems.OfType<string>().ToList();
        if (failed.Count == 0)
        {
            return [.. items.Where((_, i) => !blank[i])];
        }

        failed.ForEach(error.WriteLine);
        error.WriteLine($"rulesgate: {failed.Count} malformed {(failed.Count == 1 ? "line" : "lines")}; nothing of {path} was ingested.");
        return null;
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
