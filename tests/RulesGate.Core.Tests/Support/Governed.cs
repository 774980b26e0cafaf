using RulesGate.Core.Gate;
using RulesGate.Core.Governance;

namespace RulesGate.Core.Tests.Support;

/// <summary>The shipped governance and maturity files, compiled once, variants of the governance file, and orders to judge.</summary>
internal static class Governed
{
    private static readonly Lazy<MaturityLadder> Ladder = new(() => new MaturityLadder(Compiled.Bundle(File.ReadAllText(Repo.PathOf("rules", "maturity", "default.yaml")))));
    private static readonly Lazy<GovernanceGate> Default = new(() => Variant());

    public static string Text { get; } = File.ReadAllText(Repo.PathOf("rules", "governance", "default.yaml"));

    public static GovernanceGate Gate => Default.Value;

    public static MaturityLadder Maturity => Ladder.Value;

    /// <summary>The shipped file with each (old, new) replacement applied; every old text must be present.</summary>
    public static GovernanceGate Variant(params (string Old, string New)[] changes)
    {
        var text = Text;
        foreach (var (old, replacement) in changes)
        {
            Assert.Contains(old, text, StringComparison.Ordinal);
            text = text.Replace(old, replacement, StringComparison.Ordinal);
        }

        return new GovernanceGate(Compiled.Bundle(text), Maturity);
    }

    /// <summary>
    /// An order of <paramref name="qty"/> MSFT at 400 on 2,000,000 of equity with one other position open: 250 is
    /// 100,000 of notional at 5 %, whose impact is 0.4533 (medium).
    /// </summary>
    public static CapitalContext Order(double qty = 250, OrderSide side = OrderSide.Buy, double equity = 2_000_000, Dictionary<string, double>? positions = null, double price = 400) =>
        Some.Context(Some.Intent("MSFT", side, qty), Some.Portfolio(equity, equity, equity, positions ?? new() { ["AAPL"] = 100 }), Some.Market(new() { ["MSFT"] = price, ["AAPL"] = 200 }));

    public static GovernanceContext Context(GovernanceInputs inputs, CapitalContext? order = null, GovernanceGate? gate = null) =>
        inputs.Context(order ?? Order(), (gate ?? Gate).Settings, (gate ?? Gate).CapOf);
}
