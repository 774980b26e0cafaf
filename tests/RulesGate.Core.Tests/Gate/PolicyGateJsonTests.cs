using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Gate;

/// <summary>--format policygate: the decision as PolicyGate Capital 0.2.0 writes it (../shared/policygate-format.md).</summary>
public sealed class PolicyGateJsonTests
{
    private static JsonElement Write(CapitalContext context, CapitalGate? gate = null)
    {
        gate ??= Standard.Gate;
        return JsonDocument.Parse(PolicyGateJson.Decision(gate.Decide(context), context, gate)).RootElement.Clone();
    }

    private static void KeysSorted(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var keys = element.EnumerateObject().Select(property => property.Name).ToList();
            Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
            keys.ForEach(key => KeysSorted(element.GetProperty(key)));
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                KeysSorted(item);
            }
        }
    }

    [Fact]
    public void Modify_HasPolicyGatesKeysOnly_SortedEverywhere_QuantitiesAsFloats()
    {
        var context = Some.Context(Some.Intent(qty: 100), Some.Portfolio(100_000), Some.Market(new() { ["MSFT"] = 400 }));
        var gate = Standard.Gate;
        var text = PolicyGateJson.Decision(gate.Decide(context), context, gate);
        var json = JsonDocument.Parse(text).RootElement;

        Assert.Equal(["decision", "eval_ms", "evidence", "intent_id", "kill_switch_triggered", "modified_intent", "violations"], json.EnumerateObject().Select(property => property.Name));
        KeysSorted(json);
        Assert.Contains("\"qty\":25.0", text, StringComparison.Ordinal);
        Assert.Contains("\"requested_qty\":100.0", text, StringComparison.Ordinal);
        var violation = json.GetProperty("violations")[0];
        Assert.Equal("Position 0.4000 breaches limit 0.1000.", violation.GetProperty("message").GetString());
        Assert.Equal(["allowed_qty", "new_position_pct", "requested_qty"], violation.GetProperty("computed").EnumerateObject().Select(property => property.Name));
        Assert.Equal(["daily_return", "drawdown", "new_position_pct", "gross_exposure_x", "net_exposure_x"], json.GetProperty("evidence").EnumerateArray().Select(e => e.GetProperty("metric").GetString()));
    }

    [Fact]
    public void AllowedQty_IsPolicyGates_EvenWhenGrossExposureAlsoFiresAndTheVerdictIsDeny()
    {
        // 100 MSFT at 400 on 100,000: 40% against a 10% cap; SPY's 200,000 makes the gross and the net 2.4x, past both limits.
        var context = Some.Context(Some.Intent(qty: 100), Some.Portfolio(100_000, positions: new() { ["SPY"] = 400 }), Some.Market(new() { ["MSFT"] = 400, ["SPY"] = 500 }));

        var json = Write(context);

        Assert.Equal("DENY", json.GetProperty("decision").GetString());
        Assert.Equal(["EXP-001", "EXP-002", "EXP-003"], json.GetProperty("violations").EnumerateArray().Select(violation => violation.GetProperty("rule_id").GetString()));
        // PolicyGate: 0.10 × 100,000 ÷ 400 − 0 held = 25, though nothing is modified.
        Assert.Equal(25.0, json.GetProperty("violations")[0].GetProperty("computed").GetProperty("allowed_qty").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("modified_intent").ValueKind);
    }

    [Fact]
    public void AllowedQty_ForASell_IsWhatPolicyGateComputes_HeldLessTheCap()
    {
        // Short 30 more of 10 held: RulesGate caps the short side too; PolicyGate's allowed_qty is 10 − 25, at least 0.
        var json = Write(Some.Context(Some.Intent(side: OrderSide.Sell, qty: 100), Some.Portfolio(100_000, positions: new() { ["MSFT"] = 10 }), Some.Market(new() { ["MSFT"] = 400 })));

        Assert.Equal(0.0, json.GetProperty("violations")[0].GetProperty("computed").GetProperty("allowed_qty").GetDouble());
    }

    [Fact]
    public void Pretty_IsIndentedByTwoSpaces_AsPolicyGateEvalPrettyPrintsIt()
    {
        var context = Some.Context(Some.Intent(qty: 100), Some.Portfolio(100_000), Some.Market(new() { ["MSFT"] = 400 }));
        var gate = Standard.Gate;
        var decision = gate.Decide(context);

        var pretty = PolicyGateJson.Decision(decision, context, gate, pretty: true);

        Assert.StartsWith("{\n  \"decision\": \"MODIFY\",\n  \"eval_ms\": ", pretty.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(pretty), System.Text.Json.Nodes.JsonNode.Parse(PolicyGateJson.Decision(decision, context, gate))));
    }

    [Fact]
    public void NoPrice_IsSys001_WithNoEvidence()
    {
        var json = Write(Some.Context(Some.Intent("NVDA")));
        Assert.Equal(0, json.GetProperty("evidence").GetArrayLength());
        Assert.Equal("Missing or invalid price for symbol 'NVDA'.", json.GetProperty("violations")[0].GetProperty("message").GetString());
    }

    [Fact]
    public void KillSwitchAndLossAndRates_UsePolicyGatesWords()
    {
        var context = Some.Context(
            Some.Intent(qty: 1),
            Some.Portfolio(97_000, startOfDay: 100_000, peak: 100_000),
            execution: new ExecutionState(60, new Dictionary<string, int> { ["trend"] = 20 }, 0, true));
        var messages = Write(context).GetProperty("violations").EnumerateArray().ToDictionary(v => v.GetProperty("rule_id").GetString()!, v => v);

        Assert.Equal("Kill switch is active — all orders denied.", messages["KILL-001"].GetProperty("message").GetString());
        Assert.Equal("Daily loss -0.0300 breaches limit -0.0200.", messages["LOSS-001"].GetProperty("message").GetString());
        Assert.Equal("Global rate 60 orders/min exceeds limit 60.", messages["EXEC-001"].GetProperty("message").GetString());
        Assert.Equal("Strategy 'trend' rate 20 orders/min exceeds limit 20.", messages["EXEC-002"].GetProperty("message").GetString());
        Assert.Equal(20, messages["EXEC-002"].GetProperty("computed").GetProperty("orders_last_60s_strategy").GetInt32());
        Assert.Equal("trend", messages["EXEC-002"].GetProperty("inputs").GetProperty("strategy_id").GetString());
    }

    [Fact]
    public void Evidence_GrossLimitIsThePolicysDefault_EvenUnderAnOverride()
    {
        var gate = Standard.Variant(("    mean-revert: { execution: { max_orders_per_minute_by_strategy: 10 } }", "    mean-revert: { execution: { max_orders_per_minute_by_strategy: 10 } }\n    trend: { exposure: { max_gross_exposure_x: 1.0 } }"));
        var evidence = Write(Some.Context(Some.Intent(qty: 1)), gate).GetProperty("evidence").EnumerateArray().ToDictionary(e => e.GetProperty("metric").GetString()!, e => e.GetProperty("limit").GetDouble());

        Assert.Equal(2.0, evidence["gross_exposure_x"]);
        Assert.Equal(-0.02, evidence["daily_return"]);
    }

    [Theory]
    [InlineData(50.0, "50.0")]
    [InlineData(0.192, "0.192")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(-2.5, "-2.5")]
    public void Floats_AreWrittenAsPythonWritesThem(double value, string text) =>
        Assert.Equal(text, PolicyGateJson.Float(value));
}
