using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RulesGate.Core.Journal;

namespace RulesGate.Server;

/// <summary><c>rules.reloaded</c>: <paramref name="File"/> put live as <paramref name="To"/>, in place of <paramref name="From"/> (none for the workflows folder).</summary>
public sealed record RulesReloaded(string File, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? From, string To) : IEventPayload<RulesReloaded>
{
    public static string Type => EventTypes.RulesReloaded;

    public static JsonTypeInfo<RulesReloaded> Json => ReloadEventJson.Default.RulesReloaded;
}

/// <summary><c>rules.reload_failed</c>: <paramref name="File"/> changed but does not load; its live version stays.</summary>
public sealed record RulesReloadFailed(string File, string Problem) : IEventPayload<RulesReloadFailed>
{
    public static string Type => EventTypes.RulesReloadFailed;

    public static JsonTypeInfo<RulesReloadFailed> Json => ReloadEventJson.Default.RulesReloadFailed;
}

/// <summary>The reload events' JSON: snake_case names, in the order each record declares them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RulesReloaded))]
[JsonSerializable(typeof(RulesReloadFailed))]
internal sealed partial class ReloadEventJson : JsonSerializerContext;
