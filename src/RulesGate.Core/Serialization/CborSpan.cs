using System.Buffers.Binary;

namespace RulesGate.Core.Serialization;

/// <summary>
/// A forward reader of the CBOR RulesGate writes (definite lengths only), over bytes that may be hostile: every
/// length is checked against what remains, nesting is bounded, and anything else is a <see cref="FormatException"/>.
/// Far cheaper per item than <see cref="System.Formats.Cbor.CborReader"/>, which matters at one segment of 4,096
/// events; what it reads is validated where it is used (text as UTF-8 by the JSON writer, hashes by the chain).
/// </summary>
public ref struct CborSpan(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> data = data;

    public int Position { get; private set; }

    public readonly int Remaining => data.Length - Position;

    /// <summary>The next item's major type (0–7), without reading it.</summary>
    public readonly int PeekMajor() => Position < data.Length ? data[Position] >> 5 : throw Truncated();

    /// <summary>Reads a head: its major type and argument (a length, a count, an integer, a tag, or a simple value's bits).</summary>
    public (int Major, ulong Value) Head()
    {
        if (Position >= data.Length)
        {
            throw Truncated();
        }

        var first = data[Position++];
        var major = first >> 5;
        var info = first & 0x1f;
        ulong value;
        switch (info)
        {
            case < 24:
                value = (ulong)info;
                break;
            case 24:
                value = Take(1)[0];
                break;
            case 25:
                value = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
                break;
            case 26:
                value = BinaryPrimitives.ReadUInt32BigEndian(Take(4));
                break;
            case 27:
                value = BinaryPrimitives.ReadUInt64BigEndian(Take(8));
                break;
            default:
                throw new FormatException($"byte {Position - 1} has additional information {info}: an indefinite length or a reserved value, which RulesGate never writes");
        }

        return (major, value);
    }

    /// <summary>Reads a head of major type <paramref name="major"/>; its argument.</summary>
    public ulong Expect(int major, string what)
    {
        var at = Position;
        var (found, value) = Head();
        return found == major ? value : throw new FormatException($"byte {at} holds major type {found} where {what} was expected");
    }

    /// <summary>A text string's UTF-8 bytes (not yet checked as UTF-8).</summary>
    public ReadOnlySpan<byte> Text(string what) => Take(Expect(3, what));

    /// <summary>A byte string's bytes.</summary>
    public ReadOnlySpan<byte> Bytes(string what) => Take(Expect(2, what));

    /// <summary>An array's or map's count, checked against what remains (each item takes a byte at least).</summary>
    public int Count(int major, string what)
    {
        var count = Expect(major, what);
        return count <= (ulong)Remaining ? (int)count : throw new FormatException($"{what} claims {count} items in {Remaining} bytes");
    }

    public ulong Unsigned(string what) => Expect(0, what);

    /// <summary>Reads one item of any kind, nested at most <paramref name="depth"/> deep; returns its bytes.</summary>
    public ReadOnlySpan<byte> Skip(int depth = CborDocument.MaxDepth)
    {
        var start = Position;
        SkipItem(depth);
        return data[start..Position];
    }

    private void SkipItem(int depth)
    {
        if (depth <= 0)
        {
            throw new FormatException($"nested deeper than {CborDocument.MaxDepth}");
        }

        var (major, value) = Head();
        switch (major)
        {
            case 2 or 3:
                Take(value);
                break;
            case 4 or 5:
                // The count is bounded before it is doubled, so one near 2^64 cannot wrap around to a small one.
                var items = value <= (ulong)Remaining && major == 5 ? value * 2 : value;
                if (items > (ulong)Remaining)
                {
                    throw new FormatException($"a container claims {value} items in {Remaining} bytes");
                }

                for (var i = 0UL; i < items; i++)
                {
                    SkipItem(depth - 1);
                }

                break;
            case 6:
                SkipItem(depth - 1);
                break;
            default:
                // 0, 1 and 7: the head was the whole item (a float's bits are its argument).
                break;
        }
    }

    private ReadOnlySpan<byte> Take(ulong length)
    {
        if (length > (ulong)Remaining)
        {
            throw Truncated();
        }

        var taken = data.Slice(Position, (int)length);
        Position += (int)length;
        return taken;
    }

    private readonly FormatException Truncated() => new($"the CBOR ends early, at byte {Position}");
}
