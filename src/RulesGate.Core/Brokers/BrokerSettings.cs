namespace RulesGate.Core.Brokers;

/// <summary>
/// The broker a run sends to, from its name and the environment — credentials come from there alone, never from a
/// file or the command line, and no message names their values.
/// </summary>
public static class BrokerSettings
{
    public static readonly IReadOnlyList<string> Names = ["sim", "alpaca", "tradier"];

    /// <param name="environment">Reads a variable; null or empty when unset.</param>
    /// <exception cref="FormatException">An unknown broker, a credential missing, or a setting that is not allowed; names the variable, never a value it holds.</exception>
    public static IBroker Of(string name, Gate.MarketSnapshot market, Func<string, string?> environment, HttpClient http) => name switch
    {
        "sim" => new SimulatedBroker(market),
        "alpaca" => new AlpacaBroker(
            http,
            HttpBroker.Address(Value(environment, "APCA_API_BASE_URL") ?? AlpacaBroker.PaperUrl, "APCA_API_BASE_URL"),
            Required(environment, "APCA_API_KEY_ID", "the key id of an Alpaca key pair"),
            Required(environment, "APCA_API_SECRET_KEY", "its secret")),
        "tradier" => new TradierBroker(
            http,
            HttpBroker.Address(Value(environment, "TRADIER_BASE_URL") ?? (Value(environment, "TRADIER_ENV") ?? "sandbox") switch
            {
                "sandbox" => TradierBroker.SandboxUrl,
                "live" => TradierBroker.LiveUrl,
                var other => throw new FormatException($"TRADIER_ENV: '{other}' is not an environment; write sandbox or live."),
            }, "TRADIER_BASE_URL"),
            Required(environment, "TRADIER_ACCOUNT_ID", "the Tradier account to trade in"),
            Required(environment, "TRADIER_TOKEN", "an access token for it")),
        _ => throw new FormatException($"--broker: '{name}' is not a broker; write {string.Join(", ", Names)}."),
    };

    private static string? Value(Func<string, string?> environment, string name) => environment(name) is { Length: > 0 } value ? value.Trim() : null;

    private static string Required(Func<string, string?> environment, string name, string what) =>
        Value(environment, name) ?? throw new FormatException($"{name} is not set: the broker needs {what} in the environment (never on the command line or in a file).");
}
