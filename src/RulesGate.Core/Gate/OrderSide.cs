namespace RulesGate.Core.Gate;

/// <summary>Which way an order trades.</summary>
public enum OrderSide
{
    Buy,
    Sell,
}
