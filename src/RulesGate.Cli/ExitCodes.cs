namespace RulesGate.Cli;

/// <summary>The command's exit codes: the same across every subcommand.</summary>
internal static class ExitCodes
{
    /// <summary>Everything is fine (or the order is allowed).</summary>
    public const int Ok = 0;

    /// <summary>A verdict the caller asked about is negative: a rule test failed, an order is denied.</summary>
    public const int Failed = 1;

    /// <summary>The input is bad or something went wrong; one line on stderr says what.</summary>
    public const int Error = 2;

    /// <summary>A bug in RulesGate, not in the input (EX_SOFTWARE): one line, the details with <c>--verbose</c>.</summary>
    public const int Bug = 70;
}
