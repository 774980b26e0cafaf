using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using RulesGate.Tests.Shared;

namespace RulesGate.Server.Tests;

/// <summary>
/// The console end to end in Debian's Chromium: signing in, the approvals queue, a decision explained, the kill switch,
/// a workflow's diagram and the live rates. With RULESGATE_SCREENSHOTS set to a folder, the main pages are saved
/// there (scripts/console-screenshots writes docs/console/ this way).
/// </summary>
[Collection(nameof(Chromium))]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class ConsoleTests(Chromium chromium) : IAsyncLifetime
{
    private readonly RunningServer server = new();
    private IBrowserContext context = null!;
    private IPage page = null!;

    public async Task InitializeAsync()
    {
        context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.Address, ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        page = await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await context.DisposeAsync();
        await server.DisposeAsync();
    }

    private async Task SignIn(string token)
    {
        await page.GotoAsync("/console/login");
        await page.GetByLabel("Bearer token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Overview" })).ToBeVisibleAsync();
    }

    private async Task Shot(string name)
    {
        if (Environment.GetEnvironmentVariable("RULESGATE_SCREENSHOTS") is { Length: > 0 } folder)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{name}.png"), FullPage = true });
        }
    }

    private async Task<string> StartReview(string subject)
    {
        var started = await server.Post("/v1/instances", $$"""{"workflow": "config-patch-approval", "subject": "{{subject}}"}""", server.RheaToken);
        return JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<string> State(string instance) =>
        JsonDocument.Parse(await (await server.Get($"/v1/instances/{instance}", server.ReaderToken)).Content.ReadAsStringAsync()).RootElement.GetProperty("state").GetString()!;

    [Fact]
    public async Task Pages_WithoutASession_GoToSignIn_AndAWrongTokenIsRefused()
    {
        await page.GotoAsync("/console/approvals");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/login$"));

        await page.GetByLabel("Bearer token").FillAsync("rg_not-a-token");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not one of this server's principals");
        Assert.DoesNotContain(await context.CookiesAsync(), cookie => cookie.Name == "rulesgate_session");
    }

    [Fact]
    public async Task Approvals_ApproveWithAReason_RecordsTheSignedInPrincipal()
    {
        var id = await StartReview("proposal-9");
        await SignIn(server.RajToken);

        await page.GotoAsync("/console/approvals");
        var row = page.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = id });
        await Expect(row).ToContainTextAsync("1 of risk");
        await Expect(row).ToContainTextAsync("rhea");
        await Shot("approvals");
        await row.GetByLabel("reason").FillAsync("bounds and max_step checked");
        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Approve" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Approved {id} as raj; it is in approved");
        Assert.Equal("approved", await State(id));
        Assert.Contains(server.Journal.Read(), e => e.Payload.Contains("bounds and max_step checked", StringComparison.Ordinal) && e.Payload.Contains("\"raj\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Approvals_TheRequesterAndWhoVotedAlready_AreOfferedNoVote_AndSeeWhy()
    {
        // A rule change waits for two risk approvals: rhea requested it, raj has given one.
        var started = await server.Post("/v1/instances", """{"workflow": "rule-change", "subject": "capital-default@9-abc"}""", server.RheaToken);
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        Assert.True((await server.Post($"/v1/instances/{id}/approve", """{"role": "risk", "reason": "impact read"}""", server.RajToken)).IsSuccessStatusCode);

        await SignIn(server.RheaToken);
        await page.GotoAsync("/console/approvals");
        var asRequester = page.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = id });
        await Expect(asRequester).ToContainTextAsync("you requested it: four eyes, so others decide");
        await Expect(asRequester.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Approve" })).ToHaveCountAsync(0);

        await context.ClearCookiesAsync();
        await SignIn(server.RajToken);
        await page.GotoAsync("/console/approvals");
        var asVoter = page.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = id });
        await Expect(asVoter).ToContainTextAsync("you approved already, as risk");
        await Expect(asVoter.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Approve" })).ToHaveCountAsync(0);
        Assert.Equal("review", await State(id));
    }

    /// <summary>The words of the page's text that the browser wrapped inside: split at spaces, hyphens, colons and dots, and found on two lines. Identifiers (<c>.mono</c>, code) may break anywhere.</summary>
    private Task<string[]> WordsWrappedInside() => page.EvaluateAsync<string[]>("""
        () => {
          const wrapped = [];
          const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (node.parentElement.closest(".mono, code, pre, svg, option, select")) continue;
            const words = /[^\s\-:.·@#]+/g;
            let word;
            while ((word = words.exec(node.textContent))) {
              const range = document.createRange();
              range.setStart(node, word.index);
              range.setEnd(node, word.index + word[0].length);
              if (new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size > 1) wrapped.push(word[0]);
            }
          }
          return wrapped;
        }
        """);

    private static readonly string[] Pages = ["/console", "/console/approvals", "/console/workflows", "/console/workflows/config-patch-approval:proposal-12", "/console/journal", "/console/ledger", "/console/changelog", "/console/strategies/trend", "/console/journal/1", "/console/governance", "/console/killswitch"];

    [Theory]
    [InlineData(1280)]
    [InlineData(1024)]
    public async Task Text_WrapsBetweenWords_NeverInsideOne(int width)
    {
        await StartReview("proposal-12");
        await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken);
        var outcomes = "[" + string.Join(",", RunningServer.Sample("governance", "outcomes-week1.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries)) + "]";
        await server.Post("/v1/outcomes", $$"""{"outcomes": {{outcomes}}}""", server.AutomationToken);
        await page.SetViewportSizeAsync(width, 800);
        await SignIn(server.RajToken);

        foreach (var path in Pages)
        {
            Assert.Equal(200, (await page.GotoAsync(path))!.Status);
            Assert.True(await WordsWrappedInside() is [] , $"{path} at {width} px wraps inside: {string.Join(", ", await WordsWrappedInside())}");
        }
    }

    [Fact]
    public async Task Times_ReadToTheSecondInUtc_WithTheReadersOwnTimeOnHover()
    {
        await StartReview("proposal-11");
        await SignIn(server.ReaderToken);

        await page.GotoAsync("/console/workflows");
        var time = page.Locator("table time").First;
        await Expect(time).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"));
        await Expect(time).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex(@"\(your time\)$"));
        await Expect(time).ToHaveAttributeAsync("datetime", new System.Text.RegularExpressions.Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$"));
    }

    [Fact]
    public async Task AChange_WithoutTheFormToken_IsRefused_AndChangesNothing()
    {
        var id = await StartReview("proposal-11");
        await SignIn(server.RajToken);

        // The session cookie goes along, as it would from a forged form; the form token does not.
        var forged = await page.APIRequest.PostAsync($"/console/instances/{id}/vote", new APIRequestContextOptions
        {
            Form = context.APIRequest.CreateFormData().Set("role", "risk").Set("reason", "forged").Set("decision", "approve"),
        });

        Assert.Equal(403, forged.Status);
        Assert.Equal("review", await State(id));
    }

    [Fact]
    public async Task Journal_OpensADecision_AndExplainsItRuleByRule()
    {
        await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken);
        await SignIn(server.ReaderToken);

        await page.GotoAsync("/console/journal");
        await page.GetByLabel("Type").FillAsync("gate.decision");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Filter" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Row)).ToHaveCountAsync(2);
        await Shot("journal");
        await page.GetByRole(AriaRole.Row).Nth(1).GetByRole(AriaRole.Link).ClickAsync();

        // The decision first, as the desk reads it: MODIFY of a buy of 100 MSFT down to what 10% of equity allows.
        await Expect(page.Locator(".headline")).ToContainTextAsync("MODIFY");
        await Expect(page.Locator(".headline")).ToContainTextAsync("buy 100 MSFT → ");
        await Expect(page.Locator(".headline")).ToContainTextAsync("fired EXP-001");
        await Expect(page.Locator(".rule.fired h3")).ToContainTextAsync("EXP-001");
        await Expect(page.Locator(".rule.fired pre")).ToContainTextAsync("Metrics.NewPositionPct = 0.4 (40%)");

        // Why, in the desk's numbers: the position as a percentage of equity against its limit, the quantity as traded.
        await Expect(page.Locator("ul.why")).ToContainTextAsync("EXP-001");
        await Expect(page.Locator("ul.why")).ToContainTextAsync("new position 40% ");
        await Expect(page.Locator("ul.why")).ToContainTextAsync("against max position 10%");
        await page.GetByText("What the gate measured").ClickAsync();
        await Expect(page.Locator("details.measured tr").Filter(new LocatorFilterOptions { HasText = "gross exposure" })).ToContainTextAsync("×");
        var shown = System.Text.RegularExpressions.Regex.Match(await page.Locator("main").InnerTextAsync(), @"\S*\d\.\d{7,}\S*");
        Assert.False(shown.Success, $"a number of many digits: {shown.Value}");
        await Shot("decision-explained");
    }

    [Fact]
    public async Task Journal_LeavesOutItsBookkeeping_UnlessAsked_AndSaysWhatAMoveDid()
    {
        var instance = await StartReview("p-9");
        await SignIn(server.ReaderToken);

        await page.GotoAsync("/console/journal");
        await Expect(page.Locator("table")).ToContainTextAsync($"{instance}: start → review by rhea (start)");
        await Expect(page.Locator("table")).Not.ToContainTextAsync("journal.projected");

        await page.GetByLabel("Bookkeeping rows too").CheckAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Filter" }).ClickAsync();
        await Expect(page.Locator("table")).ToContainTextAsync("journal.projected");
    }

    [Fact]
    public async Task KillSwitch_ResetByRisk_ShowsWhoAndWhy_AndNoMarkupFromTheReasonRuns()
    {
        var crash = RunningServer.Sample("request-oversized-buy.json").Replace("\"peak_equity\": 104000", "\"peak_equity\": 200000", StringComparison.Ordinal);
        await server.Post("/v1/decisions", crash, server.TraderToken);
        await SignIn(server.RiskToken);

        await page.GotoAsync("/console/killswitch");
        await Expect(page.Locator("#state")).ToHaveTextAsync("ON");
        await Shot("kill-switch");
        await page.GetByLabel("Reason").FillAsync("<img src=x onerror=\"window.pwned=1\">limits reviewed");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Reset as risk-officer" }).ClickAsync();

        await Expect(page.Locator("#state")).ToHaveTextAsync("off");
        await Expect(page.GetByRole(AriaRole.Table)).ToContainTextAsync("<img src=x onerror=\"window.pwned=1\">limits reviewed");
        Assert.True(await page.EvaluateAsync<bool>("() => window.pwned === undefined && document.querySelectorAll('main img').length === 0"));
    }

    [Fact]
    public async Task Workflow_ShowsItsDiagram_WithTheCurrentStateMarked()
    {
        await server.Post("/v1/instances", """{"workflow": "live-pipeline", "subject": "trend"}""", server.AutomationToken);
        await server.Post("/v1/evidence", """{"subject": "trend", "kind": "discovery", "evidence": {"candidates": 12, "manifest": "manifests/trend.json"}}""", server.AutomationToken);
        await SignIn(server.ReaderToken);

        await page.GotoAsync("/console/workflows");
        await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "live-pipeline:trend" }).ClickAsync();

        await Expect(page.Locator("svg.diagram .state.current text")).ToHaveTextAsync("L1_data_prep");
        await Expect(page.Locator("svg.diagram .state")).ToHaveCountAsync(8);
        await Expect(page.GetByRole(AriaRole.Table)).ToContainTextAsync("L0_discovery → L1_data_prep");
        await Shot("workflow");
    }

    [Fact]
    public async Task Workflow_AnEffectThatFailed_IsShownWithItsErrorAndNextAttempt()
    {
        using var webhook = new RulesGate.Core.Workflows.WorkflowWebhook(new Uri("http://hooks.invalid/rg"), new RulesGate.Core.Workflows.WebhookRetry(0), new Refusing());
        await using var failing = new RunningServer(webhook: webhook);
        (await failing.Post("/v1/instances", """{"workflow": "live-pipeline", "subject": "s-1"}""", failing.RheaToken)).EnsureSuccessStatusCode();
        string[] kinds = LivePipelineEvidence.Kinds[..5];
        string[] fields = LivePipelineEvidence.Fields[..5];
        for (var i = 0; i < kinds.Length; i++)
        {
            (await failing.Post("/v1/evidence", $$"""{"subject": "s-1", "kind": "{{kinds[i]}}", "evidence": {{fields[i]}}}""", failing.AutomationToken)).EnsureSuccessStatusCode();
        }

        // L5_paper's notice is posted by the server's background, and the webhook answers 500.
        Assert.True(SpinWait.SpinUntil(() => failing.Journal.Read(type: "workflow.webhook_failed").Any(), TimeSpan.FromSeconds(60)), "the notice was never tried");
        await using var browsing = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = failing.Address });
        var reader = await browsing.NewPageAsync();
        await reader.GotoAsync("/console/login");
        await reader.GetByLabel("Bearer token").FillAsync(failing.ReaderToken);
        await reader.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in" }).ClickAsync();

        await reader.GotoAsync("/console/workflows/live-pipeline:s-1");

        await Expect(reader.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Effects not done" })).ToBeVisibleAsync();
        await Expect(reader.Locator("main")).ToContainTextAsync("notify \"Paper burn-in started.\"");
        await Expect(reader.Locator("main")).ToContainTextAsync("failed 1 time (");
        await Expect(reader.Locator("main")).ToContainTextAsync("next attempt ");
    }

    /// <summary>A webhook that answers every notice with a 500.</summary>
    private sealed class Refusing : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.InternalServerError));
    }

    [Fact]
    public async Task LedgerAndGovernance_ShowWhatTheJournalKnows()
    {
        var diary = "[" + string.Join(",", RunningServer.Sample("promotion", "diary.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries)) + "]";
        var outcomes = "[" + string.Join(",", RunningServer.Sample("governance", "outcomes-week1.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries)) + "]";
        await server.Post("/v1/diary", $$"""{"entries": {{diary}}}""", server.AutomationToken);
        await server.Post("/v1/outcomes", $$"""{"outcomes": {{outcomes}}}""", server.AutomationToken);
        await SignIn(server.ReaderToken);

        await page.GotoAsync("/console/ledger");
        var row = page.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = "alpha-momentum" });
        await Expect(row).ToBeVisibleAsync();

        // Blockers read as sentences with their numbers; the codes the ledger keeps are only their tooltips.
        await Expect(row).ToContainTextAsync("needed");
        var code = System.Text.RegularExpressions.Regex.Match(await row.InnerTextAsync(), @"\S*[a-z]+_[a-z_]+:\S+");
        Assert.False(code.Success, $"a blocker code: {code.Value}");
        await Shot("ledger");
        await page.GotoAsync("/console/governance");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = "trend" })).ToBeVisibleAsync();
        await Shot("governance");
    }

    [Fact]
    public async Task Overview_ShowsDecisionsAsTheyAreGiven()
    {
        await SignIn(server.ReaderToken);
        await Expect(page.Locator("#totals")).ToContainTextAsync("MODIFY 0");

        for (var i = 0; i < 3; i++)
        {
            await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken);
        }

        await Expect(page.Locator("#totals")).ToContainTextAsync("MODIFY 3");
        await Expect(page.Locator("#minute")).ToHaveTextAsync("3");

        // The chart is the server's last minute, second by second: whole from the first look, its peak at the top.
        await page.ReloadAsync();
        await Expect(page.Locator("#minute")).ToHaveTextAsync("3");
        var points = await page.Locator("#sparkline polyline").GetAttributeAsync("points") ?? "";
        var heights = points.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(point => double.Parse(point.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(60, heights.Count);
        Assert.Equal(4, heights.Min(), 1);
        await Shot("overview");
    }

    [Fact]
    public async Task Instance_ShowsItsVotes_WhoMayStillVote_ItsTimer_AndTakesAVote()
    {
        var id = await StartReview("proposal-21");
        await SignIn(server.RajToken);

        await page.GotoAsync($"/console/workflows/{id}");
        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Waiting for approval" })).ToBeVisibleAsync();
        await Expect(page.Locator(".waiting")).ToContainTextAsync("Needs 1 of risk; 0 given. Approved, it moves to approved; rejected, to rejected.");
        await Expect(page.Locator(".waiting")).ToContainTextAsync("No vote yet.");
        await Expect(page.Locator("#still-may")).ToHaveTextAsync("May still vote: risk: raj");     // rhea requested it
        await Expect(page.Locator("#timer")).ToContainTextAsync("(in 1 d 23 h) it escalates to risk-lead.");
        await Shot("instance");

        await page.GetByLabel("reason").FillAsync("bounds read");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Approve" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/console/workflows/{System.Text.RegularExpressions.Regex.Escape(Uri.EscapeDataString(id))}$"));
        await Expect(page.Locator(".flash")).ToContainTextAsync($"Approved {id} as raj");
        await Expect(page.Locator("#state")).ToHaveTextAsync("approved");
        Assert.Equal("approved", await State(id));
    }

    [Fact]
    public async Task Diagram_EveryLabelIsWhole_InsideTheDrawing_AndClearOfTheOthers()
    {
        await server.Post("/v1/instances", """{"workflow": "live-pipeline", "subject": "trend"}""", server.AutomationToken);
        await SignIn(server.ReaderToken);
        await page.GotoAsync("/console/workflows/live-pipeline:trend");

        var problems = await page.EvaluateAsync<string[]>("""
            () => {
              const svg = document.querySelector("svg.diagram");
              const [width, height] = [svg.viewBox.baseVal.width, svg.viewBox.baseVal.height];
              const boxes = [...svg.querySelectorAll("text")].map(text => ({ text: text.textContent, box: text.getBBox() }));
              const problems = [];
              for (const { text, box } of boxes) {
                if (box.x < 0 || box.y < 0 || box.x + box.width > width || box.y + box.height > height) problems.push("outside: " + text);
              }
              for (let i = 0; i < boxes.length; i++)
                for (let j = i + 1; j < boxes.length; j++) {
                  const [a, b] = [boxes[i].box, boxes[j].box];
                  if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) problems.push(boxes[i].text + " over " + boxes[j].text);
                }
              return problems;
            }
            """);

        Assert.Empty(problems);
        await Expect(page.Locator("svg.diagram .edge-label").Filter(new LocatorFilterOptions { HasText = "demote" })).ToHaveCountAsync(2);
        await Expect(page.Locator("svg.diagram .edge-label").Filter(new LocatorFilterOptions { HasText = "…" })).ToHaveCountAsync(0);
        await page.GetByText("Every way out, with its whole condition").ClickAsync();
        await Expect(page.Locator("details.ways tr").Filter(new LocatorFilterOptions { HasText = "L6_live" }).Filter(new LocatorFilterOptions { HasText = "demote" })).ToContainTextAsync("Kind == \"incident\"");
    }

    [Fact]
    public async Task Strategy_ShowsItsStanding_ItsOrdersPerDay_AndWhatChanged()
    {
        await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json"), server.TraderToken);
        await server.Post("/v1/decisions", RunningServer.Sample("request-oversized-buy.json").Replace("\"demo-001\"", "\"demo-002\"", StringComparison.Ordinal), server.TraderToken);
        var outcomes = "[" + string.Join(",", RunningServer.Sample("governance", "outcomes-week1.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries)) + "]";
        await server.Post("/v1/outcomes", $$"""{"outcomes": {{outcomes}}}""", server.AutomationToken);
        await server.Post("/v1/instances", """{"workflow": "live-pipeline", "subject": "trend"}""", server.AutomationToken);
        await server.Post("/v1/evidence", """{"subject": "trend", "kind": "discovery", "evidence": {"candidates": 12, "manifest": "manifests/trend.json"}}""", server.AutomationToken);
        await SignIn(server.ReaderToken);

        await page.GotoAsync("/console/governance");
        await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "trend", Exact = true }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "trend" })).ToBeVisibleAsync();
        await Expect(page.Locator("#level")).Not.ToBeEmptyAsync();
        await Expect(page.Locator("#next")).ToContainTextAsync("Why not further up:");
        var today = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await Expect(page.Locator("tr:has(td.day)")).ToHaveCountAsync(1);
        await Expect(page.Locator("tr:has(td.day)")).ToContainTextAsync($"{today}2MODIFY 2");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = "maturity-ladder" }).First).ToContainTextAsync("L1_paper");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = "live-pipeline moved" })).ToContainTextAsync("L0_discovery → L1_data_prep");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = "live-pipeline moved" })).ToContainTextAsync("on evidence discovery");
        await Shot("strategy");

        await page.GotoAsync("/console/strategies/trend?days=7");
        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Orders per day, last 7 days" })).ToBeVisibleAsync();
        Assert.Equal(400, (await page.GotoAsync("/console/strategies/trend?days=0"))!.Status);
        await Expect(page.Locator(".error")).ToHaveTextAsync("days: '0' is not a number of days; write one from 1 to 366.");
        Assert.Equal(404, (await page.GotoAsync("/console/strategies/nobody"))!.Status);
        await Expect(page.Locator(".error")).ToContainTextAsync("nobody");
    }

    [Fact]
    public async Task Changelog_SaysWhoApprovedWhat_NewestFirst()
    {
        var id = await StartReview("proposal-31");
        Assert.True((await server.Post($"/v1/instances/{id}/approve", """{"role": "risk", "reason": "bounds read"}""", server.RajToken)).IsSuccessStatusCode);
        var later = await StartReview("proposal-32");
        Assert.True((await server.Post($"/v1/instances/{later}/reject", """{"role": "risk", "reason": "step too large"}""", server.RajToken)).IsSuccessStatusCode);
        await SignIn(server.ReaderToken);

        await page.GotoAsync("/console/changelog");
        var approved = page.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = "config-patch-approval approved" });
        await Expect(approved).ToContainTextAsync("review → approved");
        await Expect(approved).ToContainTextAsync("raj");
        await Expect(page.GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync("config-patch-approval rejected");
        await Expect(page.GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync("step too large");
        await Expect(page.Locator("main > p").First).ToContainTextAsync("2 changes recorded");
        await Shot("changelog");
    }
}
