using RulesGate.Core.Serialization;
namespace RulesGate.Core.Gate;

/// <summary>What a stream run did, as <c>rulesgate run</c> prints it.</summary>
public sealed record StreamSummary(
    string RunId,
    int TotalIntents,
    IReadOnlyDictionary<CapitalVerdict, int> Decisions,
    IReadOnlyDictionary<string, int> RuleHistogram,
    int OrdersSubmitted,
    int OrdersFilled,
    double FinalEquity,
    IReadOnlyDictionary<string, double> FinalPositions,
    bool KillSwitchActive)
{
    /// <summary>The composed actions by count, when the run had a governance gate too.</summary>
    public IReadOnlyDictionary<Governance.GovernanceAction, int>? Governed { get; init; }

    public string ToJson(bool pretty = true) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("total_intents", TotalIntents);
        writer.WriteStartObject("decisions");
        foreach (var verdict in Enum.GetValues<CapitalVerdict>())
        {
            writer.WriteNumber(CapitalJson.Verdict(verdict), Decisions.GetValueOrDefault(verdict));
        }

        writer.WriteEndObject();
        if (Governed is not null)
        {
            writer.WriteStartObject("governed");
            foreach (var action in Enum.GetValues<Governance.GovernanceAction>())
            {
                writer.WriteNumber(Governance.GovernanceActions.Name(action), Governed.GetValueOrDefault(action));
            }

            writer.WriteEndObject();
        }

        writer.WriteStartObject("rule_histogram");
        foreach (var (rule, count) in RuleHistogram.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(rule, count);
        }

        writer.WriteEndObject();
        writer.WriteNumber("orders_submitted", OrdersSubmitted);
        writer.WriteNumber("orders_filled", OrdersFilled);
        writer.WritePropertyName("final_equity");
        JsonText.Value(writer, FinalEquity);
        writer.WriteStartObject("final_positions");
        foreach (var (symbol, qty) in FinalPositions.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(symbol);
            JsonText.Value(writer, qty);
        }

        writer.WriteEndObject();
        writer.WriteBoolean("kill_switch_active", KillSwitchActive);
        writer.WriteString("run_id", RunId);
        writer.WriteEndObject();
    }, pretty);
}
