using System.CommandLine;

namespace RulesGate.Cli;

/// <summary>
/// Options that several commands share, made once per run of <see cref="CliApp.RunAsync"/>: an option remembers every
/// command it is added to, so one kept in a static field across runs would keep every run's command tree (and what
/// its actions hold) alive, and each run in one process would be slower than the last.
/// </summary>
internal static class PerRun
{
    private static readonly AsyncLocal<Dictionary<object, Symbol>?> Symbols = new();

    /// <summary>Starts a run: shared options made from here on are its own, until the scope ends.</summary>
    public static IDisposable Begin()
    {
        var outer = Symbols.Value;
        Symbols.Value = [];
        return new Scope(outer);
    }

    /// <summary>This run's instance of the option <paramref name="make"/> makes (one per call site of a static lambda).</summary>
    /// <exception cref="InvalidOperationException">Called outside a run.</exception>
    public static T Get<T>(Func<T> make)
        where T : Symbol
    {
        var symbols = Symbols.Value ?? throw new InvalidOperationException("A shared option was asked for outside a run of CliApp.RunAsync.");
        if (!symbols.TryGetValue(make.Method, out var made))
        {
            made = make();
            symbols[make.Method] = made;
        }

        return (T)made;
    }

    private sealed class Scope(Dictionary<object, Symbol>? outer) : IDisposable
    {
        public void Dispose() => Symbols.Value = outer;
    }
}
