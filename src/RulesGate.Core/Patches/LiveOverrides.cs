using System.Globalization;
using System.Text;
using Tomlyn;
using Tomlyn.Model;

namespace RulesGate.Core.Patches;

/// <summary>
/// The live-overrides TOML file the trading system reads: accepted patches go into its <c>[auto_applied]</c> table,
/// every other table is kept. Read strictly (a file that is not TOML is an error, never replaced by an empty one).
/// The file is never written here: a change journals the bytes it leads to, and an effect puts them in place
/// (<see cref="AtomicFile"/>), so a reader sees the old file or the new one, and a crash between leaves the effect to do.
/// </summary>
public static class LiveOverrides
{
    public const string DefaultPath = "config/live_overrides/auto.toml";

    public const string Table = "auto_applied";

    private const int MaxBytes = 1 << 20;

    private static readonly TomlSerializerOptions Options = new() { DuplicateKeyHandling = TomlDuplicateKeyHandling.Error, MaxDepth = 32 };

    /// <summary>The file's bytes, or null when there is no file yet.</summary>
    /// <exception cref="FormatException">The path is a folder.</exception>
    public static byte[]? Snapshot(string path) =>
        Directory.Exists(path) ? throw new FormatException($"{path}: is a folder; give the live-overrides TOML file, such as {DefaultPath}.")
        : File.Exists(path) ? InputFile.Read(path, MaxBytes) : null;

    /// <summary>The values of <c>[auto_applied]</c> in the file on disk by target; empty when there is no file or no table.</summary>
    /// <exception cref="FormatException">The file is not TOML, or its table is not a table; names the file, line and column.</exception>
    public static IReadOnlyDictionary<string, double> Applied(string path) => Applied(path, Snapshot(path));

    /// <summary>The values of <c>[auto_applied]</c> in <paramref name="bytes"/> (the file as it is or will be) by target; empty for no file or no table.</summary>
    /// <exception cref="FormatException">The file is not TOML, or its table is not a table; names the file, line and column.</exception>
    public static IReadOnlyDictionary<string, double> Applied(string path, byte[]? bytes) =>
        Parse(path, bytes) is { } model && model.TryGetValue(Table, out var table) && table is TomlTable applied
            ? applied.Where(pair => pair.Value is double or long).ToDictionary(pair => pair.Key, pair => Convert.ToDouble(pair.Value, CultureInfo.InvariantCulture), StringComparer.Ordinal)
            : new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>The file <paramref name="before"/> becomes with each target of <paramref name="values"/> set in <c>[auto_applied]</c> (in order, the later winning).</summary>
    /// <exception cref="FormatException">The file is not TOML, or its <c>auto_applied</c> is not a table.</exception>
    public static byte[] Applying(string path, byte[]? before, IReadOnlyList<KeyValuePair<string, double>> values)
    {
        var model = Parse(path, before) ?? [];
        if (!model.TryGetValue(Table, out var existing))
        {
            existing = new TomlTable();
            model[Table] = existing;
        }

        if (existing is not TomlTable table)
        {
            throw new FormatException($"{path}: '{Table}' is not a table; RulesGate writes its values into a [{Table}] table.");
        }

        foreach (var (target, value) in values)
        {
            table[target] = value;
        }

        return Encoding.UTF8.GetBytes(TomlSerializer.Serialize(model, Options));
    }

    /// <summary>
    /// The file <paramref name="before"/> becomes with each target put back to the value it had (a null value removes
    /// the key), after checking that each still holds the value it was given (<c>Expected</c>); every other key and
    /// table is kept.
    /// </summary>
    /// <exception cref="FormatException">The file is not TOML, or a target was changed since; names it.</exception>
    public static byte[] Restoring(string path, byte[]? before, IReadOnlyList<(string Target, double Expected, double? Before)> targets)
    {
        var model = Parse(path, before) ?? [];
        var table = model.TryGetValue(Table, out var existing) && existing is TomlTable found ? found : [];
        foreach (var (target, expected, _) in targets)
        {
            if (!table.TryGetValue(target, out var value) || value is not (double or long) || Convert.ToDouble(value, CultureInfo.InvariantCulture) != expected)
            {
                throw new FormatException($"{path}: {target} is no longer {expected.ToString(CultureInfo.InvariantCulture)} (it is {(value is null ? "gone" : Convert.ToString(value, CultureInfo.InvariantCulture))}); it was changed since, so RulesGate will not overwrite it; put it back by hand.");
            }
        }

        foreach (var (target, _, old) in targets)
        {
            if (old is { } value)
            {
                table[target] = value;
            }
            else
            {
                table.Remove(target);
            }
        }

        model[Table] = table;
        return Encoding.UTF8.GetBytes(TomlSerializer.Serialize(model, Options));
    }

    private static TomlTable? Parse(string path, byte[]? bytes)
    {
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return TomlSerializer.Deserialize<TomlTable>(new UTF8Encoding(false, true).GetString(bytes), Options with { SourceName = path }) ?? [];
        }
        catch (Exception error) when (error is TomlException or DecoderFallbackException)
        {
            throw new FormatException($"{path}: not a TOML file RulesGate can keep ({error.Message.Trim()}); fix or move it: RulesGate never replaces an overrides file it cannot read.", error);
        }
    }
}
