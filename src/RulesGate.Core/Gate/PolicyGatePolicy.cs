using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using RulesGate.Core.Rules;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Gate;

/// <summary>
/// Reads a PolicyGate Capital policy (<c>version: "0.1"</c>), validated with PolicyGate's own ranges, and turns it
/// into a RulesGate <c>CapitalPolicy</c> file: its limits become the params and overrides of the standard capital
/// rules (<c>rules/capital/default.yaml</c>, whose <c>derive</c> and <c>rules</c> are copied verbatim).
/// </summary>
/// <remarks>
/// RulesGate applies overrides field by field, so an override block may name only the fields it changes;
/// PolicyGate replaced whole blocks. <c>defaults.decision</c> is accepted and, as in PolicyGate, not used.
/// </remarks>
internal static partial class PolicyGatePolicy
{
    private const int Year = 365 * 24 * 3600;

    private static readonly string[] TopKeys = ["version", "timezone", "defaults", "limits", "overrides"];
    private static readonly string[] Blocks = ["exposure", "loss", "execution"];

    private static readonly Dictionary<string, ParamSpec> Specs = new(StringComparer.Ordinal)
    {
        ["exposure.max_position_pct"] = new(ParamType.Number, Min: 0, MinExclusive: true, Max: 1),
        ["exposure.max_gross_exposure_x"] = new(ParamType.Number, Min: 0, MinExclusive: true),
        ["exposure.max_net_exposure_x"] = new(ParamType.Number, Nullable: true, Min: 0, MinExclusive: true),
        ["loss.daily_loss_limit_pct"] = new(ParamType.Number, Min: 0, MinExclusive: true, Max: 1),
        ["loss.max_drawdown_pct"] = new(ParamType.Number, Min: 0, MinExclusive: true, Max: 1),
        ["execution.max_orders_per_minute_global"] = new(ParamType.Integer, Min: 1, Max: 10_000),
        ["execution.max_orders_per_minute_by_strategy"] = new(ParamType.Integer, Min: 1, Max: 10_000),
        ["kill_switch.trip_on_rules"] = new(ParamType.StringList),
        ["kill_switch.trip_after_n_violations"] = new(ParamType.Integer, Min: 1, Max: 10_000),
        ["kill_switch.violation_window_seconds"] = new(ParamType.Integer, Min: 1, Max: Year),
    };

    private static readonly string[] Optional = ["exposure.max_net_exposure_x", "kill_switch.trip_on_rules"];

    /// <summary>True when the file looks like a PolicyGate policy: YAML without <c>apiVersion</c>, with <c>limits</c>.</summary>
    public static bool Recognize(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        return !ApiVersionLine().IsMatch(text) && LimitsLine().IsMatch(text);
    }

