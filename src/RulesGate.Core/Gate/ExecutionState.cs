using System.Collections.Frozen;
using RulesGate.Core.Rules;

namespace RulesGate.Core.Gate;

/// <summary>Order flow and the kill switch.</summary>
public sealed record ExecutionState(
    int OrdersLast60sGlobal,
    IReadOnlyDictionary<string, int> OrdersLast60sByStrategy,
    int ViolationsLastWindow,
    bool KillSwitchActive)
{
    /// <summary>Strategy → orders in the last 60 s; read-only in fact.</summary>
    public IReadOnlyDictionary<string, int> OrdersLast60sByStrategy { get; init => field = ReadOnly.Map(value); } = ReadOnly.Map(OrdersLast60sByStrategy);

    /// <summary>When the violations of <see cref="ViolationsLastWindow"/> happened, when the state said (PolicyGate's list form).</summary>
    public IReadOnlyList<DateTimeOffset> ViolationTimes { get; init => field = ReadOnly.List(value); } = [];

    public static ExecutionState Idle { get; } = new(0, new Dictionary<string, int>(), 0, false);

    /// <summary>The strategy's orders in the last 60 seconds; 0 when it has sent none.</summary>
    /// <remarks>A direct lookup when it can be, for the reason given at <see cref="MarketSnapshot.Price"/>.</remarks>
    public int OrdersLast60s(string strategy) =>
        OrdersLast60sByStrategy is FrozenDictionary<string, int> orders ? orders.GetValueOrDefault(strategy) : OrdersLast60sByStrategy.GetValueOrDefault(strategy);
}
