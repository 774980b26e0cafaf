using System.Text.Json;
using RulesGate.Core.Gate;
using RulesGate.Core.Serialization;

namespace RulesGate.Core.Governance;

/// <summary>
/// What governance knows of a strategy beyond the order. Without a journal a request states it, so that a case can
/// be judged from files alone; a field left null has its default (level L0_shadow, full health, no drift, no token,
/// no canary alert). With a journal the strategy's state is the journal's, and a request gives only the order's
/// figures (<see cref="Leverage"/>, <see cref="ReduceOnly"/>, <see cref="OpenPositions"/>) and <see cref="TokenSecret"/>.
/// </summary>
/// <param name="Enabled">Whether governance judges this order; null for the file's <c>params.enabled</c>.</param>
/// <param name="SizingCap">The level's sizing cap, when no MaturityPolicy file says it.</param>
/// <param name="Outcomes">The strategy's R-multiples, oldest first, its health is computed from.</param>
/// <param name="TokenSecret">The execution token the order presents, checked against the journal's token ledger.</param>
/// <param name="Token">The token's check itself, for a case judged without a journal.</param>
public sealed record GovernanceInputs(
    bool? Enabled = null,
    string? Level = null,
    double? SizingCap = null,
    IReadOnlyList<double>? Outcomes = null,
    HealthState? Health = null,
    IReadOnlyDictionary<string, double>? Baseline = null,
    IReadOnlyDictionary<string, double>? Live = null,
    double? Leverage = null,
    bool? ReduceOnly = null,
    int? OpenPositions = null,
    string? TokenSecret = null,
    TokenView? Token = null,
    IReadOnlyList<string>? CanaryPaused = null)
{
    public static GovernanceInputs None { get; } = new();

    /// <summary>
    /// The first field that states the strategy's state rather than the order's (everything but <c>order</c> and the
    /// token's secret), by its name in a request; null when there is none. With a journal, that state is the journal's.
    /// </summary>
    public string? StateField() =>
        Enabled is not null ? "enabled"
        : Level is not null ? "level"
        : SizingCap is not null ? "sizing_cap"
        : Outcomes is not null || Health is not null ? "outcomes"
        : Baseline is not null ? "baseline"
        : Live is not null ? "live"
        : Token is not null ? "token"
        : CanaryPaused is not null ? "canary_paused"
        : null;

    /// <summary>These inputs, with <paramref name="under"/>'s for every field these leave null.</summary>
    public GovernanceInputs Over(GovernanceInputs under) => new(
        Enabled ?? under.Enabled,
        Level ?? under.Level,
        SizingCap ?? under.SizingCap,
        Outcomes ?? under.Outcomes,
        Health ?? under.Health,
        Baseline ?? under.Baseline,
        Live ?? under.Live,
        Leverage ?? under.Leverage,
        ReduceOnly ?? under.ReduceOnly,
        OpenPositions ?? under.OpenPositions,
        TokenSecret ?? under.TokenSecret,
        Token ?? under.Token,
        CanaryPaused ?? under.CanaryPaused);

    /// <summary>The context the governance rules see for <paramref name="capital"/>'s order.</summary>
    /// <param name="capOf">The sizing cap of a level (the MaturityPolicy file's); null when there is no such file, and then <see cref="SizingCap"/> must be given.</param>
    /// <exception cref="FormatException">The level is not one, or no sizing cap is known for it.</exception>
    public GovernanceContext Context(CapitalContext capital, GovernanceSettings settings, Func<string, double>? capOf)
    {
        var intent = capital.Intent;
        var level = Level ?? MaturityPolicyKind.Levels[0];
        var index = MaturityPolicyKind.IndexOf(level) is var found and >= 0 ? found : throw new FormatException($"'{level}' is not a maturity level; write one of {string.Join(", ", MaturityPolicyKind.Levels)}.");
        var cap = SizingCap ?? capOf?.Invoke(level) ?? throw new FormatException($"governance.sizing_cap: required without a MaturityPolicy file; give the sizing cap of {level}, such as \"sizing_cap\": 0.25 (governance eval and eval --governance take it from --maturity).");
        var health = Health ?? HealthState.Of(Outcomes ?? [], settings.Health);
        var drift = Baseline is null || Live is null ? DriftView.None : DriftView.Of(settings.DriftMetrics, Baseline, Live);
        var strategy = new GovernanceStrategy(intent.StrategyId, level, index, cap, HealthView.Of(health, settings.Health), drift, Token ?? TokenView.None);
        return new GovernanceContext(
            Enabled ?? settings.Enabled,
            intent,
            capital.Portfolio,
            capital.Market,
            strategy,
            GovernanceOrder.Of(intent, capital.Portfolio, capital.Market, Leverage, ReduceOnly, OpenPositions),
            CanaryPaused is null ? CanaryView.Clear : new CanaryView(CanaryPaused));
    }
}

