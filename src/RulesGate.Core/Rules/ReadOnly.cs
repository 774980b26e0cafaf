using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Collections.ObjectModel;

namespace RulesGate.Core.Rules;

/// <summary>
/// Collections that rule expressions can see are read-only in fact, not only in their declared interface: no
/// cast can reach a mutable collection behind them. Wrapping a mutable one costs one allocation, no copy.
/// </summary>
internal static class ReadOnly
{
    public static IReadOnlyDictionary<TKey, TValue> Map<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> map)
        where TKey : notnull => map switch
        {
            FrozenDictionary<TKey, TValue> or ReadOnlyDictionary<TKey, TValue> or ImmutableDictionary<TKey, TValue> or ImmutableSortedDictionary<TKey, TValue> => map,
            IDictionary<TKey, TValue> mutable => new ReadOnlyDictionary<TKey, TValue>(mutable),
            _ => map.ToFrozenDictionary(),
        };

    public static IReadOnlyList<T> List<T>(IReadOnlyList<T> list) => list switch
    {
        ReadOnlyCollection<T> or ImmutableArray<T> or ImmutableList<T> => list,
        IList<T> mutable => new ReadOnlyCollection<T>(mutable),
        _ => new ReadOnlyCollection<T>([.. list]),
    };
}
