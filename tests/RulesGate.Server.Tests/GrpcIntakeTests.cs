using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using RulesGate.Core.Journal;
using RulesGate.Grpc;

namespace RulesGate.Server.Tests;

/// <summary>The gRPC intake: one stream per router, each request judged as POST /v1/decisions judges it, answered in order once durable.</summary>
public sealed class GrpcIntakeTests
{
    private static AsyncDuplexStreamingCall<DecisionRequest, DecisionReply> Stream(GrpcChannel channel, string token) =>
        new OrderPath.OrderPathClient(channel).Decide(new Metadata { { "authorization", $"Bearer {token}" } });

    private static DecisionRequest Request(string id, string json) => new() { Id = id, Request = ByteString.CopyFromUtf8(json) };

    [Fact]
    public async Task OneStream_AnswersEveryRequestInOrder_AsHttpAnswersIt_EachDurable_AndAMalformedOneInItsPlace()
    {
        await using var server = new RunningServer(grpc: true);
        using var channel = GrpcChannel.ForAddress(server.GrpcAddress!);
        var sample = RunningServer.Sample("request-oversized-buy.json");
        using var call = Stream(channel, server.TraderToken);
        var sent = Enumerable.Range(0, 40).Select(i => i == 17 ? Request("r-17", "{\"intent\": ") : Request($"r-{i}", sample)).ToList();

        // Everything is sent before anything is read: the requests are in flight together on the one stream.
        foreach (var request in sent)
        {
            await call.RequestStream.WriteAsync(request);
        }

        await call.RequestStream.CompleteAsync();
        var replies = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(sent.Select(request => request.Id), replies.Select(reply => reply.Id));
        Assert.StartsWith("invalid_json: ", replies[17].Error, StringComparison.Ordinal);
        Assert.True(replies[17].Decision.IsEmpty);
        var decided = replies.Where(reply => reply.Id != "r-17").Select(reply => JsonDocument.Parse(reply.Decision.Memory).RootElement).ToList();
        var seqs = decided.Select(answer => answer.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(seqs.Order(), seqs);
        foreach (var seq in seqs)
        {
            Assert.Equal(EventTypes.GateDecision, server.Journal.Event(seq)?.Type);
        }

        // The same request over HTTP gets the same decision.
        using var http = await server.Post("/v1/decisions", sample, server.TraderToken);
        var overHttp = JsonDocument.Parse(await http.Content.ReadAsStringAsync()).RootElement.GetProperty("decision");
        Assert.Equal(Without(overHttp), Without(decided[0].GetProperty("decision")));
    }

    [Theory]
    [InlineData("not-a-token", StatusCode.Unauthenticated)]
    [InlineData("reader", StatusCode.PermissionDenied)]
    public async Task AStreamWithoutATradersToken_IsRefused_AndNothingIsJudged(string who, StatusCode expected)
    {
        await using var server = new RunningServer(grpc: true);
        using var channel = GrpcChannel.ForAddress(server.GrpcAddress!);
        var before = server.Journal.LastSeq();
        using var call = Stream(channel, who == "reader" ? server.ReaderToken : who);

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(Request("r-1", RunningServer.Sample("request-oversized-buy.json")));
            await call.RequestStream.CompleteAsync();
            await call.ResponseStream.ReadAllAsync().ToListAsync();
        });

        Assert.Equal(expected, refused.StatusCode);
        Assert.Equal(before, server.Journal.LastSeq());
    }

    /// <summary>A decision without what differs between two evaluations of it: its timing.</summary>
    private static string Without(JsonElement decision) =>
        string.Join(",", decision.EnumerateObject().Where(field => field.Name is not "eval_us").Select(field => $"{field.Name}={field.Value.GetRawText()}"));
}
