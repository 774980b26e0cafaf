namespace RulesGate.Cli;

/// <summary>Files the CLI writes in place of others.</summary>
internal static class OutputFile
{
    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="bytes"/>: written to a new file of a random name beside it
    /// (created, never opened if something is there already, so a planted file or link is not written through), then
    /// moved over it, so a reader (a server's reload) sees the old file or the new, never half of one.
    /// </summary>
    public static void Replace(string path, byte[] bytes)
    {
        var written = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Path.GetRandomFileName()}");
        try
        {
            using (var file = new FileStream(written, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }

            File.Move(written, path, overwrite: true);
        }
        finally
        {
            File.Delete(written);
        }
    }
}
