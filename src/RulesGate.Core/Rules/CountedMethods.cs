namespace RulesGate.Core.Rules;

/// <summary>The methods of <see cref="ICompiledRules{TContext}"/> whose code counts steps against the <see cref="RuleBudget"/>.</summary>
[Flags]
internal enum CountedMethods
{
    None = 0,
    Evaluate = 1,
    When = 2,
    Message = 4,
    TryEffect = 8,
    Derived = 16,
    Facts = 32,
    Probe = 64,
    All = 127,
}
