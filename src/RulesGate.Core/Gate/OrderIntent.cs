namespace RulesGate.Core.Gate;

/// <summary>An order a strategy wants to send, as it asks the gate.</summary>
public sealed record OrderIntent(
    string IntentId,
    DateTimeOffset Timestamp,
    string StrategyId,
    string AccountId,
    string Symbol,
    string AssetClass,
    OrderSide Side,
    OrderType OrderType,
    double Qty,
    double? LimitPrice);
