namespace RulesGate.Core.Journal;

/// <summary>The journal cannot be used as asked: it is not a RulesGate journal, or a write lost a race.</summary>
public class JournalException : InvalidOperationException
{
    protected JournalException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public static JournalException NotAJournal(string path, Exception inner) =>
        new($"{path} is not a RulesGate journal ({inner.Message}).", inner);

    /// <summary>Something the journal should hold is missing or no longer loads.</summary>
    public static JournalException Missing(string what) => new(what);

    public static JournalException MalformedProjection(string key, Exception inner) =>
        new($"The journal's projection '{key}' is malformed ({inner.Message.Split('\n')[0].TrimEnd('.')}); nothing was read from it. Run 'rulesgate journal verify' to see what changed.", inner);

    /// <summary>A projection row read by <paramref name="parse"/>; a malformed one is this exception, never a crash.</summary>
    public static T Parsed<T>(string key, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception error) when (error is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or NullReferenceException)
        {
            throw MalformedProjection(key, error);
        }
    }

    public static JournalException NoJournal(string path) =>
        new($"There is no journal at {path}; create one with 'rulesgate journal init --journal {path}', or name the right one with --journal.");

    public static JournalException BadField(string name, string value) =>
        new($"Journal {name} '{value}' must be one line of text, not empty.");
}

/// <summary>An append expected a stream at one version and found it at another: someone else appended first; nothing was written.</summary>
public sealed class JournalConflictException(string stream, long expected, long actual)
    : RefusalException("journal.conflict", stream, $"The journal stream '{stream}' moved on while this change was prepared (expected version {expected}, found {actual}); nothing was written, try again.")
{
    public long Expected { get; } = expected;

    public long Actual { get; } = actual;
}
