namespace RulesGate.Core.Journal;

/// <summary>What a projection may do inside an append's transaction: read and write projection documents (and, inside Core, diary rows).</summary>
public sealed class JournalTransaction
{
    private readonly IStorageTransaction transaction;
    private readonly SortedDictionary<(string Projection, string Id), (string? Value, long Seq)> sets = new(ProjectionOrder.Instance);

    internal JournalTransaction(IStorageTransaction transaction) => this.transaction = transaction;

    /// <summary>The documents this transaction set (a null value: deleted), last value per document, by projection and id.</summary>
    internal IReadOnlyDictionary<(string Projection, string Id), (string? Value, long Seq)> Sets => sets;

    /// <summary>A document as this transaction sees it (its own writes included); null when unset.</summary>
    public StoredProjection? Load(string projection, string id) => transaction.Load(projection, id);

    /// <summary>Sets a document to <paramref name="value"/>, as of the event <paramref name="seq"/>.</summary>
    public void Store(string projection, string id, string value, long seq)
    {
        transaction.Store(new StoredProjection(projection, id, value, seq));
        sets[(projection, id)] = (value, seq);
    }

    /// <summary>Removes a document, as of the event <paramref name="seq"/>.</summary>
    public void Delete(string projection, string id, long seq)
    {
        transaction.Delete(projection, id);
        sets[(projection, id)] = (null, seq);
    }

    internal void AddDiary(IReadOnlyList<DiaryRow> rows) => transaction.AddDiary(rows);

    internal IEnumerable<DiaryRow> DiaryRows(string policyId) => transaction.DiaryRows(policyId);

    /// <summary>Ordinal order, projection first.</summary>
    private sealed class ProjectionOrder : IComparer<(string Projection, string Id)>
    {
        public static readonly ProjectionOrder Instance = new();

        public int Compare((string Projection, string Id) x, (string Projection, string Id) y)
        {
            var byProjection = string.CompareOrdinal(x.Projection, y.Projection);
            return byProjection != 0 ? byProjection : string.CompareOrdinal(x.Id, y.Id);
        }
    }
}
