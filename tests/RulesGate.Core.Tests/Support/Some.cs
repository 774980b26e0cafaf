using RulesGate.Core.Gate;

namespace RulesGate.Core.Tests.Support;

/// <summary>Small, valid test data; each test changes only what it is about.</summary>
internal static class Some
{
    public static readonly DateTimeOffset Time = new(2026, 1, 15, 15, 30, 0, TimeSpan.Zero);

    public static OrderIntent Intent(string symbol = "MSFT", OrderSide side = OrderSide.Buy, double qty = 10, string strategy = "trend") =>
        new("i-1", Time, strategy, "acct-1", symbol, "equity", side, OrderType.Market, qty, null);

    public static PortfolioState Portfolio(double equity = 100_000, double startOfDay = 100_000, double peak = 100_000, Dictionary<string, double>? positions = null) =>
        new(equity, startOfDay, peak, positions ?? [], 0, 0);

    public static MarketSnapshot Market(Dictionary<string, double>? prices = null, DateTimeOffset? at = null) =>
        new(at ?? Time, prices ?? new() { ["MSFT"] = 400, ["AAPL"] = 200 });

    public static CapitalContext Context(
        OrderIntent? intent = null,
        PortfolioState? portfolio = null,
        MarketSnapshot? market = null,
        ExecutionState? execution = null) =>
        new(intent ?? Intent(), portfolio ?? Portfolio(), market ?? Market(), execution ?? ExecutionState.Idle);

    /// <summary>A minimal CapitalPolicy file around the given rules and params YAML.</summary>
    public static string PolicyYaml(string rules, string parameters = "  exposure: { max_position_pct: 0.10 }\n", string extra = "") =>
        $"""
        apiVersion: rulesgate/v1
        kind: CapitalPolicy
        metadata:
          id: test-policy
          version: 1
        params:
        {parameters}{extra}rules:
        {rules}
        """;
}
