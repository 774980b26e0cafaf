using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace RulesGate.Core;

/// <summary>
/// Files that a reader sees whole, old or new: written to a temporary file beside them, flushed to disk, renamed over,
/// and the rename itself made durable (the folder flushed), so a caller that records the write as done after
/// <see cref="Write"/> returns never records what a power cut could undo.
/// </summary>
internal static class AtomicFile
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
            FlushFolder(folder);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Flushes a folder's entries to disk (a rename in it is durable once this returns); where the system has no such call (Windows), nothing.</summary>
    /// <exception cref="IOException">The folder could not be opened or flushed.</exception>
    private static void FlushFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = Open(System.Text.Encoding.UTF8.GetBytes(folder + "\0"), 0);     // O_RDONLY: enough to fsync a folder
        if (descriptor < 0)
        {
            throw new IOException($"{folder}: cannot open the folder to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"{folder}: cannot flush the folder to disk (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    // DllImport, not LibraryImport: its generated code would need unsafe blocks in Core, for three calls whose arguments are plain.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);     // the path as NUL-terminated UTF-8

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int descriptor);

    /// <summary>The SHA-256 of the file's bytes, lower-case hex; null when there is no file.</summary>
    public static string? Hash(string path) => File.Exists(path) ? Hash(File.ReadAllBytes(path)) : null;

    /// <summary>The SHA-256 of <paramref name="bytes"/>, lower-case hex: the name a file's content is kept under in the journal.</summary>
    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
