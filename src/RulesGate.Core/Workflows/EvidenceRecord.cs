using System.Globalization;
using System.Text.Json;

namespace RulesGate.Core.Workflows;

/// <summary>One piece of submitted evidence: a JSON object of a kind (<c>backtest</c>, <c>trades</c>, <c>diary</c>…) about a subject.</summary>
public sealed class EvidenceRecord
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;

    private readonly JsonElement fields;

    public EvidenceRecord(string kind, DateTimeOffset? at, JsonElement fields)
    {
        Kind = kind;
        At = at;
        this.fields = fields.ValueKind == JsonValueKind.Object ? fields.Clone() : EmptyObject;
    }

    /// <summary>No evidence: every lookup misses.</summary>
    public static EvidenceRecord None { get; } = new("", null, EmptyObject);

    public string Kind { get; }

    /// <summary>When the evidence was recorded; null for <see cref="None"/>.</summary>
    public DateTimeOffset? At { get; }

    public bool Has(string name) => fields.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>The number under <paramref name="name"/>; NaN when missing or not a number, so comparisons with it are false.</summary>
    public double Number(string name) =>
        fields.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.NaN;

    /// <summary>The text under <paramref name="name"/>; empty when missing.</summary>
    public string Text(string name) => fields.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    /// <summary>True only when <paramref name="name"/> is the JSON value true.</summary>
    public bool Flag(string name) => fields.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>The evidence as canonical JSON.</summary>
    public string Json => fields.GetRawText();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind} {Json}");
}
