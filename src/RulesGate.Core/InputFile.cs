namespace RulesGate.Core;

/// <summary>
/// Reads an input file whole, but never more than a bound: a device that never ends (<c>/dev/zero</c>) or a file
/// far larger than any valid input stops at the bound instead of exhausting memory, and the caller refuses it.
/// The path <see cref="StandardInput.Name"/> reads standard input.
/// </summary>
internal static class InputFile
{
    /// <summary>The first <paramref name="limit"/> + 1 bytes at most, so that a caller sees the file is too large.</summary>
    public static byte[] ReadAtMost(string path, int limit)
    {
        if (path == StandardInput.Name)
        {
            return StandardInput.Bytes(limit);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return ReadAtMost(stream, limit);
    }

    internal static byte[] ReadAtMost(Stream stream, int limit)
    {
        var bytes = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while (bytes.Length <= limit && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, limit + 1L - bytes.Length))) > 0)
        {
            bytes.Write(chunk, 0, read);
        }

        return bytes.ToArray();
    }

    /// <summary>The whole file, refused when it is larger than <paramref name="limit"/> bytes.</summary>
    /// <exception cref="FormatException">It is larger; names the file and the bound.</exception>
    public static byte[] Read(string path, int limit)
    {
        var bytes = ReadAtMost(path, limit);
        return bytes.Length <= limit ? bytes : throw new FormatException($"{path} is larger than {limit / (1 << 20)} MB, more than any input RulesGate reads; split it.");
    }
}

/// <summary>
/// Standard input as an input file: a command line's <c>-</c> becomes the path <see cref="Name"/>, which messages
/// show as it is (<c>&lt;stdin&gt;:3:7: …</c>). It is read once, when first asked for, and kept for later reads.
/// </summary>
public static class StandardInput
{
    /// <summary>The path that stands for standard input; a file of that name is written <c>./&lt;stdin&gt;</c>.</summary>
    public const string Name = "<stdin>";

    private static readonly AsyncLocal<Source?> Current = new();

    /// <summary>A command line's input path: <c>-</c> is standard input, anything else a file.</summary>
    public static string Path(string argument) => argument == "-" ? Name : argument;

    /// <summary>Reads standard input from <paramref name="open"/> (opened only when an input is <c>-</c>) until disposed.</summary>
    public static IDisposable Use(Func<Stream> open)
    {
        var previous = Current.Value;
        Current.Value = new Source(open);
        return new Restore(previous);
    }

    internal static byte[] Bytes(int limit)
    {
        var source = Current.Value ?? (Current.Value = new Source(Console.OpenStandardInput));
        lock (source)
        {
            if (source.Bytes is null)
            {
                using var stream = source.Open();
                source.Bytes = InputFile.ReadAtMost(stream, limit);
            }

            return source.Bytes;
        }
    }

    private sealed class Source(Func<Stream> open)
    {
        public Func<Stream> Open { get; } = open;

        public byte[]? Bytes { get; set; }
    }

    private sealed class Restore(Source? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
