namespace RulesGate.Core.Gate;

/// <summary>How an order is priced.</summary>
public enum OrderType
{
    Market,
    Limit,
}
