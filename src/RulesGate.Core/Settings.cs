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
}
