using System.Text;
using System.Text.Json;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Signing;

/// <summary>
/// Something a person does that must be proven theirs — a vote, a kill switch reset, a migration, a promotion — as
/// the statement they sign: <c>{"format":"rulesgate-act/1","act":KIND,"actor":NAME, FIELD:TEXT…}</c>, compact JSON
/// with its fields in the order given, so the same act is the same bytes wherever it is built. The fields bind
/// the signature to what it approves (for a vote: the instance, the state and how many moves it has made, so a
/// signature cannot be replayed on a later visit of the same state).
/// </summary>
public sealed record Act(string Kind, string Actor, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    public const string Format = "rulesgate-act/1";

    /// <summary>The text signed, as the journal keeps it.</summary>
    public string Statement => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("format"u8, Format);
        writer.WriteString("act"u8, Kind);
        writer.WriteString("actor"u8, Actor);
        foreach (var (name, value) in Fields)
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
    }, pretty: false);

    /// <summary>The statement's bytes: what the signature is over.</summary>
    public byte[] Bytes => Encoding.UTF8.GetBytes(Statement);

    /// <summary>Reads a statement the journal kept; null when it is not one.</summary>
    public static Act? Read(string statement)
    {
        try
        {
            using var document = JsonDocument.Parse(statement);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.EnumerateObject().Any(field => field.Value.ValueKind != JsonValueKind.String))
            {
                return null;
            }

            var fields = root.EnumerateObject().Select(field => KeyValuePair.Create(field.Name, field.Value.GetString()!)).ToList();
            if (fields.Count < 3 || fields[0].Key != "format" || fields[0].Value != Format || fields[1].Key != "act" || fields[2].Key != "actor")
            {
                return null;
            }

            var act = new Act(fields[1].Value, fields[2].Value, fields[3..]);
            return act.Statement == statement ? act : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
