using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RulesGate.Core.Journal;
using RulesGate.Core.Signing;

namespace RulesGate.Core.Gate;

// The gate's events besides its decisions, one record each; gate.decision keeps PolicyGate's decision format,
// written by hand (as CBOR in segments), where it pays.

/// <summary><c>gate.malformed</c>: line <paramref name="Line"/> of a stream was not an order, and why.</summary>
public sealed record OrderMalformed(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RunId,
    int Line,
    string Text,
    string Reason) : IEventPayload<OrderMalformed>
{
    public static string Type => EventTypes.GateMalformed;

    public static JsonTypeInfo<OrderMalformed> Json => GateEventJson.Default.OrderMalformed;
}

/// <summary><c>killswitch.tripped</c>: the kill switch latched, and why.</summary>
public sealed record KillSwitchTripped(string Cause) : IEventPayload<KillSwitchTripped>
{
    public static string Type => EventTypes.KillSwitchTripped;

    public static JsonTypeInfo<KillSwitchTripped> Json => GateEventJson.Default.KillSwitchTripped;
}

/// <summary><c>killswitch.reset</c>: the latch released by <paramref name="Actor"/>, ending the kill switch's events up to <paramref name="After"/>.</summary>
public sealed record KillSwitchReset(string Actor, string Reason, bool WasActive, long After, Proof Proof) : IEventPayload<KillSwitchReset>
{
    public static string Type => EventTypes.KillSwitchReset;

    public static JsonTypeInfo<KillSwitchReset> Json => GateEventJson.Default.KillSwitchReset;
}

/// <summary>The gate events' JSON: snake_case names, in the order each record declares them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(OrderMalformed))]
[JsonSerializable(typeof(KillSwitchTripped))]
[JsonSerializable(typeof(KillSwitchReset))]
internal sealed partial class GateEventJson : JsonSerializerContext;
