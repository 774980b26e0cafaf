using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Journal;

/// <summary>
/// An event's payload as a record: the type it is journaled under (one of <see cref="EventTypes"/>) and the JSON
/// contract its feature's source-generated context makes for it, so each event is written and read through one
/// declaration, never field by field.
/// </summary>
public interface IEventPayload<TSelf>
    where TSelf : IEventPayload<TSelf>
{
    /// <summary>The event type, from <see cref="EventTypes"/>.</summary>
    static abstract string Type { get; }

    /// <summary>The contract its feature's <see cref="System.Text.Json.Serialization.JsonSerializerContext"/> generates.</summary>
    static abstract JsonTypeInfo<TSelf> Json { get; }
}

/// <summary>Writing and reading <see cref="IEventPayload{TSelf}"/> records.</summary>
public static class EventPayload
{
    /// <summary>The payload as compact JSON, written as every journal payload is (numbers invariant, text escaped only where JSON needs it).</summary>
    public static string Write<T>(T payload)
        where T : IEventPayload<T> =>
        JsonText.Write(writer => JsonSerializer.Serialize(writer, payload, T.Json), pretty: false);

    /// <summary>The entry that journals <paramref name="payload"/> on <paramref name="stream"/> under its type.</summary>
    public static JournalEntry Entry<T>(string stream, T payload)
        where T : IEventPayload<T> =>
        new(stream, T.Type, Write(payload));

    /// <summary>The payload <paramref name="recorded"/> holds.</summary>
    /// <exception cref="FormatException">The event is of another type, or its payload is not one of this type's.</exception>
    public static T Read<T>(JournalEvent recorded)
        where T : IEventPayload<T>
    {
        if (recorded.Type != T.Type)
        {
            throw new FormatException($"Event {recorded.Seq} is a {recorded.Type}, not a {T.Type}.");
        }

        try
        {
            return JsonSerializer.Deserialize(recorded.Payload, T.Json) ?? throw new JsonException("null");
        }
        catch (JsonException error)
        {
            throw new FormatException($"Event {recorded.Seq} ({recorded.Type}) does not hold its payload: {error.Message} Run 'rulesgate journal verify' to see whether it was altered.", error);
        }
    }
}
