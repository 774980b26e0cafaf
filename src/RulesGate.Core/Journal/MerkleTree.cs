using System.Security.Cryptography;

namespace RulesGate.Core.Journal;

/// <summary>
/// The Merkle tree of RFC 6962 (Certificate Transparency) over the journal's event hashes, in order: a leaf is
/// SHA-256(0x00 ‖ event hash), a node SHA-256(0x01 ‖ left ‖ right), and a tree of n leaves splits at the largest
/// power of two below n. Its root commits to every event up to its size, so a signed root (a checkpoint) pins them.
/// </summary>
internal static class MerkleTree
{
    /// <summary>The root over <paramref name="leaves"/> (each an event hash, 32 bytes); the hash of nothing for none.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leaves) =>
        leaves.Count == 0 ? SHA256.HashData([]) : Node(leaves, 0, leaves.Count);

    /// <summary>The audit path of leaf <paramref name="index"/> in the tree of <paramref name="leaves"/>, leaf side first.</summary>
    public static IReadOnlyList<byte[]> Path(IReadOnlyList<byte[]> leaves, int index) => Path(leaves, index, memo: null);

    /// <summary>
    /// The audit paths of many leaves of one tree: each subtree of <see cref="Remembered"/> leaves or more is hashed
    /// once for all of them, so k paths cost about n + k·log n hashes rather than k·n.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<byte[]>> Paths(IReadOnlyList<byte[]> leaves, IEnumerable<int> indexes) => [.. indexes.Select(Prover(leaves))];

    /// <summary>
    /// The audit path of any leaf of one tree, one at a time, with the subtrees hashed for one path remembered for
    /// the next (as <see cref="Paths"/>): what proves millions of leaves without holding their paths together.
    /// </summary>
    public static Func<int, IReadOnlyList<byte[]>> Prover(IReadOnlyList<byte[]> leaves)
    {
        var memo = new Dictionary<(int Start, int Count), byte[]>();
        return index => Path(leaves, index, memo);
    }

    /// <summary>The smallest subtree <see cref="Paths"/> remembers: fewer leaves are hashed again, and memory stays a small share of the leaves'.</summary>
    private const int Remembered = 64;

    private static List<byte[]> Path(IReadOnlyList<byte[]> leaves, int index, Dictionary<(int, int), byte[]>? memo)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, leaves.Count);
        var path = new List<byte[]>();
        Collect(leaves, 0, leaves.Count, index, path, memo);
        return path;
    }

    /// <summary>Whether <paramref name="path"/> takes leaf <paramref name="index"/> of a tree of <paramref name="size"/> leaves to <paramref name="root"/> (RFC 9162, 2.1.3.2).</summary>
    public static bool Verify(byte[] leaf, long index, long size, IReadOnlyList<byte[]> path, byte[] root)
    {
        if (index < 0 || index >= size)
        {
            return false;
        }

        long fn = index, sn = size - 1;
        var r = Leaf(leaf);
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = Interior(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = Interior(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    private static byte[] Node(IReadOnlyList<byte[]> leaves, int start, int count, Dictionary<(int, int), byte[]>? memo = null)
    {
        if (count == 1)
        {
            return Leaf(leaves[start]);
        }

        if (memo is not null && count >= Remembered && memo.TryGetValue((start, count), out var known))
        {
            return known;
        }

        var split = Split(count);
        var node = Interior(Node(leaves, start, split, memo), Node(leaves, start + split, count - split, memo));
        if (memo is not null && count >= Remembered)
        {
            memo[(start, count)] = node;
        }

        return node;
    }

    private static void Collect(IReadOnlyList<byte[]> leaves, int start, int count, int index, List<byte[]> path, Dictionary<(int, int), byte[]>? memo)
    {
        if (count == 1)
        {
            return;
        }

        var split = Split(count);
        if (index < split)
        {
            Collect(leaves, start, split, index, path, memo);
            path.Add(Node(leaves, start + split, count - split, memo));
        }
        else
        {
            Collect(leaves, start + split, count - split, index - split, path, memo);
            path.Add(Node(leaves, start, split, memo));
        }
    }

    /// <summary>The largest power of two smaller than <paramref name="count"/> (count ≥ 2).</summary>
    private static int Split(int count) => 1 << (31 - int.LeadingZeroCount(count - 1));

    private static byte[] Leaf(byte[] hash) => SHA256.HashData([0x00, .. hash]);

    private static byte[] Interior(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);
}
