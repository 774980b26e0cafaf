using System.Security.Cryptography;

namespace RulesGate.Core;

/// <summary>Files that a reader sees whole, old or new: written to a temporary file beside them, flushed to disk, then renamed over.</summary>
public static class AtomicFile
{
    /// <summary>Puts <paramref name="bytes"/> at <paramref name="path"/> atomically, making its folder first; temporary files a dead process left for it go.</summary>
    public static void Write(string path, byte[] bytes)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        foreach (var stale in Directory.EnumerateFiles(folder, $".{Path.GetFileName(path)}.*.tmp"))
        {
            File.Delete(stale);
        }

        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The SHA-256 of the file's bytes, lower-case hex; null when there is no file.</summary>
    public static string? Hash(string path) => File.Exists(path) ? Hash(File.ReadAllBytes(path)) : null;

    /// <summary>The SHA-256 of <paramref name="bytes"/>, lower-case hex: the name a file's content is kept under in the journal.</summary>
    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
