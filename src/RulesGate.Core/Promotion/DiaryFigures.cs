using System.Text.Json;
using RulesGate.Core.Journal;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Promotion;

/// <summary>
/// What the promotion gates read of a policy's whole diary, kept up to date at ingest in the same transaction as the
/// entries (the projection <see cref="Projection"/>, one document per policy), so an assessment reads one document
/// however long the diary is. Each figure is what <see cref="IDiaryStore.Metrics"/> computes over every row.
/// </summary>
/// <param name="Stages">Per stage, in stage order: its counts and time span (<see cref="StageMetrics.None"/> without entries).</param>
/// <param name="Latest">The newest entry by time, then sequence number; null without entries.</param>
/// <param name="Streak">From the newest entry back, how many in a row are at its stage, normal and not forced.</param>
/// <param name="GreenFrom">The first of the trailing run of normal, unforced paper entries; null when the newest paper entry is not one.</param>
/// <param name="GreenTo">The last of that run.</param>
/// <param name="Regimes">Entries per regime label.</param>
internal sealed record DiaryFigures(
    IReadOnlyList<StageMetrics> Stages,
    DiaryMark? Latest,
    int Streak,
    DateTimeOffset? GreenFrom,
    DateTimeOffset? GreenTo,
    IReadOnlyDictionary<string, int> Regimes)
{
    public const string Projection = "diary";

    public static DiaryFigures None { get; } = new([.. PromotionStages.All.Select(_ => StageMetrics.None)], null, 0, null, null, new Dictionary<string, int>());

    /// <summary>
    /// The figures after <paramref name="rows"/>, which come in time order (then sequence number), every one after
    /// <see cref="Latest"/>: one step per row, whatever the diary held before.
    /// </summary>
    public DiaryFigures Then(IEnumerable<DiaryRow> rows)
    {
        var stages = Stages.ToArray();
        var regimes = new Dictionary<string, int>(Regimes, StringComparer.Ordinal);
        var (latest, streak, greenFrom, greenTo) = (Latest, Streak, GreenFrom, GreenTo);
        foreach (var row in rows)
        {
            var at = row.RecordedAt;
            if (!After(latest, row))
            {
                throw new ArgumentException($"diary rows are taken in time order; '{row.EntryId}' comes before the newest entry.", nameof(rows));
            }

            var green = row.Severity == DiarySeverity.Normal && !row.Forced;
            var stage = stages[(int)row.Stage];
            stages[(int)row.Stage] = new StageMetrics(
                stage.Total + 1, stage.Forced + (row.Forced ? 1 : 0), stage.Normal + (row.Severity == DiarySeverity.Normal ? 1 : 0),
                stage.Warn + (row.Severity == DiarySeverity.Warn ? 1 : 0), stage.Alert + (row.Severity == DiarySeverity.Alert ? 1 : 0),
                stage.First ?? at, at);
            streak = !green ? 0 : latest?.Stage == row.Stage ? streak + 1 : 1;
            latest = new DiaryMark(at, row.Seq, row.Stage);
            if (row.Stage == PromotionStage.Paper)
            {
                (greenFrom, greenTo) = green ? (greenFrom ?? at, at) : ((DateTimeOffset?)null, (DateTimeOffset?)null);
            }

            if (row.Regime is { } regime)
            {
                regimes[regime] = regimes.GetValueOrDefault(regime) + 1;
            }
        }

        return new DiaryFigures(stages, latest, streak, greenFrom, greenTo, regimes);
    }

    /// <summary>Whether <paramref name="row"/> may follow with <see cref="Then"/>: it is newer than every entry so far.</summary>
    public bool Precedes(DiaryRow row) => After(Latest, row);

    private static bool After(DiaryMark? latest, DiaryRow row) =>
        latest is null || row.RecordedAt > latest.At || (row.RecordedAt == latest.At && row.Seq > latest.Seq);

    /// <summary>The figures as the gates read them.</summary>
    public DiaryMetrics Metrics(string policyId)
    {
        var stages = PromotionStages.All.Where(stage => Stages[(int)stage].Total > 0).ToDictionary(stage => stage, stage => Stages[(int)stage]);
        var span = GreenFrom is { } from && GreenTo is { } to ? (to - from).TotalDays : 0;
        return new DiaryMetrics(policyId, StageMetrics.Sum(stages.Values), stages, Latest?.Stage, Streak, span);
    }

    /// <summary>The figures a policy's document keeps; <see cref="None"/> without one (the policy has no entries).</summary>
    /// <exception cref="JournalException">The document is malformed.</exception>
    public static DiaryFigures Of(StoredProjection? document) =>
        document is null ? None : JournalException.Parsed(document.Key, () => Read(document.Value));

    /// <summary>
    /// The document: <c>{"stages": [[total, forced, normal, warn, alert, first, last], …], "latest": [time, seq, stage],
    /// "streak": n, "green": [from, to], "regimes": {label: n}}</c>, stages in stage order, times as
    /// <see cref="JsonText.Timestamp"/> writes them, null for what is not there. Written and read by hand: an
    /// assessment reads one, and a serializer's metadata cost more to set up than the read itself.
    /// </summary>
    public string Json() => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("stages"u8);
        foreach (var stage in Stages)
        {
            writer.WriteStartArray();
            foreach (var count in (ReadOnlySpan<int>)[stage.Total, stage.Forced, stage.Normal, stage.Warn, stage.Alert])
            {
                writer.WriteNumberValue(count);
            }

            Time(writer, stage.First);
            Time(writer, stage.Last);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WritePropertyName("latest"u8);
        if (Latest is { } latest)
        {
            writer.WriteStartArray();
            Time(writer, latest.At);
            writer.WriteNumberValue(latest.Seq);
            writer.WriteStringValue(latest.Stage.Name());
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteNumber("streak"u8, Streak);
        writer.WritePropertyName("green"u8);
        if (GreenFrom is not null)
        {
            writer.WriteStartArray();
            Time(writer, GreenFrom);
            Time(writer, GreenTo);
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteStartObject("regimes"u8);
        foreach (var (label, count) in Regimes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(label, count);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }, pretty: false);

    private static void Time(Utf8JsonWriter writer, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            writer.WriteStringValue(JsonText.Timestamp(value));
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    /// <exception cref="FormatException">Not a document <see cref="Json"/> writes.</exception>
    private static DiaryFigures Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var fields = new JsonFields(root, "figures", "stages", "latest", "streak", "green", "regimes");
        var stages = fields.Required("stages").EnumerateArray().Select(stage =>
        {
            var item = Items(stage, 7);
            return new StageMetrics(Count(item[0]), Count(item[1]), Count(item[2]), Count(item[3]), Count(item[4]), Time(item[5]), Time(item[6]));
        }).ToArray();
        var latest = fields.Present("latest") is { ValueKind: not JsonValueKind.Null } mark && Items(mark, 3) is var at
            ? new DiaryMark(Time(at[0]) ?? throw new FormatException("latest has no time"), at[1].GetInt64(), PromotionStages.Parse(at[2].GetString()!))
            : null;
        var green = fields.Present("green") is { ValueKind: not JsonValueKind.Null } span ? Items(span, 2) : null;
        var regimes = fields.Required("regimes").EnumerateObject().ToDictionary(regime => regime.Name, regime => Count(regime.Value), StringComparer.Ordinal);
        return stages.Length == PromotionStages.All.Count
            ? new DiaryFigures(stages, latest, Count(fields.Required("streak")), green is null ? null : Time(green[0]), green is null ? null : Time(green[1]), regimes)
            : throw new FormatException("diary figures hold one entry per stage");
    }

    private static JsonElement[] Items(JsonElement array, int count) =>
        array.EnumerateArray().ToArray() is { } items && items.Length == count ? items : throw new FormatException($"expected {count} items");

    private static int Count(JsonElement value) => value.GetInt32() is >= 0 and var count ? count : throw new FormatException("a count is never negative");

    private static DateTimeOffset? Time(JsonElement value) =>
        value.ValueKind == JsonValueKind.Null ? null : JsonFields.Timestamp(value.GetString()!, "figures");
}

/// <summary>Where a diary entry stands in time order: its time, then its sequence number, and its stage.</summary>
internal sealed record DiaryMark(DateTimeOffset At, long Seq, PromotionStage Stage);