    /// <summary>The RulesGate rule file for a PolicyGate policy, or the policy's problems with file:line:col.</summary>
    public static RuleResult<byte[]> Translate(string path, byte[] bytes)
    {
        var reader = new YamlReader(new SourceText(path, new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF')));
        if (reader.ParseDocument() is not { } root)
        {
            return RuleResult<byte[]>.Failure(reader.Diagnostics);
        }

        var top = reader.Entries(root, "", TopKeys, ["limits"]);
        if (top.TryGetValue("version", out var version) && reader.String(version, "version") is { } v && v != "0.1")
        {
            reader.Error(version, "RG1005", "version", $"PolicyGate policy version '{v}' is not supported.", "Write version: \"0.1\".");
        }

        if (top.TryGetValue("timezone", out var zone) && reader.String(zone, "timezone") is { } tz && !tz.Equals("UTC", StringComparison.OrdinalIgnoreCase))
        {
            reader.Error(zone, "RG1007", "timezone", $"'{tz}' is not UTC; PolicyGate v0.1 policies are in UTC.", "Write timezone: UTC.");
        }

        var mode = "enforce";
        if (top.TryGetValue("defaults", out var defaultsNode) && reader.Mapping(defaultsNode, "defaults") is { } defaults)
        {
            var entries = reader.Entries(defaults, "defaults", ["mode", "decision"], []);
            mode = entries.TryGetValue("mode", out var modeNode) ? reader.Choice(modeNode, "defaults.mode", ["enforce", "monitor"]) ?? mode : mode;
            if (entries.TryGetValue("decision", out var decision))
            {
                reader.Choice(decision, "defaults.decision", ["deny", "allow"]);
            }
        }

        var limits = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        if (top.TryGetValue("limits", out var limitsNode))
        {
            Block(reader, limitsNode, "limits", [.. Blocks, "kill_switch"], complete: true, limits);
        }

        var overrides = new List<(string Scope, string Key, SortedDictionary<string, object?> Values)>();
        if (top.TryGetValue("overrides", out var overridesNode) && reader.Mapping(overridesNode, "overrides") is { } overridesMap)
        {
            foreach (var (scope, node) in reader.Entries(overridesMap, "overrides", ["symbols", "strategies"], []))
            {
                if (reader.Mapping(node, $"overrides.{scope}") is not { } byKey)
                {
                    continue;
                }

                foreach (var (keyNode, block) in byKey.Children)
                {
                    var key = ((YamlScalarNode)keyNode).Value ?? "";
                    var values = new SortedDictionary<string, object?>(StringComparer.Ordinal);
                    Block(reader, block, $"overrides.{scope}.{key}", Blocks, complete: false, values);
                    overrides.Add((scope, key, values));
                }
            }
        }

        if (reader.HasErrors)
        {
            return RuleResult<byte[]>.Failure(reader.Diagnostics);
        }

        return RuleResult<byte[]>.Success(Encoding.UTF8.GetBytes(Render(path, bytes, mode, limits, overrides)));
    }

    /// <summary>Reads <c>exposure</c>, <c>loss</c>, … of a limits or override mapping into dotted paths.</summary>
    private static void Block(YamlReader reader, YamlNode node, string path, string[] blocks, bool complete, SortedDictionary<string, object?> into)
    {
        if (reader.Mapping(node, path) is not { } mapping)
        {
            return;
        }

        foreach (var (block, blockNode) in reader.Entries(mapping, path, blocks, complete ? blocks : []))
        {
            if (reader.Mapping(blockNode, $"{path}.{block}") is not { } fields)
            {
                continue;
            }

            var names = Specs.Keys.Where(key => key.StartsWith(block + ".", StringComparison.Ordinal)).Select(key => key[(block.Length + 1)..]).ToArray();
            var required = complete ? names.Where(name => !Optional.Contains($"{block}.{name}")).ToArray() : [];
            foreach (var (name, valueNode) in reader.Entries(fields, $"{path}.{block}", names, required))
            {
                if (reader.ParamValue(valueNode, $"{path}.{block}.{name}", Specs[$"{block}.{name}"], out var value))
                {
                    into[$"{block}.{name}"] = value;
                }
            }
        }
    }

    private static string Render(string path, byte[] bytes, string mode, SortedDictionary<string, object?> limits, List<(string Scope, string Key, SortedDictionary<string, object?> Values)> overrides)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var id = IdCharacters().Replace(name, "-").Trim('-', '.', '_', ':');
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# Made by RulesGate from the PolicyGate policy {Path.GetFileName(path)} (sha256 {sha}).\n");
        text.Append("apiVersion: rulesgate/v1\nkind: CapitalPolicy\nmetadata:\n");
        text.Append(CultureInfo.InvariantCulture, $"  id: {Quote(id.Length == 0 ? "policygate" : id)}\n  version: 1\n");
        text.Append(CultureInfo.InvariantCulture, $"  description: {Quote($"PolicyGate policy {Path.GetFileName(path)}, sha256 {sha[..12]}")}\n");
        text.Append(CultureInfo.InvariantCulture, $"mode: {mode}\nparams:\n");
        limits.TryAdd("exposure.max_net_exposure_x", null);
        limits.TryAdd("kill_switch.trip_on_rules", Array.Empty<string>());
        limits["exposure.lot_size"] = 1e-8;
        limits["market.max_price_age_seconds"] = null;
        Tree(text, limits, "  ");
        if (overrides.Count > 0)
        {
            text.Append("overrides:\n");
            foreach (var scope in overrides.Select(o => o.Scope).Distinct().Order(StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"  {scope}:\n");
                foreach (var (_, key, values) in overrides.Where(o => o.Scope == scope).OrderBy(o => o.Key, StringComparer.Ordinal))
                {
                    text.Append(CultureInfo.InvariantCulture, $"    {Quote(key)}:{(values.Count == 0 ? " {}" : "")}\n");
                    Tree(text, values, "      ");
                }
            }
        }

        return text.Append(StandardRules()).ToString();
    }

    private static void Tree(StringBuilder text, SortedDictionary<string, object?> values, string indent)
    {
        foreach (var group in values.GroupBy(pair => pair.Key[..pair.Key.IndexOf('.', StringComparison.Ordinal)]))
        {
            text.Append(CultureInfo.InvariantCulture, $"{indent}{group.Key}:\n");
            foreach (var (key, value) in group)
            {
                text.Append(CultureInfo.InvariantCulture, $"{indent}  {key[(group.Key.Length + 1)..]}: {Scalar(value)}\n");
            }
        }
    }

    private static string Scalar(object? value) => value switch
    {
        null => "null",
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        int number => number.ToString(CultureInfo.InvariantCulture),
        IEnumerable<string> items => $"[{string.Join(", ", items.Select(Quote))}]",
        _ => Quote(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
    };

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    /// <summary>The <c>derive</c> and <c>rules</c> sections of the standard capital rules, as written.</summary>
    internal static string StandardRules()
    {
        using var stream = typeof(PolicyGatePolicy).Assembly.GetManifestResourceStream("RulesGate.StandardCapitalRules.yaml")
            ?? throw new InvalidOperationException("The standard capital rules are missing from RulesGate.Core.");
        var text = new StreamReader(stream, Encoding.UTF8).ReadToEnd();
        var start = DeriveLine().Match(text);
        return start.Success ? "\n" + text[start.Index..] : throw new InvalidOperationException("The standard capital rules have no top-level 'derive:' section.");
    }

    [GeneratedRegex(@"^apiVersion\s*:", RegexOptions.Multiline)]
    private static partial Regex ApiVersionLine();

    [GeneratedRegex(@"^limits\s*:", RegexOptions.Multiline)]
    private static partial Regex LimitsLine();

    [GeneratedRegex(@"^derive\s*:", RegexOptions.Multiline)]
    private static partial Regex DeriveLine();

    [GeneratedRegex(@"[^A-Za-z0-9_.:-]+")]
    private static partial Regex IdCharacters();
}
