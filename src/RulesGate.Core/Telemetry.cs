using System.Diagnostics;

namespace RulesGate.Core;

/// <summary>
/// RulesGate's traces: one <see cref="ActivitySource"/>, <c>RulesGate</c>. A decision is a span <c>rulesgate.decide</c>
/// (or <c>rulesgate.govern</c>) with children for the capital gate (<c>rulesgate.gate.capital</c>) and for the wait
/// until it is durable in the journal (<c>rulesgate.journal.commit</c>; under <c>govern</c>, the governance gate is
/// judged there too), tagged with the verdict, the rules that fired, the strategy, the symbol and the journal's
/// sequence number. Without a listener (no exporter configured), no span is made and nothing is spent.
/// </summary>
public static class Telemetry
{
    /// <summary>The name of the source: what an OpenTelemetry tracer adds (<c>AddSource("RulesGate")</c>).</summary>
    public const string SourceName = "RulesGate";

    /// <summary>The source every RulesGate span comes from.</summary>
    public static ActivitySource Source { get; } = new(SourceName, typeof(Telemetry).Assembly.GetName().Version?.ToString());
}
