using RulesGate.Core.Serialization;

namespace RulesGate.Bench;

/// <summary>What <c>rulesgate bench patches</c> measured: N patches judged, journaled and proposed, in seconds.</summary>
public sealed record PatchBenchResult(int Patches, double JudgeSeconds, double TotalSeconds)
{
    public string Json() => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("patches"u8, Patches);
        writer.WriteNumber("judge_seconds"u8, Math.Round(JudgeSeconds, 3));
        writer.WriteNumber("judge_per_second"u8, Math.Round(Patches / JudgeSeconds));
        writer.WriteNumber("total_seconds"u8, Math.Round(TotalSeconds, 3));
        writer.WriteNumber("total_per_second"u8, Math.Round(Patches / TotalSeconds));
        writer.WriteEndObject();
    }, pretty: false);
}
