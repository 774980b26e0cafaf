using System.Globalization;
using System.Text.Json;
using Scriban;
using Scriban.Functions;
using Scriban.Runtime;
using RulesGate.Core.Gate;
using RulesGate.Core.Journal;
using RulesGate.Core.Promotion;

namespace RulesGate.Core.Reports;

/// <summary>One transition of a record, as the promotion summary lists it.</summary>
internal sealed record SummaryStep(string At, string Kind, string From, string To, string Actor, string Approvals);

/// <summary>A checklist item and its status.</summary>
internal sealed record ChecklistItem(string Item, string Status);

/// <summary>What <c>promotion_summary.md.sbn</c> sees: a record's latest transition and its history.</summary>
internal sealed record PromotionSummaryModel(
    string PolicyId,
    string Kind,
    string From,
    string To,
    string Actor,
    string At,
    IReadOnlyList<string> Approvals,
    string? EvidenceId,
    string CurrentStage,
    string DeclaredStage,
    string AuditStage,
    IReadOnlyList<string> AuditGaps,
    string Seq,
    IReadOnlyList<ChecklistItem> Checklist,
    string? PolicyDelta,
    IReadOnlyList<SummaryStep> History);

/// <summary>One row of the changelog.</summary>
public sealed record ChangeRow(string At, string What, string Subject, string Change, string Actor, string Why);

/// <summary>What <c>changelog.md.sbn</c> sees.</summary>
public sealed record ChangelogModel(int Count, IReadOnlyList<ChangeRow> Changes);

/// <summary>What a workflow's <c>render</c> effect's template sees, besides the summary's own model; the instance and its subject as code spans (<see cref="Markdown"/>).</summary>
/// <param name="Evidence">The latest evidence about the subject, by <c>kind.field</c> (<c>validation.strict</c>): numbers invariant, flags <c>true</c>/<c>false</c>, texts as code spans; a field never sent is absent.</param>
/// <param name="JournalVerified">Whether the journal's chain and projections verified when the template was rendered.</param>
internal sealed record WorkflowRenderModel(string Instance, string Subject, string State, string Workflow, IReadOnlyDictionary<string, string> Evidence, bool JournalVerified);

/// <summary>
/// Markdown for compliance, rendered from Scriban templates a user can edit: <c>templates/NAME</c> when it exists,
/// else the copy built into RulesGate. Each template is fed a typed model (its members in snake_case) and rendered
/// strictly: an unknown variable is an error naming the template, line and column. Values reach templates already
/// formatted; no template can read the clock, include a file or loop without bound.
/// </summary>
public static class GovernanceDocuments
{
    public const string SummaryTemplate = "promotion_summary.md.sbn";
    public const string ChangelogTemplate = "changelog.md.sbn";

    /// <summary>The most iterations a template's loops may run in one rendering, all loops together: enough for a proposal of 100,000 patches, not for a runaway.</summary>
    public const int MaxIterations = 1_000_000;

    /// <summary>How a template file's name ends.</summary>
    public const string Extension = ".sbn";

