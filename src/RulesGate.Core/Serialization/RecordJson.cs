using System.Text.Json;
using System.Text.Json.Serialization;
using RulesGate.Core.Gate;
using RulesGate.Core.Promotion;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Serialization;

/// <summary>
/// The records RulesGate keeps in the journal as projections and prints as JSON, serialized by System.Text.Json
/// source generation: snake_case names, every field written (null when empty), one timestamp format, maps in ordinal
/// key order, stages by name; read back strictly (every field present, no field unknown, nothing null that may not
/// be), so a projection edited behind the journal's back is malformed, never half-read.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    Converters = [typeof(StageConverter), typeof(TimestampConverter), typeof(SortedMap<string>), typeof(SortedMap<double>)])]
[JsonSerializable(typeof(PolicyLedgerRecord))]
[JsonSerializable(typeof(Application.RuleChangeRecord))]
[JsonSerializable(typeof(WorkflowInstance))]
[JsonSerializable(typeof(SubjectStanding))]
[JsonSerializable(typeof(KillSwitchState))]
[JsonSerializable(typeof(OutboxEntry))]
[JsonSerializable(typeof(Governance.TokenSet))]
[JsonSerializable(typeof(Governance.StrategyOutcomes))]
[JsonSerializable(typeof(Application.PatchProposalRecord))]
internal sealed partial class RecordJson : JsonSerializerContext
{
    /// <summary>The record as compact JSON.</summary>
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Default.GetTypeInfo(typeof(T))!);

    /// <summary>The record <paramref name="json"/> holds.</summary>
    /// <exception cref="JsonException">It is not one: a field missing, unknown, null or of the wrong kind.</exception>
    public static T Read<T>(string json) =>
        JsonSerializer.Deserialize(json, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Default.GetTypeInfo(typeof(T))!) ?? throw new JsonException("null");

    /// <summary>A stage by its name: experiment, paper, pilot, limited_live.</summary>
    internal sealed class StageConverter : JsonConverter<PromotionStage>
    {
        public override PromotionStage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String ? PromotionStages.Parse(reader.GetString()!) : throw new JsonException("a stage is text");

        public override void Write(Utf8JsonWriter writer, PromotionStage value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name());
    }

    /// <summary>A time as <see cref="JsonText.Timestamp"/> writes it.</summary>
    internal sealed class TimestampConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            JsonFields.Timestamp(reader.GetString() ?? throw new JsonException("a time is text"), "time");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(JsonText.Timestamp(value));
    }

    /// <summary>A map written in ordinal key order, whatever order it is held in.</summary>
    internal sealed class SortedMap<T> : JsonConverter<IReadOnlyDictionary<string, T>>
    {
        public override IReadOnlyDictionary<string, T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var map = new Dictionary<string, T>(StringComparer.Ordinal);
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("a map is an object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!;
                reader.Read();
                map[key] = JsonSerializer.Deserialize<T>(ref reader, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)options.GetTypeInfo(typeof(T))) ?? throw new JsonException($"'{key}' is null");
            }

            return map;
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, T> value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            foreach (var (key, item) in value.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(key);
                JsonSerializer.Serialize(writer, item, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
            }

            writer.WriteEndObject();
        }
    }

    /// <summary>JSON kept as text in a record (a policy delta), written as the JSON it is.</summary>
    internal sealed class RawJsonText : JsonConverter<string>
    {
        public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.GetRawText();
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteRawValue(value);
    }
}
