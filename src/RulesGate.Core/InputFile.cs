namespace RulesGate.Core;

/// <summary>
/// Reads an input file whole, but never more than a bound: a device that never ends (<c>/dev/zero</c>) or a file
/// far larger than any valid input stops at the bound instead of exhausting memory, and the caller refuses it.
/// </summary>
internal static class InputFile
{
    /// <summary>The first <paramref name="limit"/> + 1 bytes at most, so that a caller sees the file is too large.</summary>
    public static byte[] ReadAtMost(string path, int limit)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
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
