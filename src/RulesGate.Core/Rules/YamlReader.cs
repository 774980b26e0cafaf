using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Rules;

/// <summary>Strict reading of YAML nodes: every error is collected with its position, key path and a fix.</summary>
internal sealed partial class YamlReader(SourceText source)
{
    private readonly List<RuleDiagnostic> diagnostics = [];

    public SourceText Source => source;

    public IReadOnlyList<RuleDiagnostic> Diagnostics => diagnostics;

    public bool HasErrors => diagnostics.Count > 0;

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"^[-+]?\.(inf|Inf|INF)\z|^\.(nan|NaN|NAN)\z")]
    private static partial Regex NonFinitePattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")]
    private static partial Regex TimestampPattern();

    /// <summary>Parses the whole file; null (with a diagnostic) when it is not YAML or not a single mapping.</summary>
    public YamlMappingNode? ParseDocument()
    {
        if (YamlLimits.Check(source.Text) is var (where, limit, fix))
        {
            Error(where.Line > 0 ? source.At((int)where.Line, (int)where.Column) : source.At(1, 1), "RG1008", "", limit, fix);
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(source.Text));
        }
        catch (YamlException error)
        {
            var message = error.InnerException?.Message ?? error.Message;
            var hint = message.Contains("Duplicate key", StringComparison.OrdinalIgnoreCase)
                ? "Write each key once."
                : "Check the indentation and quoting on this line; quote expressions that contain ': ' or start with a special character.";
            Error(error.Start, "RG1001", "", $"Not valid YAML: {StripMark(message)}", hint);
            return null;
        }
        catch (InvalidOperationException)
        {
            Error(Mark.Empty, "RG1001", "", "Not valid YAML: the parser could not read the file.", "Check the brackets and quotes: a [ or { must be closed, and a value that spans lines must be quoted.");
            return null;
        }

        if (stream.Documents.Count != 1)
        {
            Error(source.At(1, 1), "RG1001", "", $"Expected one YAML document, found {stream.Documents.Count}.", "Keep one rule file per file, without '---' separators.");
            return null;
        }

        return Mapping(stream.Documents[0].RootNode, "");
    }

    public void Error(Mark mark, string code, string path, string message, string hint = "", int length = 1) =>
        Error(source.At((int)mark.Line, (int)mark.Column), code, path, message, hint, length);

    public void Error(YamlNode node, string code, string path, string message, string hint = "") =>
        Error(node.Start, code, path, message, hint, Width(node));

    public void Error(SourceLocation location, string code, string path, string message, string hint = "", int length = 1) =>
        diagnostics.Add(RuleDiagnostic.At(location, source, code, path, message, hint, length));

    public YamlMappingNode? Mapping(YamlNode node, string path)
    {
        if (node is YamlMappingNode mapping)
        {
            return mapping;
        }

        Error(node, "RG1004", path, $"Expected a mapping of keys to values, found {Describe(node)}.", "Write 'key: value' pairs indented under this key.");
        return null;
    }

    public YamlSequenceNode? Sequence(YamlNode node, string path)
    {
        if (node is YamlSequenceNode sequence)
        {
            return sequence;
        }

        Error(node, "RG1004", path, $"Expected a list, found {Describe(node)}.", "Write one '- item' per line.");
        return null;
    }

    /// <summary>The mapping's entries by key; unknown keys and missing required ones are reported.</summary>
    public Dictionary<string, YamlNode> Entries(YamlMappingNode mapping, string path, string[] allowed, string[] required)
    {
        var entries = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var meant = new HashSet<string>(StringComparer.Ordinal);   // required keys an unknown key is a typo of: told once, there
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                var guess = Naming.Closest(key, allowed);
                if (guess is not null && required.Contains(guess, StringComparer.Ordinal))
                {
                    meant.Add(guess);
                }

                var hint = guess is null
                    ? $"Allowed here: {Naming.OneOf(allowed)}."
                    : $"Did you mean '{guess}'? Allowed here: {Naming.OneOf(allowed)}.";
                Error(keyNode, "RG1002", Join(path, key), $"Unknown key '{key}'.", hint);
                continue;
            }

            entries[key] = value;
        }

        foreach (var key in required)
        {
            if (!entries.ContainsKey(key) && !meant.Contains(key) && !mapping.Children.Any(pair => (pair.Key as YamlScalarNode)?.Value == key))
            {
                Error(mapping, "RG1003", Join(path, key), $"Missing required key '{key}'.", $"Add '{key}:' to {(path.Length == 0 ? "the file" : path)}.");
            }
        }

        return entries;
    }

    public string? String(YamlNode node, string path, bool allowEmpty = false)
    {
        if (node is not YamlScalarNode scalar || (IsNull(scalar) && !allowEmpty))
        {
            Error(node, "RG1004", path, $"Expected text, found {Describe(node)}.", "Write a single value on the same line as the key.");
            return null;
        }

        var value = scalar.Value ?? "";
        if (!allowEmpty && value.Trim().Length == 0)
        {
            Error(node, "RG1005", path, "The value is empty.", "Write a non-empty value.");
            return null;
        }

        return value;
    }

    public int? Integer(YamlNode node, string path, int min)
    {
        if (node is not YamlScalarNode { Style: ScalarStyle.Plain } scalar
            || !int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, "RG1004", path, $"Expected a whole number, found {Describe(node)}.", $"Write a whole number ≥ {min}, without quotes.");
            return null;
        }

        if (value < min)
        {
            Error(node, "RG1005", path, $"{value} is out of range.", $"Write a whole number ≥ {min}.");
            return null;
        }

        return value;
    }

    /// <summary>One of <paramref name="allowed"/>, exactly as spelled there.</summary>
    public string? Choice(YamlNode node, string path, string[] allowed)
    {
        var value = String(node, path);
        if (value is null)
        {
            return null;
        }

        if (allowed.Contains(value, StringComparer.Ordinal))
        {
            return value;
        }

        var match = allowed.FirstOrDefault(choice => string.Equals(choice, value, StringComparison.OrdinalIgnoreCase));
        var guess = Naming.Closest(value, allowed);
        var hint = match is not null ? $"Write '{match}'." : guess is not null ? $"Did you mean '{guess}'? Write one of: {Naming.OneOf(allowed)}." : $"Write one of: {Naming.OneOf(allowed)}.";
        Error(node, "RG1005", path, $"'{value}' is not allowed here.", hint);
        return null;
    }

    public static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The type a plain YAML value suggests: a number, a bool, a UTC timestamp or text.</summary>
    public static ParamType Infer(YamlScalarNode scalar) => scalar switch
    {
        { Style: not ScalarStyle.Plain } when TimestampPattern().IsMatch(scalar.Value ?? "") => ParamType.Timestamp,
        { Style: not ScalarStyle.Plain } => ParamType.String,
        _ when NumberPattern().IsMatch(scalar.Value ?? "") || NonFinitePattern().IsMatch(scalar.Value ?? "") => ParamType.Number,
        _ when scalar.Value is "true" or "false" => ParamType.Bool,
        _ when TimestampPattern().IsMatch(scalar.Value ?? "") => ParamType.Timestamp,
        _ => ParamType.String,
    };

    /// <summary>Reads a parameter value of the given spec; reports and returns false when it does not fit.</summary>
    public bool ParamValue(YamlNode node, string path, ParamSpec spec, out object? value)
    {
        value = null;
        if (node is YamlScalarNode nullable && IsNull(nullable))
        {
            if (spec.Nullable)
            {
                return true;
            }

            Error(node, "RG1005", path, "null is not allowed here.", $"Write {Expected(spec)}.");
            return false;
        }

        if (spec.Type is ParamType.NumberList or ParamType.StringList)
        {
            return ListValue(node, path, spec, out value);
        }

        if (node is not YamlScalarNode scalar)
        {
            Error(node, "RG1004", path, $"Expected {Expected(spec)}, found {Describe(node)}.", $"Write {Expected(spec)}.");
            return false;
        }

        var text = scalar.Value ?? "";
        switch (spec.Type)
        {
            case ParamType.Number or ParamType.Integer:
                if (scalar.Style == ScalarStyle.Plain && NonFinitePattern().IsMatch(text))
                {
                    Error(node, "RG1005", path, $"{text} is not a finite number.", $"Write {Expected(spec)}: a limit that is infinite or not a number would switch its rule off.");
                    return false;
                }

                if (scalar.Style != ScalarStyle.Plain || !NumberPattern().IsMatch(text))
                {
                    Error(node, "RG1004", path, $"Expected {Expected(spec)}, found {Describe(node)}.", $"Write {Expected(spec)}, without quotes.");
                    return false;
                }

                var number = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (!double.IsFinite(number))
                {
                    Error(node, "RG1005", path, $"{text} is too large to be a finite number.", $"Write {Expected(spec)}: a limit that is infinite would switch its rule off.");
                    return false;
                }

                if (spec.Type == ParamType.Integer && (number != Math.Floor(number) || Math.Abs(number) > int.MaxValue))
                {
                    Error(node, "RG1004", path, $"Expected a whole number, found {text}.", "Write a whole number, such as 10.");
                    return false;
                }

                if (!spec.InRange(number))
                {
                    Error(node, "RG1005", path, $"{text} is out of range.", $"Write a number {spec.RangeText()}.");
                    return false;
                }

                value = spec.Type == ParamType.Integer ? (object)(int)number : number;
                return true;
            case ParamType.Bool:
                if (scalar.Style != ScalarStyle.Plain || text is not ("true" or "false"))
                {
                    Error(node, "RG1004", path, $"Expected true or false, found {Describe(node)}.", "Write true or false, without quotes.");
                    return false;
                }

                value = text == "true";
                return true;
            case ParamType.Timestamp:
                return Timestamp(scalar, path, out value);
            default:
                value = text;
                return true;
        }
    }

    private bool Timestamp(YamlScalarNode scalar, string path, out object? value)
    {
        value = null;
        var text = scalar.Value ?? "";
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            Error(scalar, "RG1004", path, $"'{text}' is not a timestamp.", "Write an ISO 8601 UTC time, such as 2026-01-31T16:00:00Z.");
            return false;
        }

        var explicitUtc = text.EndsWith('Z') || text.EndsWith('z') || text.EndsWith("+00:00", StringComparison.Ordinal);
        if (!explicitUtc || time.Offset != TimeSpan.Zero)
        {
            Error(scalar, "RG1007", path, $"'{text}' is not in UTC.", $"Write it in UTC with a Z, such as {time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}.");
            return false;
        }

        value = time;
        return true;
    }

    private bool ListValue(YamlNode node, string path, ParamSpec spec, out object? value)
    {
        value = null;
        if (Sequence(node, path) is not { } sequence)
        {
            return false;
        }

        var itemSpec = spec with { Type = spec.Type == ParamType.NumberList ? ParamType.Number : ParamType.String, Nullable = false };
        var ok = true;
        var numbers = new List<double>();
        var strings = new List<string>();
        var index = 0;
        foreach (var item in sequence.Children)
        {
            if (ParamValue(item, $"{path}[{index}]", itemSpec, out var itemValue))
            {
                if (itemValue is double number)
                {
                    numbers.Add(number);
                }
                else
                {
                    strings.Add((string)itemValue!);
                }
            }
            else
            {
                ok = false;
            }

            index++;
        }

        value = spec.Type == ParamType.NumberList ? numbers.AsReadOnly() : strings.AsReadOnly();
        return ok;
    }

    public static string Expected(ParamSpec spec)
    {
        var range = spec.RangeText();
        var what = spec.Type switch
        {
            ParamType.Number => "a number",
            ParamType.Integer => "a whole number",
            ParamType.Bool => "true or false",
            ParamType.String => "text",
            ParamType.Timestamp => "a UTC timestamp such as 2026-01-31T16:00:00Z",
            ParamType.NumberList => "a list of numbers",
            _ => "a list of text values",
        };
        return (range.Length > 0 ? $"{what} {range}" : what) + (spec.Nullable ? " (or null)" : "");
    }

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar when IsNull(scalar) => "nothing (null)",
        YamlScalarNode scalar => $"'{Shorten(scalar.Value ?? "")}'",
        _ => "something else",
    };

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

    private static int Width(YamlNode node) =>
        node.Start.Line == node.End.Line ? Math.Max(1, (int)(node.End.Column - node.Start.Column)) : 1;

    private static string StripMark(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (…): "; the location is shown separately.
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 && message.StartsWith('(') ? message[(cut + 3)..] : message;
    }
}
