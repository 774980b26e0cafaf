namespace RulesGate.Core.Journal;

/// <summary>The journal cannot be used as asked: it is not a RulesGate journal, or a write lost a race.</summary>
public sealed class JournalException : InvalidOperationException
{
    private JournalException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public static JournalException NotAJournal(string path, Exception inner) =>
        new($"{path} is not a RulesGate journal ({inner.Message}).", inner);

    /// <summary>Something the journal should hold is missing or no longer loads.</summary>
    public static JournalException Missing(string what) => new(what);

    public static JournalException NoJournal(string path) =>
        new($"There is no journal at {path}; create one with 'rulesgate journal init --journal {path}', or name the right one with --journal.");

    public static JournalException BadField(string name, string value) =>
        new($"Journal {name} '{value}' must be one line of text, not empty.");
}
