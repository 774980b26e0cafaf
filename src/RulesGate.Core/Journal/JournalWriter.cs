using System.Threading.Channels;

namespace RulesGate.Core.Journal;

/// <summary>
/// Group commit: entries from any thread queue up, and one writer thread appends whatever has gathered in one
/// transaction. An entry's task completes only after its transaction committed, so nothing is acknowledged
/// before it is durable; a failed transaction fails every task in it.
/// </summary>
internal sealed class JournalWriter : IAsyncDisposable
{
    private readonly JournalStore store;
    private readonly Channel<Item> queue;
    private readonly Task loop;
    private readonly int maxBatch;
    private readonly int capacity;
    private readonly Action<int>? committed;

    /// <param name="store">Owned by the writer from now on.</param>
    /// <param name="maxBatch">The most entries one transaction takes; four batches may wait, then appends wait for room.</param>
    /// <param name="committed">Told each batch's size once it is durable (on the writer's thread): a host's metrics.</param>
    public JournalWriter(JournalStore store, int maxBatch = 4096, Action<int>? committed = null)
    {
        this.store = store;
        this.maxBatch = maxBatch;
        this.committed = committed;
        capacity = 4 * maxBatch;
        queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        loop = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>How many transactions committed so far.</summary>
    public long Commits { get; private set; }

    /// <summary>How many entries were acknowledged durable so far.</summary>
    public long Acknowledged { get; private set; }

    /// <summary>
    /// Queues the entry; the task completes with the event once it is durable. When the queue is full the entry waits
    /// for room, in the order it was queued, without holding the caller's thread: a producer faster than the disk sees
    /// its acknowledgements slow down rather than memory fill up (<see cref="Full"/>, <see cref="Room"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The writer is closed.</exception>
    public Task<JournalEvent> Append(JournalEntry entry, KeyValuePair<string, byte[]>? blob = null)
    {
        var pending = new Pending(entry, blob, new TaskCompletionSource<JournalEvent>(TaskCreationOptions.RunContinuationsAsynchronously));
        return Enqueue(pending, pending.Done.Task);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the store once every append queued before it is committed and no batch is in
    /// flight, alone: how a host appends what needs a transaction of its own (a decision that trips the kill switch,
    /// with its latch) or reads the store the writer owns. The task completes with its result or its exception.
    /// </summary>
    public Task<T> Exclusively<T>(Func<JournalStore, T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        return Enqueue(new Exclusive(() =>
        {
            try
            {
                done.SetResult(work(store));
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                done.SetException(error);
            }
        }), done.Task);
    }

    /// <summary>Whether the queue is full: what is queued now waits for room.</summary>
    public bool Full => queue.Reader.Count >= capacity;

    /// <summary>Completes when the queue has room again (at once when it has).</summary>
    public Task Room() => queue.Writer.WaitToWriteAsync().AsTask();

    /// <summary>Queues <paramref name="item"/> now, or (the queue full) as soon as there is room, ahead of anything queued after it.</summary>
    private Task<T> Enqueue<T>(Item item, Task<T> done)
    {
        if (queue.Writer.TryWrite(item))
        {
            return done;
        }

        // A bounded channel hands the room freed by a read to the writers waiting, first come first served, before a
        // later TryWrite can take it: the order of queueing stays the order of the journal.
        return Waiting(queue.Writer.WriteAsync(item), done);

        static async Task<T> Waiting(ValueTask writing, Task<T> done)
        {
            try
            {
                await writing.ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                throw new InvalidOperationException("The journal writer is closed.");
            }

            return await done.ConfigureAwait(false);
        }
    }

    /// <summary>Writes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await loop.ConfigureAwait(false);
        store.Dispose();
    }

    /// <summary>
    /// Takes what has gathered, chains and encodes it as a segment, and commits it while the next batch is
    /// prepared: encoding (hashing, CBOR, zstd) runs beside the commit (fsync), on the other core.
    /// </summary>
    private async Task Run()
    {
        (long Seq, string Hash)? head = null;
        Task? committing = null;
        while (await queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new List<Pending>(maxBatch);
            Exclusive? alone = null;
            while (batch.Count < maxBatch && queue.Reader.TryPeek(out var item))
            {
                if (item is Exclusive exclusive)
                {
                    // It runs after what came before it, so a batch gathered so far goes first.
                    if (batch.Count == 0)
                    {
                        queue.Reader.TryRead(out _);
                        alone = exclusive;
                    }

                    break;
                }

                queue.Reader.TryRead(out _);
                batch.Add((Pending)item);
            }

            if (alone is not null)
            {
                if (committing is not null)
                {
                    await committing.ConfigureAwait(false);
                    committing = null;
                }

                alone.Run();
                head = null;   // it may have appended: the next batch is prepared at the head read again
                continue;
            }

            if (head is null && committing is not null)
            {
                // The head is read from the store, which the last commit may still be using: wait for it first.
                await committing.ConfigureAwait(false);
                committing = null;
            }

            PreparedSegment? prepared = null;
            try
            {
                head ??= store.Head();
                prepared = store.Prepare([.. batch.Select(p => p.Entry)], head.Value);
                head = (prepared.Events[^1].Seq, prepared.Events[^1].Hash);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                // Committed as it is, the batch fails there with the reason.
                head = null;
            }

            if (committing is not null)
            {
                await committing.ConfigureAwait(false);
            }

            // The last commit may have ended elsewhere than this batch was prepared after (a blob's event, a failed
            // batch, another node's appends): prepared again at the real head here, or this batch and every later one
            // would be chained a second time inside its transaction.
            if (prepared is not null && store.Committed is { } real && real != prepared.After)
            {
                prepared = store.Prepare(prepared.Entries, real);
                head = (prepared.Events[^1].Seq, prepared.Events[^1].Hash);
            }

            var blobs = batch.Where(p => p.Blob is not null).Select(p => p.Blob!.Value).DistinctBy(pair => pair.Key).ToList();
            committing = Task.Run(() => Commit(batch, prepared, blobs));
        }

        if (committing is not null)
        {
            await committing.ConfigureAwait(false);
        }
    }

    /// <summary>Commits one batch and completes its tasks: with the events once durable, with the error when not.</summary>
    private void Commit(List<Pending> batch, PreparedSegment? prepared, List<KeyValuePair<string, byte[]>> blobs)
    {
        try
        {
            var events = prepared is not null ? store.Append(prepared, blobs) : store.Append([.. batch.Select(p => p.Entry)], blobs, segment: true);
            Commits++;
            Acknowledged += batch.Count;
            committed?.Invoke(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.SetResult(events[i]);
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            foreach (var pending in batch)
            {
                pending.Done.SetException(error);
            }
        }
    }

    private abstract record Item;

    private sealed record Pending(JournalEntry Entry, KeyValuePair<string, byte[]>? Blob, TaskCompletionSource<JournalEvent> Done) : Item;

    private sealed record Exclusive(Action Run) : Item;
}
