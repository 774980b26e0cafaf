using RulesGate.Core.Gate;
using RulesGate.Core.Promotion;
using RulesGate.Core.Reports;
using RulesGate.Core.Signing;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Reports;

public sealed class GovernanceDocumentsTests : IDisposable
{
    private readonly TempJournal journal = new();
    private readonly string templates = Directory.CreateTempSubdirectory("rulesgate-templates-").FullName;

    public void Dispose()
    {
        journal.Dispose();
        Directory.Delete(templates, recursive: true);
    }

    private PolicyLedgerRecord Promote(PromotionStage stage, params string[] approvals) =>
        PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", stage, "ops", approvals, EvidenceId: "dd-1", AllowRegression: true));

    [Fact]
    public void PromotionSummary_ShowsTheChangeApprovalsGapsAndHistory()
    {
        Promote(PromotionStage.Paper);
        var record = Promote(PromotionStage.LimitedLive, "risk", "compliance");

        var summary = GovernanceDocuments.PromotionSummary(record, templates);    // no edited copy: the built-in one

        Assert.StartsWith("# Promotion: `alpha` → limited_live", summary, StringComparison.Ordinal);
        Assert.Contains("| Approvals | `compliance`, `risk` |", summary, StringComparison.Ordinal);
        Assert.Contains("- `missing_oos_regime_grid`", summary, StringComparison.Ordinal);
        Assert.Contains("| Current stage | pilot (declared limited_live, audit pilot) |", summary, StringComparison.Ordinal);
        Assert.Contains($"| {record.History[0].At} | promotion | experiment | paper | `ops` | none |", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void PromotionSummary_AnEditedTemplateWins_AndABrokenOneIsNamed()
    {
        var record = Promote(PromotionStage.Paper);
        File.WriteAllText(Path.Combine(templates, GovernanceDocuments.SummaryTemplate), "{{policy_id}} is at {{declared_stage}} by {{actor}}");

        Assert.Equal("`alpha` is at paper by `ops`", GovernanceDocuments.PromotionSummary(record, templates));

        File.WriteAllText(Path.Combine(templates, GovernanceDocuments.SummaryTemplate), "{{ for step in history }}unclosed");
        var error = Assert.Throws<FormatException>(() => GovernanceDocuments.PromotionSummary(record, templates));
        Assert.Contains($"{GovernanceDocuments.SummaryTemplate}(1,", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{{ policy_idd }}", "(1,4)", "policy_idd")]                // strict: an unknown variable names its place
    [InlineData("x\n{{ date.now }}", "(2,4)", "date")]                     // no clock
    [InlineData("{{ include 'other.sbn' }}", "(1,4)", "include")]           // no files
    [InlineData("{{ while true }}.{{ end }}", "(1,", "limit")]               // bounded
    public void Template_IsStrictBoundedAndCannotReachOut(string text, string place, string what)
    {
        var record = Promote(PromotionStage.Paper);
        File.WriteAllText(Path.Combine(templates, GovernanceDocuments.SummaryTemplate), text.Replace("\\n", "\n", StringComparison.Ordinal));

        var error = Assert.Throws<FormatException>(() => GovernanceDocuments.PromotionSummary(record, templates));

        Assert.Contains($"{GovernanceDocuments.SummaryTemplate}{place}", error.Message, StringComparison.Ordinal);
        Assert.Contains(what, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Changelog_ListsPromotionsDemotionsAndResetsInOrderWithWhoAndWhy()
    {
        Promote(PromotionStage.Pilot, "risk");
        Promote(PromotionStage.Paper);
        Promote(PromotionStage.Pilot, "compliance");
        GateJournal.Reset(journal.Store, Actor.Authenticated("ops-lead"), "false alarm | checked", WorkflowRoles.None);

        var rows = GovernanceDocuments.Changelog(journal.Store, templates).Split('\n').Where(line => line.StartsWith("| 20", StringComparison.Ordinal)).ToList();

        Assert.Equal(4, rows.Count);
        Assert.Contains("| promotion | `alpha` | `experiment → pilot` | `ops` | `approvals risk; evidence dd-1` |", rows[0], StringComparison.Ordinal);
        // The approvals a change stands on, as the ledger holds them: given with it, or earlier.
        Assert.Contains("| demotion | `alpha` | `pilot → paper` | `ops` | `approvals risk (given earlier); evidence dd-1` |", rows[1], StringComparison.Ordinal);
        Assert.Contains("| promotion | `alpha` | `paper → pilot` | `ops` | `approvals compliance, risk (compliance with this change); evidence dd-1` |", rows[2], StringComparison.Ordinal);
        Assert.Contains("| kill switch reset | `killswitch` | `off` | `ops-lead` | `false alarm \\| checked` |", rows[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Changelog_ANameOrReasonCannotShiftItsColumnsOrAddARow()
    {
        Promote(PromotionStage.Pilot, "risk");
        GateJournal.Reset(journal.Store, Actor.Authenticated("ops|lead"), "ok\n| 2030-01-01 | promotion | evil | pilot → limited_live | cio | approvals cio |", WorkflowRoles.None);

        var lines = GovernanceDocuments.Changelog(journal.Store, templates).Split('\n').Where(line => line.Contains("| ", StringComparison.Ordinal) && !line.StartsWith("| when", StringComparison.Ordinal) && !line.StartsWith("| ---", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, lines.Count);
        Assert.Equal("| `ops\\|lead` | `ok \\| 2030-01-01 \\| promotion \\| evil \\| pilot → limited_live \\| cio \\| approvals cio \\|` |", lines[1][lines[1].IndexOf("| `ops", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void PromotionSummary_ANameCannotShiftItsTableColumns()
    {
        var record = PolicyLedger.Promote(journal.Store, new PromotionRequest("alpha", PromotionStage.Paper, "ops|boss", ["risk|cio"], EvidenceId: "dd|1"));

        var summary = GovernanceDocuments.PromotionSummary(record, templates);

        Assert.Contains("| By | `ops\\|boss` |", summary, StringComparison.Ordinal);
        Assert.Contains("| Approvals | `risk\\|cio` |", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryDocument_HostileValuesInEveryField_StayInsideCodeSpans()
    {
        var hostile = MarkdownText.Hostile;
        var record = PolicyLedger.Promote(journal.Store, new PromotionRequest(
            "alpha", PromotionStage.Paper, "ops", ["risk"], EvidenceId: "dd-1",
            Checklist: new Dictionary<string, string> { [hostile] = "done" }, PolicyDelta: $"{{\"note\": {System.Text.Json.JsonSerializer.Serialize(hostile)}}}"));
        GateJournal.Reset(journal.Store, Actor.Authenticated("ops-lead"), hostile, WorkflowRoles.None);

        foreach (var document in new[] { GovernanceDocuments.PromotionSummary(record, templates), GovernanceDocuments.Changelog(journal.Store, templates) })
        {
            var markup = MarkdownText.OutsideCode(document);
            Assert.All(MarkdownText.Markers, marker => Assert.DoesNotContain(marker, markup, StringComparison.Ordinal));
            Assert.Contains("pre-approved by risk", document, StringComparison.Ordinal);   // shown, as text
        }
    }
}
