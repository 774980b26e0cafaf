using RulesGate.Core.Gate;
using RulesGate.Core.Governance;

namespace RulesGate.Core.Orders;

/// <summary>One order as the pipeline judged it.</summary>
/// <param name="Context">What the capital gate judged: the request, with the kill switch on when it was latched.</param>
/// <param name="Capital">The capital gate's decision (its kill switch tripped when the stream's violation count tripped it); null without a capital gate.</param>
/// <param name="Governed">Both gates' decision; null without a governance gate.</param>
/// <param name="Record">What it writes to the journal; null when there is none.</param>
public sealed record Order(CapitalContext Context, CapitalDecision? Capital, GovernedDecision? Governed, OrderRecord? Record);
