using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using RulesGate.Core.Serialization;
using RulesGate.Grpc;

namespace RulesGate.Server.Api;

/// <summary>
/// The gRPC intake (<c>protos/rulesgate.proto</c>): one long-lived stream per order router. Each request is judged as
/// <c>POST /v1/decisions</c> judges it, in the order it arrived (it takes its place in the one order of deciding as it
/// is read), and its reply goes back in that order once its decision is durable, so many requests are in flight on
/// one stream and their decisions share commits. A request that cannot be judged gets an error reply in its place;
/// the stream goes on. Authentication and roles are the server's own (the same middleware as every route: a trader's
/// bearer token in the <c>authorization</c> metadata).
/// </summary>
internal sealed class OrderPathService(GateHost gate, ServerSettings settings) : OrderPath.OrderPathBase
{
    /// <summary>Whether <paramref name="context"/> is a gRPC call (its body a stream, never read whole first).</summary>
    public static bool Owns(Microsoft.AspNetCore.Http.HttpContext context) =>
        context.Request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    /// <summary>Replies waiting for their decision, per stream: past this many, reading the stream waits.</summary>
    private const int InFlight = 4096;

    public override async Task Decide(IAsyncStreamReader<DecisionRequest> requestStream, IServerStreamWriter<DecisionReply> responseStream, ServerCallContext context)
    {
        var pending = Channel.CreateBounded<Task<DecisionReply>>(new BoundedChannelOptions(InFlight) { SingleReader = true, SingleWriter = true });
        var writing = Task.Run(async () =>
        {
            await foreach (var reply in pending.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(await reply.ConfigureAwait(false), context.CancellationToken).ConfigureAwait(false);
            }
        }, context.CancellationToken);

        try
        {
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                // Judged (and queued for the journal) here, in the order requests arrive; answered by the writer in that order.
                await pending.Writer.WriteAsync(Reply(request), context.CancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            pending.Writer.TryComplete();
        }

        await writing.ConfigureAwait(false);
    }

    /// <summary>The reply to one request: its decision once durable, or why it has none.</summary>
    private async Task<DecisionReply> Reply(DecisionRequest request)
    {
        try
        {
            if (request.Request.Length > Http.MaxBody)
            {
                throw new PayloadTooLargeException(Http.MaxBody);
            }

            using var body = StrictJson.Parse(request.Request.Memory, "request");
            var decision = await DecisionsApi.Decision(body.RootElement, gate, settings).ConfigureAwait(false);
            return new DecisionReply { Id = request.Id, Decision = ByteString.CopyFromUtf8(decision) };
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            var (_, code, message) = ApiExceptionHandler.Answer(error, judging: true);
            return new DecisionReply { Id = request.Id, Error = $"{code}: {message}" };
        }
    }
}
