namespace RulesGate.Core.Gate;

/// <summary>Order flow and the kill switch.</summary>
public sealed record ExecutionState(
    int OrdersLast60sGlobal,
    IReadOnlyDictionary<string, int> OrdersLast60sByStrategy,
    int ViolationsLastWindow,
    bool KillSwitchActive)
{
    public static ExecutionState Idle { get; } = new(0, new Dictionary<string, int>(), 0, false);

    /// <summary>The strategy's orders in the last 60 seconds; 0 when it has sent none.</summary>
    /// <remarks>A direct lookup when it can be, for the reason given at <see cref="MarketSnapshot.Price"/>.</remarks>
    public int OrdersLast60s(string strategy) =>
        OrdersLast60sByStrategy is Dictionary<string, int> orders ? orders.GetValueOrDefault(strategy) : OrdersLast60sByStrategy.GetValueOrDefault(strategy);
}
