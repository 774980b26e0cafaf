using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using RulesGate.Grpc;

namespace RulesGate.Bench;

/// <summary>
/// A router's one stream to the gRPC intake (<c>protos/rulesgate.proto</c>), for <c>bench serve --grpc</c>: each
/// <see cref="Send"/> puts the request on the stream and completes when its reply comes back (replies come in the
/// order requests went), true when the reply is a decision.
/// </summary>
public sealed class GrpcIntake : IAsyncDisposable
{
    private readonly GrpcChannel channel;
    private readonly AsyncDuplexStreamingCall<DecisionRequest, DecisionReply> call;
    private readonly Channel<(DecisionRequest Request, TaskCompletionSource<bool> Reply)> outgoing =
        Channel.CreateUnbounded<(DecisionRequest, TaskCompletionSource<bool>)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<TaskCompletionSource<bool>> awaiting = new();
    private readonly Task writing;
    private readonly Task reading;
    private readonly ByteString body;
    private long sent;
    private volatile string? failure;

    public GrpcIntake(Uri server, string token, byte[] request)
    {
        body = ByteString.CopyFrom(request);
        channel = GrpcChannel.ForAddress(server, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false, UseProxy = false } });
        call = new OrderPath.OrderPathClient(channel).Decide(new Metadata { { "authorization", $"Bearer {token}" } });
        writing = Task.Run(async () =>
        {
            // One writer: the stream takes one message at a time, in the order they were sent. Once the stream has
            // failed, every request still to go fails with it.
            await foreach (var (message, reply) in outgoing.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                awaiting.Enqueue(reply);
                try
                {
                    if (failure is null)
                    {
                        await call.RequestStream.WriteAsync(message).ConfigureAwait(false);
                    }
                }
                catch (RpcException failed)
                {
                    Fail(failed);
                }
                catch (InvalidOperationException) when (failure is not null)
                {
                    // the call ended (the reader says why); writing to it is refused
                }

                if (failure is not null)
                {
                    Drain();
                }
            }

            if (failure is null)
            {
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
        });
        reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var reply in call.ResponseStream.ReadAllAsync().ConfigureAwait(false))
                {
                    if (awaiting.TryDequeue(out var waiting))
                    {
                        waiting.TrySetResult(reply.Error.Length == 0);
                    }
                }
            }
            catch (RpcException failed)
            {
                Fail(failed);
            }
        });
    }

    /// <summary>Why the stream ended before its time (the server's status), or null while it stands.</summary>
    public string? Failure => failure;

    private void Fail(RpcException failed)
    {
        failure ??= $"{failed.StatusCode}: {failed.Status.Detail}";
        Drain();
    }

    /// <summary>Once the stream has failed, every request still waiting fails with it.</summary>
    private void Drain()
    {
        while (awaiting.TryDequeue(out var waiting))
        {
            waiting.TrySetException(new HttpRequestException(failure));
        }
    }

    /// <summary>Puts one request on the stream; completes with whether its reply is a decision.</summary>
    public Task<bool> Send()
    {
        var reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        outgoing.Writer.TryWrite((new DecisionRequest { Id = Interlocked.Increment(ref sent).ToString(System.Globalization.CultureInfo.InvariantCulture), Request = body }, reply));
        return reply.Task;
    }

    public async ValueTask DisposeAsync()
    {
        outgoing.Writer.TryComplete();
        await writing.ConfigureAwait(false);
        await reading.ConfigureAwait(false);
        call.Dispose();
        channel.Dispose();
    }
}