/// <summary>A PolicyGate-shaped request (<c>intent</c>, <c>portfolio</c>, <c>market</c>, <c>execution</c>) with an optional <c>governance</c> block.</summary>
public sealed record GovernanceRequest(CapitalContext Capital, GovernanceInputs Inputs)
{
    private static readonly string[] BlockKeys = ["enabled", "level", "sizing_cap", "outcomes", "baseline", "live", "order", "token", "canary_paused"];

    /// <exception cref="FormatException">A key is unknown, missing or of the wrong type; the message names it.</exception>
    public static GovernanceRequest Read(JsonElement json)
    {
        var capital = CapitalContextJson.ReadRequest(json, governance: true);
        if (!json.TryGetProperty("governance", out var block) || block.ValueKind == JsonValueKind.Null)
        {
            return new GovernanceRequest(capital, GovernanceInputs.None);
        }

        var fields = new JsonFields(block, "governance", BlockKeys);
        var order = fields.Has("order") ? fields.Object("order", "leverage", "reduce_only", "open_positions") : null;
        var leverage = order?.OptionalNumber("leverage");
        if (leverage is { } x && !(x >= 1))
        {
            throw new FormatException($"governance.order.leverage: {x.ToString(System.Globalization.CultureInfo.InvariantCulture)} is below 1; write the leverage the order is sent with, such as 1 or 3.");
        }

        return new GovernanceRequest(capital, new GovernanceInputs(
            Enabled: fields.Has("enabled") ? fields.Bool("enabled") : null,
            Level: fields.Has("level") ? Level(fields.String("level")) : null,
            SizingCap: fields.OptionalNumber("sizing_cap") is not { } cap ? null : cap is >= 0 and <= 1 ? cap : throw new FormatException("governance.sizing_cap: write a share between 0 and 1."),
            Outcomes: fields.Has("outcomes") ? Numbers(fields.Required("outcomes"), "governance.outcomes") : null,
            Baseline: fields.Has("baseline") ? fields.NumberMap("baseline") : null,
            Live: fields.Has("live") ? fields.NumberMap("live") : null,
            Leverage: leverage,
            ReduceOnly: order is not null && order.Has("reduce_only") ? order.Bool("reduce_only") : null,
            OpenPositions: order is not null && order.Has("open_positions") ? order.Count("open_positions") : null,
            TokenSecret: fields.Has("token") && fields.Required("token").ValueKind == JsonValueKind.String ? fields.String("token") : null,
            Token: fields.Has("token") && fields.Required("token").ValueKind != JsonValueKind.String ? ReadToken(fields.Object("token", "valid", "reason")) : null,
            CanaryPaused: fields.Has("canary_paused") ? Names(fields.Required("canary_paused"), "governance.canary_paused") : null));
    }

    private static string Level(string level) =>
        MaturityPolicyKind.IndexOf(level) >= 0 ? level : throw new FormatException($"governance.level: '{level}' is not a level; write one of {string.Join(", ", MaturityPolicyKind.Levels)}.");

    private static TokenView ReadToken(JsonFields token) =>
        token.Bool("valid") ? new TokenView(true, true, null, null) : new TokenView(true, false, null, token.Has("reason") ? token.String("reason") : "the request says the token is not valid");

    private static double[] Numbers(JsonElement array, string at) =>
        array.ValueKind == JsonValueKind.Array
            ? [.. array.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.Number ? JsonFields.Number(item, $"{at}[{i}]") : throw new FormatException($"{at}[{i}]: expected a finite number (an R-multiple)."))]
            : throw new FormatException($"{at}: expected an array of R-multiples, oldest first.");

    private static string[] Names(JsonElement array, string at) =>
        array.ValueKind == JsonValueKind.Array
            ? [.. array.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.String ? Identities.Id(item.GetString(), $"{at}[{i}]") : throw new FormatException($"{at}[{i}]: expected a component name."))]
            : throw new FormatException($"{at}: expected an array of component names.");
}
