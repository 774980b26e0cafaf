using System.Globalization;
using System.Text.Json;

namespace RulesGate.Core.Serialization;

/// <summary>Strict reading of one JSON object: unknown keys and wrong types are a <see cref="FormatException"/> naming the path.</summary>
internal sealed class JsonFields
{
    private readonly JsonElement element;
    private readonly string path;

    public JsonFields(JsonElement element, string path, params string[] allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{path}: expected an object, found {element.ValueKind.ToString().ToLowerInvariant()}.");
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new FormatException($"{path}.{property.Name}: unknown key; allowed: {string.Join(", ", allowed)}.");
            }
        }

        this.element = element;
        this.path = path;
    }

    public bool Has(string name) => element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public JsonElement Required(string name) =>
        Has(name) ? element.GetProperty(name) : throw new FormatException($"{path}.{name}: required.");

    /// <summary>A key that must be there but may be <c>null</c>.</summary>
    public JsonElement Present(string name) =>
        element.TryGetProperty(name, out var value) ? value : throw new FormatException($"{path}.{name}: required (null when there is none).");

    public JsonFields Object(string name, params string[] allowed) => new(Required(name), $"{path}.{name}", allowed);

    public string String(string name)
    {
        var value = Required(name);
        return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"{path}.{name}: expected non-empty text.");
    }

    /// <summary>An identity (an id, a symbol, a strategy): normalized by <see cref="Identities.Id"/>.</summary>
    public string Id(string name) => Identities.Id(String(name), $"{path}.{name}");

    public double Number(string name) => Number(Required(name), $"{path}.{name}");

    public double Number(string name, double fallback) => Has(name) ? Number(name) : fallback;

    public double? OptionalNumber(string name) => Has(name) ? Number(name) : null;

    public int Count(string name) => Has(name) ? Count(Required(name), $"{path}.{name}") : 0;

    public bool Bool(string name) =>
        !Has(name) ? false : Required(name).ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new FormatException($"{path}.{name}: expected true or false."),
        };

    public DateTimeOffset Timestamp(string name) => Timestamp(String(name), $"{path}.{name}");

    /// <summary>An ISO 8601 time that says it is UTC (Z or +00:00).</summary>
    /// <exception cref="FormatException">It is not a time, or not UTC; names <paramref name="at"/>.</exception>
    public static DateTimeOffset Timestamp(string text, string at)
    {
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw new FormatException($"{at}: '{text}' is not an ISO 8601 timestamp.");
        }

        if (time.Offset != TimeSpan.Zero || !(text.EndsWith('Z') || text.EndsWith("+00:00", StringComparison.Ordinal)))
        {
            throw new FormatException($"{at}: '{text}' is not UTC; write it with Z, such as 2026-01-31T16:00:00Z.");
        }

        return time;
    }

    public T Choice<T>(string name)
        where T : struct, Enum
    {
        var text = String(name);
        return Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, CultureInfo.InvariantCulture, out _)
            ? value
            : throw new FormatException($"{path}.{name}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
    }

    public Dictionary<string, double> NumberMap(string name) => Map(name, Number);

    public Dictionary<string, int> CountMap(string name) => Map(name, Count);

    private Dictionary<string, T> Map<T>(string name, Func<JsonElement, string, T> read)
    {
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        if (!Has(name))
        {
            return map;
        }

        var value = Required(name);
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{path}.{name}: expected an object of symbol to value.");
        }

        foreach (var property in value.EnumerateObject())
        {
            // Keys are symbols and strategies: compared after normalization, so two spellings of one are one key, refused.
            var key = Identities.Id(property.Name, $"key of {path}.{name}");
            if (!map.TryAdd(key, read(property.Value, $"{path}.{name}.{property.Name}")))
            {
                throw new FormatException($"{path}.{name}: '{property.Name}' and another key are both '{key}' once normalized; write each once.");
            }
        }

        return map;
    }

    /// <summary>
    /// The largest magnitude an input number may have, 10^15: beyond any price, quantity or amount a desk trades,
    /// and small enough that every figure RulesGate derives from it (sums, decimals, percentages) stays exact.
    /// </summary>
    public const double MaxMagnitude = 1e15;

    /// <summary>A number read from an input: finite and at most <see cref="MaxMagnitude"/> in size, else the field is named.</summary>
    /// <exception cref="FormatException">It is not such a number; says where and what to write.</exception>
    public static double Number(JsonElement value, string at) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number)
            ? Math.Abs(number) <= MaxMagnitude ? number : throw new FormatException($"{at}: {value.GetRawText()} is outside what RulesGate computes with; write a number from -1e15 to 1e15.")
            : throw new FormatException($"{at}: expected a finite number.");

    private static int Count(JsonElement value, string at) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count) && count >= 0
            ? count
            : throw new FormatException($"{at}: expected a whole number ≥ 0.");
}
