using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core;
using RulesGate.Core.Governance;
using RulesGate.Core.Promotion;
using RulesGate.Core.Serialization;
using RulesGate.Core.Workflows;

namespace RulesGate.Server.Api;

/// <summary>Where policies and strategies stand, for anyone: <c>GET /v1/ledger[/{policy}]</c>, <c>GET /v1/governance[/{strategy}]</c>, <c>GET /v1/standing/{kind}/{subject}</c> and <c>GET /v1/changelog</c>.</summary>
internal static class StandingApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/ledger", Ledger).Require(role: null, "Reading");
        app.MapGet("/v1/ledger/{policy}", Policy).Require(role: null, "Reading");
        app.MapGet("/v1/governance", Strategies).Require(role: null, "Reading");
        app.MapGet("/v1/governance/{strategy}", Strategy).Require(role: null, "Reading");
        app.MapGet("/v1/standing/{kind}/{subject}", Standing).Require(role: null, "Reading");
        app.MapGet("/v1/governance/{strategy}/timeline", Timeline).Require(role: null, "Reading");
        app.MapGet("/v1/changelog", Changelog).Require(role: null, "Reading");
    }

    /// <summary>What happened to a strategy in the last <c>?days=N</c> UTC days (30 unless asked, at most 366), as the console's strategy page shows it.</summary>
    private static async Task<IResult> Timeline(string strategy, HttpContext context, GovernanceService service) =>
        Http.Json(Core.Reports.ReportJson.Timeline(await service.Timeline(Identities.Id(strategy, "strategy"), Core.Reports.StrategyTimeline.DaysOf(context.Request.Query["days"])).ConfigureAwait(false)));

    /// <summary>Every governance change, oldest first, as <c>rulesgate changelog --json</c> writes it.</summary>
    private static async Task<IResult> Changelog(GovernanceService service) =>
        Http.Json(Core.Reports.ReportJson.Changelog(await service.Changelog().ConfigureAwait(false)));

    /// <summary>A subject's one record of where it stands, as governance show and ledger show read it; 404 before any workflow placed it.</summary>
    private static async Task<IResult> Standing(string kind, string subject, GovernanceService service)
    {
        kind = Identities.Name(kind, "kind");
        if (!SubjectStanding.Kinds.Contains(kind))
        {
            throw new FormatException($"kind: '{kind}' is no kind of subject; write one of {string.Join(", ", SubjectStanding.Kinds)}.");
        }

        subject = Identities.Id(subject, kind);
        return await service.Standing(kind, subject).ConfigureAwait(false) is { } standing
            ? Http.Json(standing.Json())
            : throw new NotFoundException($"No workflow has placed the {kind} '{subject}' on a ladder yet.");
    }

    private static async Task<IResult> Ledger(GovernanceService service)
    {
        var assessments = await service.Ledger().ConfigureAwait(false);
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("policies"u8);
            foreach (var assessment in assessments)
            {
                Assessed(writer, assessment);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }, pretty: false));
    }

    private static async Task<IResult> Policy(string policy, GovernanceService service)
    {
        var assessment = (await service.Ledger(Identities.Id(policy, "policy")).ConfigureAwait(false))[0];
        return Http.Json(JsonText.Write(writer => Assessed(writer, assessment), pretty: false));
    }

    private static async Task<IResult> Strategies(GovernanceService service)
    {
        var reports = await service.Strategies().ConfigureAwait(false);
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("strategies"u8);
            foreach (var report in reports)
            {
                writer.WriteRawValue(Report(report, service));
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }, pretty: false));
    }

    private static async Task<IResult> Strategy(string strategy, GovernanceService service) =>
        Http.Json(Report((await service.Strategies(Identities.Id(strategy, "strategy")).ConfigureAwait(false))[0], service));

    /// <summary><c>{"ledger": record, "assessment": {…}}</c>.</summary>
    private static void Assessed(Utf8JsonWriter writer, Assessment assessment)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("ledger"u8);
        writer.WriteRawValue(PolicyLedger.Json(assessment.Ledger));
        writer.WritePropertyName("assessment"u8);
        PromotionJson.Write(writer, assessment);
        writer.WriteEndObject();
    }

    private static string Report(StrategyReport report, GovernanceService service) => GovernanceJson.Report(report, service.Settings.Governance!.Settings.BaseEquity);
}