    /// <summary>The summary of a record's latest transition; every name and value from an input stands in a code span (<see cref="Markdown"/>).</summary>
    public static string PromotionSummary(PolicyLedgerRecord record, string templates = "templates")
    {
        var last = record.History[^1];
        var model = new PromotionSummaryModel(
            Markdown.Code(record.PolicyId), last.Kind, last.From.Name(), last.To.Name(), Markdown.CodeCell(last.Actor), last.At, [.. record.Approvals.Select(Markdown.CodeCell)],
            record.EvidenceId is { } evidence ? Markdown.CodeCell(evidence) : null,
            record.CurrentStage.Name(), record.DeclaredStage.Name(), record.AuditStage.Name(), record.AuditGaps(record.DeclaredStage),
            record.Version.ToString(CultureInfo.InvariantCulture),
            [.. record.Checklist.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new ChecklistItem(Markdown.Code(pair.Key), Markdown.Code(pair.Value)))],
            last.PolicyDelta is { } delta ? Markdown.Block(delta, "json") : null,
            [.. record.History.Select(t => new SummaryStep(t.At, t.Kind, t.From.Name(), t.To.Name(), Markdown.CodeCell(t.Actor), t.Approvals.Count == 0 ? "none" : string.Join(", ", t.Approvals.Select(Markdown.CodeCell))))]);
        return Render(templates, SummaryTemplate, model);
    }

    /// <summary>Every governance change in the journal, oldest first (<see cref="Reports.Changelog"/>): ladder moves with what moved them, ledger changes, rule changes, config patches, kill switch trips and resets, and each rule bundle's first decision.</summary>
    public static string Changelog(JournalStore store, string templates = "templates")
    {
        var rows = ChangelogOf(store).Changes.Select(row => new ChangeRow(row.At, row.What, Markdown.CodeCell(row.Subject), Markdown.CodeCell(row.Change), Markdown.CodeCell(row.Actor), Markdown.CodeCell(row.Why))).ToList();
        return Render(templates, ChangelogTemplate, new ChangelogModel(rows.Count, rows));
    }

    /// <summary>The changelog's rows, oldest first, as the journal says them (<see cref="Reports.Changelog"/>).</summary>
    /// <param name="digest">The journal's decisions digested so far, caught up here (<see cref="DecisionDigest"/>); a fresh one reads them all.</param>
    public static ChangelogModel ChangelogOf(JournalStore store, DecisionDigest? digest = null)
    {
        var rows = Reports.Changelog.Rows(store, digest).Select(change => change.Row).ToList();
        return new ChangelogModel(rows.Count, rows);
    }

    /// <summary>Whether <paramref name="name"/> is a template of <paramref name="templates"/> or built in.</summary>
    public static bool Exists(string name, string templates = "templates") =>
        File.Exists(Path.Combine(templates, name)) || typeof(GovernanceDocuments).Assembly.GetManifestResourceInfo($"RulesGate.Templates.{name}") is not null;

    /// <summary>Any template of <c>templates/</c> (or built in) with a typed model, its members in snake_case.</summary>
    /// <exception cref="FormatException">The template does not parse or render (an unknown variable, loops past MaxIterations); names the file, line and column.</exception>
    public static string Render(string name, object model, string templates = "templates") => Render(templates, name, model);

    /// <summary>Whether the template <paramref name="name"/> names <paramref name="variable"/> at all: what a caller need not compute for it otherwise.</summary>
    internal static bool Reads(string name, string variable, string templates = "templates") => Source(templates, name).Text.Contains(variable, StringComparison.Ordinal);

    /// <summary>The template's text: <c>templates/NAME</c> when it exists (at most 1 MB), else the copy built in; and where it came from.</summary>
    private static (string Text, string Path) Source(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        if (File.Exists(path))
        {
            return (System.Text.Encoding.UTF8.GetString(InputFile.Read(path, 1 << 20)), path);
        }

        using var stream = typeof(GovernanceDocuments).Assembly.GetManifestResourceStream($"RulesGate.Templates.{name}")
            ?? throw new FileNotFoundException($"{path}: no such template, and none is built in.");
        using var text = new StreamReader(stream);
        return (text.ReadToEnd(), $"{name} (built in)");
    }

    private static string Render(string folder, string name, object model)
    {
        var (source, path) = Source(folder, name);
        var template = Template.Parse(source, path);
        if (template.HasErrors)
        {
            throw new FormatException($"the template does not parse: {template.Messages[0]}");
        }

        // Strict, bounded, deterministic: no clock, no includes, no unknown names, the invariant culture.
        var builtins = new BuiltinFunctions();
        builtins.Remove("date");
        var context = new TemplateContext(builtins) { StrictVariables = true, LoopLimit = MaxIterations, RecursiveLimit = 64, TemplateLoader = null, EnableRelaxedMemberAccess = false };
        context.PushCulture(CultureInfo.InvariantCulture);
        var globals = new ScriptObject();
        globals.Import(model);
        context.PushGlobal(globals);
        try
        {
            return template.Render(context);
        }
        catch (Scriban.Syntax.ScriptRuntimeException error)
        {
            throw new FormatException($"the template does not render: {error.Message}", error);
        }
    }
}
