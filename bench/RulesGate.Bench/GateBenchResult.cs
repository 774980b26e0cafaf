using RulesGate.Core.Serialization;

namespace RulesGate.Bench;

/// <summary>What <c>rulesgate bench gate</c> measured: decisions per second, latency percentiles in nanoseconds, and for a journaled run how many transactions committed.</summary>
public sealed record GateBenchResult(double DecisionsPerSecond, double P50Nanoseconds, double P99Nanoseconds, bool Journaled, long? Commits)
{
    /// <summary><c>{"capital": …, "governed": …, "ratio": governed / capital}</c>: both gates beside the capital gate alone.</summary>
    public static string Compare(GateBenchResult capital, GateBenchResult governed) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WritePropertyName("capital"u8);
        writer.WriteRawValue(capital.Json());
        writer.WritePropertyName("governed"u8);
        writer.WriteRawValue(governed.Json());
        writer.WriteNumber("ratio"u8, Math.Round(governed.DecisionsPerSecond / capital.DecisionsPerSecond, 3));
        writer.WriteEndObject();
    }, pretty: false);

    public string Json() => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("decisions_per_second"u8, Math.Round(DecisionsPerSecond));
        writer.WriteNumber("p50_ns"u8, Math.Round(P50Nanoseconds));
        writer.WriteNumber("p99_ns"u8, Math.Round(P99Nanoseconds));
        writer.WriteBoolean("journaled"u8, Journaled);
        if (Commits is { } count)
        {
            writer.WriteNumber("commits"u8, count);
        }

        writer.WriteEndObject();
    }, pretty: false);
}
