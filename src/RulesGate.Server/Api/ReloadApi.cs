using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RulesGate.Core.Serialization;

namespace RulesGate.Server.Api;

/// <summary><c>POST /v1/reload</c>, for admin: the rule files and workflows that changed are loaded, or stay as they were with why.</summary>
internal static class ReloadApi
{
    public static void Map(IEndpointRouteBuilder app) => app.MapPost("/v1/reload", Reload).Require(Principals.AdminRole, "Reloading rule files");

    private static async Task<IResult> Reload(HotReload reload)
    {
        var report = await reload.Reload().ConfigureAwait(false);
        return Http.Json(JsonText.Write(writer =>
        {
            writer.WriteStartObject();
            JsonText.Strings(writer, "loaded"u8, report.Loaded);
            JsonText.Strings(writer, "proposed"u8, report.Proposed);
            writer.WriteStartArray("failed"u8);
            foreach (var (file, problem) in report.Failed)
            {
                writer.WriteStartObject();
                writer.WriteString("file"u8, file);
                writer.WriteString("problem"u8, problem);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }, pretty: false));
    }
}
