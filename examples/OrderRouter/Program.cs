// An order router that asks RulesGate before every order, in process: no HTTP, no server.
//
//   dotnet run --project examples/OrderRouter -- [REQUESTS.jsonl] [JOURNAL]
//
// Each line of REQUESTS.jsonl (default samples/capital/requests.jsonl) is one order with the state it is judged in
// ({intent, portfolio, market, execution}). The router puts them all to the desk at once, as a router with many
// strategies would; each answer comes back once the decision is durable in JOURNAL (default artifacts/router.db,
// created when absent), and only then would the order go out. docs/library.md says more.
using System.Globalization;
using System.Text.Json;
using RulesGate.Core;
using RulesGate.Core.Gate;
using RulesGate.Core.Orders;
using RulesGate.Core.Rules;
using RulesGate.Storage.Sqlite;

var requests = args.ElementAtOrDefault(0) ?? "samples/capital/requests.jsonl";
var journal = args.ElementAtOrDefault(1) ?? "artifacts/router.db";

// The capital rules, compiled once for the life of the router.
var engine = new RuleEngine(BuiltInKinds.Registry);
var loaded = CapitalPolicies.Load(engine, "rules/capital/default.yaml");
if (loaded.Value is not { } rules)
{
    foreach (var problem in loaded.Diagnostics)
    {
        Console.Error.WriteLine($"{problem.Location}: {problem.Message} {problem.Hint}");
    }

    return 2;
}

// One desk for the whole router: it owns the journal and commits decisions in groups.
await using var desk = new OrderDesk(new CapitalGate(rules), SqliteJournal.Create(journal));

var orders = File.ReadLines(requests).Where(line => line.Trim().Length > 0).Select(line =>
{
    using var json = JsonDocument.Parse(line);
    return CapitalContextJson.ReadRequest(json.RootElement);
}).ToList();

var answers = await Task.WhenAll(orders.Select(order => desk.Decide(order)));
foreach (var (decision, seq) in answers)
{
    var send = decision.Decision switch
    {
        CapitalVerdict.Allow => "send as asked",
        CapitalVerdict.Modify => string.Create(CultureInfo.InvariantCulture, $"send {decision.ModifiedIntent!.Qty:0.########}"),
        _ => "do not send",
    };
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{decision.IntentId,-8} {decision.Decision.ToString().ToUpperInvariant(),-7} {send,-22} journaled as event {seq}{(decision.KillSwitchTriggered ? "  [kill switch tripped]" : "")}"));
}

Console.WriteLine(desk.Latched ? "The kill switch is latched: every order is denied until a person resets it." : "The kill switch is off.");
return 0;
