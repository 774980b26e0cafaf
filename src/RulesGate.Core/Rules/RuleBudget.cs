using System.Runtime.CompilerServices;

namespace RulesGate.Core.Rules;

/// <summary>
/// The steps one evaluation of a rule file may take, counted down by the compiled code: every element a LINQ
/// operator reads (a materialized collection counts its size when it is read, a lazy sequence each element it
/// yields), every call of a lambda, every character of text built or searched (up to 16 of either are free). The compiler inserts the calls
/// (<see cref="Counted{T}"/>, <see cref="Step"/>, <see cref="Text"/>) around what the author wrote, after the
/// sandbox has admitted it; an expression cannot call them itself. When the budget runs out the evaluation throws
/// <see cref="RuleBudgetExceededException"/>, which every host turns into a denial that names the rule (SYS-002).
/// </summary>
/// <remarks>The budget is per thread and restarted by <see cref="RuleEvaluator{TContext}"/> before each call into compiled code.</remarks>
public static class RuleBudget
{
    /// <summary>Steps per evaluation: far above what the shipped files take (tens to thousands), and a few milliseconds of work.</summary>
    public const long Limit = 1_000_000;

    [ThreadStatic]
    private static long remaining;

    /// <summary>Restarts the budget for one evaluation.</summary>
    public static void Start() => remaining = Limit;

    /// <summary>Counts one lambda call; always true, so it can guard a lambda's body.</summary>
    /// <exception cref="RuleBudgetExceededException">The budget is used up.</exception>
    public static bool Step()
    {
        if (--remaining < 0)
        {
            throw new RuleBudgetExceededException();
        }

        return true;
    }

    /// <summary>
    /// A sequence a LINQ operator is about to read, counted: a materialized collection (or text) at once by its
    /// size, since the operator may read all of it without asking again, a lazy sequence per element. Null passes through.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IEnumerable<T> Counted<T>(IEnumerable<T> source)
    {
        // The non-generic ICollection first: lists, arrays and read-only collections have it, and testing for it costs
        // no lookup of T, which shared generic code over reference types pays for every generic test.
        if (source is System.Collections.ICollection collection)
        {
            Charge(collection.Count);
            return source;
        }

        return CountedOther(source);
    }

    private static IEnumerable<T> CountedOther<T>(IEnumerable<T> source)
    {
        switch (source)
        {
            case null:
                return null!;
            case IReadOnlyCollection<T> collection:
                Charge(collection.Count);
                return source;
            case ICollection<T> collection:
                Charge(collection.Count);
                return source;
            case string text:
                Charge(text.Length);
                return source;
            default:
                return Each(source);
        }
    }

    /// <summary>Text just built or about to be searched, counted by its length; returned as it is.</summary>
    public static string Text(string text)
    {
        Charge(text?.Length ?? 0);
        return text!;
    }

    private static IEnumerable<T> Each<T>(IEnumerable<T> source)
    {
        foreach (var item in source)
        {
            Step();
            yield return item;
        }
    }

    /// <summary>
    /// Reading a collection this small is free: it costs no more than a few lambda calls, and it happens once per
    /// operator, which runs at most once per step of the lambda around it, so the bound changes by a constant only.
    /// </summary>
    private const int FreeReads = 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Charge(int steps)
    {
        if (steps <= FreeReads)
        {
            return;
        }

        remaining -= steps;
        if (remaining < 0)
        {
            throw new RuleBudgetExceededException();
        }
    }
}
