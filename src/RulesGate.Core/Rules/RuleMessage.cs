namespace RulesGate.Core.Rules;

/// <summary>A message template: literal text with <c>{Expression:format}</c> holes.</summary>
/// <param name="Template">The template as written.</param>
/// <param name="Parts">Literal text and holes in order.</param>
public sealed record RuleMessage(string Template, IReadOnlyList<RuleMessagePart> Parts);

/// <summary>One part of a message: either literal text or a hole (an expression with an optional alignment and format).</summary>
/// <param name="Literal">The literal text, when this part is not a hole.</param>
/// <param name="Hole">The hole's expression, when it is one.</param>
/// <param name="Format">The alignment and format as written after the expression, such as <c>:F4</c>; empty when none.</param>
public sealed record RuleMessagePart(string? Literal, RuleExpression? Hole, string Format);
