namespace RulesGate.Core.Rules;

/// <summary>The type of a parameter as the generated <c>Params</c> class exposes it.</summary>
public enum ParamType
{
    /// <summary><c>double</c>. Numbers are inferred as this, so integer division never surprises an author.</summary>
    Number,

    /// <summary><c>int</c>; only where a kind's schema declares it.</summary>
    Integer,

    /// <summary><c>bool</c>.</summary>
    Bool,

    /// <summary><c>string</c>.</summary>
    String,

    /// <summary><c>DateTimeOffset</c> in UTC, written as ISO 8601 with <c>Z</c>.</summary>
    Timestamp,

    /// <summary><c>IReadOnlyList&lt;double&gt;</c>.</summary>
    NumberList,

    /// <summary><c>IReadOnlyList&lt;string&gt;</c>.</summary>
    StringList,
}
