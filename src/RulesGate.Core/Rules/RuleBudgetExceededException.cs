using System.Globalization;

namespace RulesGate.Core.Rules;

/// <summary>An evaluation used up its <see cref="RuleBudget"/>.</summary>
public sealed class RuleBudgetExceededException : Exception
{
    /// <summary>Creates the exception; its message says what the budget counts.</summary>
    public RuleBudgetExceededException()
        : base(string.Create(CultureInfo.InvariantCulture, $"used up the evaluation budget of {RuleBudget.Limit:N0} steps (elements read, lambda calls, characters of text)"))
    {
    }
}
