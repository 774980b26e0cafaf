namespace RulesGate.Core;

/// <summary>RULESGATE_* environment overrides: trimmed; unset is null; set but empty is a mistake, not a default.</summary>
public static class Settings
{
    /// <exception cref="FormatException">The variable is set but empty.</exception>
    public static string? Read(string name, Func<string, string?>? environment = null) => (environment ?? Environment.GetEnvironmentVariable)(name) switch
    {
        null => null,
        { } value when value.Trim().Length == 0 => throw new FormatException($"{name} is set but empty; unset it or give it a value."),
        { } value => value.Trim(),
    };

    /// <summary>
    /// <paramref name="name"/>, or <paramref name="alias"/> (the name the system RulesGate replaces gave it) when only
    /// that is set; both set to different values is a mistake, not a choice.
    /// </summary>
    /// <exception cref="FormatException">One is set but empty, or both are set and differ.</exception>
    public static string? ReadEither(string name, string alias, Func<string, string?>? environment = null)
    {
        var (own, theirs) = (Read(name, environment), Read(alias, environment));
        return own is not null && theirs is not null && own != theirs
            ? throw new FormatException($"{name} is '{own}' and {alias} (AlphaTrade's name for it) is '{theirs}'; unset one of them.")
            : own ?? theirs;
    }

    /// <summary>
    /// AlphaTrade's variables that name files RulesGate keeps in its journal instead: set, they would be silently
    /// ignored, so they are refused. Returns why, or null when none is set.
    /// </summary>
    public static string? Refused(Func<string, string?>? environment = null)
    {
        foreach (var (name, what, instead) in Foreign)
        {
            if ((environment ?? Environment.GetEnvironmentVariable)(name) is { } value && value.Trim().Length > 0)
            {
                return $"{name} is set ('{value.Trim()}'), but RulesGate keeps the {what} in its journal, not in a file; unset {name} and {instead}.";
            }
        }

        return null;
    }

    private static readonly (string Name, string What, string Instead)[] Foreign =
    [
        ("POLICY_LEDGER_PATH", "policy ledger", "name the journal with --journal"),
        ("DECISION_DIARY_PATH", "decision diary", "ingest the diary into the journal with 'rulesgate diary ingest'"),
    ];
}
