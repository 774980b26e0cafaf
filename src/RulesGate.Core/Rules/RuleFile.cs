using System.Globalization;

namespace RulesGate.Core.Rules;

/// <summary>A rule file as loaded and validated, before compilation.</summary>
public sealed record RuleFile(
    string Path,
    string Hash,
    string Kind,
    RuleMetadata Metadata,
    RuleMode Mode,
    ParamTree Params,
    ParamOverrides Overrides,
    IReadOnlyList<DeriveDefinition> Derive,
    IReadOnlyList<RuleDefinition> Rules)
{
    /// <summary>The file's bytes as hashed, so that a journal can keep exactly what decided.</summary>
    public byte[] Bytes { get; init; } = [];

    /// <summary><c>id@version#&lt;first 12 hex of the SHA-256 of the file's bytes&gt;</c>.</summary>
    public string Identity => string.Create(CultureInfo.InvariantCulture, $"{Metadata.Id}@{Metadata.Version}#{Hash[..12]}");
}
