using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using RulesGate.Core.Application;
using RulesGate.Core.Journal;
using RulesGate.Core.Tests.Support;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Tests.Application;

public sealed class SignalDispatcherTests : IDisposable
{
    private static readonly WorkflowLoader Loader = new(Compiled.Engine);
    private static readonly WorkflowRoles Roles = WorkflowRoles.Load(Repo.PathOf("workflows", "roles.yaml"));

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly TempJournal journal;
    private readonly WorkflowRuntime runtime;
    private readonly SignalDispatcher dispatcher;

    public SignalDispatcherTests()
    {
        journal = new TempJournal(clock);
        runtime = new WorkflowRuntime(journal.Store, Loader, Roles, clock, Path.Combine(journal.Folder, "artifacts"));
        dispatcher = new SignalDispatcher(runtime, new WorkflowCatalogue(Loader, Repo.PathOf("workflows")));
    }

    public void Dispose() => journal.Dispose();

    private static WorkflowSignal Parse(string json) => SignalDispatcher.Parse(JsonDocument.Parse(json).RootElement, "signals.jsonl:7");

    [Fact]
    public void Parse_EachSignalBecomesItsTypedRecord()
    {
        Assert.Equal(new StartSignal("alpha-trade-promotion", "alpha", "olga", "k1"), Parse("""{"signal":"start","workflow":"alpha-trade-promotion","subject":"alpha","actor":"olga","key":"k1"}"""));
        Assert.Equal(new VoteSignal("i", "rhea", "risk", false, "no", "c2ln", null), Parse("""{"signal":"reject","instance":"i","actor":"rhea","role":"risk","reason":"no","signature":"c2ln"}"""));
        Assert.Equal(new TickSignal(new DateTimeOffset(2026, 11, 5, 0, 0, 0, TimeSpan.Zero)), Parse("""{"signal":"tick","now":"2026-11-05T00:00:00Z"}"""));
        var evidence = Assert.IsType<EvidenceSignal>(Parse("""{"signal":"evidence","subject":"alpha","kind":"diary","evidence":{"added":1}}"""));
        Assert.Equal(1, evidence.Evidence.GetProperty("added").GetInt32());
    }

    [Theory]
    [InlineData("""{"signal":"launch"}""", "signal 'launch' is not start, evidence, approve, reject or tick")]
    [InlineData("""{"signal":"start","workflow":"w","subject":"s"}""", "'actor' is required")]
    [InlineData("""{"signal":"evidence","subject":"s","kind":"k"}""", "'evidence' is required")]
    [InlineData("""{"signal":"tick","now":"2026-11-05T00:00:00+02:00"}""", "is not UTC")]
    [InlineData("""{"signal":"approve","instance":"i","actor":"a","role":"r","reason":"x","signature":"c2ln","key":7}""", "'key' is text")]
    [InlineData("""{"signal":"approve","instance":"i","actor":"a","role":"r","reason":"x"}""", "a vote needs 'signature', the voter's own")]
    [InlineData("""{"signal":"approve","instance":"i","actor":"a","role":"r","reason":"x","signature":7}""", "a vote needs 'signature'")]
    [InlineData("""[1]""", "a signal is a JSON object")]
    public void Parse_ABadLine_SaysWhereAndWhat(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Parse(json));

        Assert.StartsWith("signals.jsonl:7", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispatch_ASignalAlreadyHandled_IsAcknowledgedAndDoesNothing()
    {
        var start = Parse("""{"signal":"start","workflow":"alpha-trade-promotion","subject":"alpha-momentum","actor":"olga"}""");
        var evidence = Parse("""{"signal":"evidence","subject":"alpha-momentum","kind":"diary","evidence":{"added":1,"alerts":0},"key":"e-1"}""");

        Assert.True(dispatcher.Dispatch(start));
        Assert.True(dispatcher.Dispatch(evidence));
        var events = journal.Store.LastSeq();
        Assert.False(dispatcher.Dispatch(evidence));

        Assert.Equal(events, journal.Store.LastSeq());
        Assert.Single(runtime.List());
    }

    [Fact]
    public void Dispatch_StartOfAnUnknownWorkflow_NamesIt()
    {
        var error = Assert.Throws<FormatException>(() => dispatcher.Dispatch(new StartSignal("nope", "alpha", "olga", null)));

        Assert.Contains("No workflow with id 'nope'", error.Message, StringComparison.Ordinal);
    }
}
