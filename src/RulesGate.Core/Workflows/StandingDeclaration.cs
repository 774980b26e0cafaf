using System.Text;
using RulesGate.Core.Rules;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Workflows;

/// <summary>Entering <paramref name="Enters"/> of the ladder <paramref name="Ladder"/> starts the ladder <paramref name="Start"/> for the same subject.</summary>
public sealed record LadderLink(string Ladder, string Enters, string Start);

/// <summary>How the ladders of one kind of subject relate.</summary>
/// <param name="Ladders">The workflows a subject of this kind stands on, in the order every view shows them.</param>
/// <param name="Level">The ladder whose state is the subject's maturity level; null: the one whose gates are a MaturityPolicy.</param>
/// <param name="TradesIn">Per ladder, the states in which the subject may trade at all: in any other state of it, its sizing cap is 0.</param>
/// <param name="Starts">Which state of one ladder starts another.</param>
public sealed record SubjectLadders(IReadOnlyList<string> Ladders, string? Level, IReadOnlyDictionary<string, IReadOnlyList<string>> TradesIn, IReadOnlyList<LadderLink> Starts)
{
    public static SubjectLadders None { get; } = new([], null, new Dictionary<string, IReadOnlyList<string>>(), []);
}

/// <summary>
/// How a desk's ladders relate (<c>workflows/standing.yaml</c>, kind <c>Standing</c>): per kind of subject, the
/// ladders it stands on, which one is its maturity level, in which states of a ladder it may trade, and which state
/// of one ladder starts another. Checked against the workflows it names when it loads.
/// </summary>
public sealed record StandingDeclaration(string Path, IReadOnlyDictionary<string, SubjectLadders> Subjects)
{
    public const string Kind = "Standing";

    public const string FileName = "standing.yaml";

    /// <summary>No declaration: every ladder stands alone, and the maturity level is the MaturityPolicy ladder's.</summary>
    public static StandingDeclaration None { get; } = new("", new Dictionary<string, SubjectLadders>());

    /// <summary>What the declaration says of subjects of <paramref name="kind"/> (<c>strategy</c>, <c>policy</c>, …).</summary>
    public SubjectLadders Of(string kind) => Subjects.GetValueOrDefault(kind) ?? SubjectLadders.None;

    /// <summary>The workflows folder's <c>standing.yaml</c>, checked against <paramref name="workflows"/>; <see cref="None"/> when the folder has none.</summary>
    public static RuleResult<StandingDeclaration> In(string folder, IReadOnlyDictionary<string, WorkflowDefinition> workflows)
    {
        var path = System.IO.Path.Combine(folder, FileName);
        return File.Exists(path) ? Load(path, workflows) : RuleResult<StandingDeclaration>.Success(None);
    }

    /// <summary>Reads and checks the file against <paramref name="workflows"/> (the folder's definitions, by id).</summary>
    public static RuleResult<StandingDeclaration> Load(string path, IReadOnlyDictionary<string, WorkflowDefinition> workflows) =>
        Parse(path, InputFile.ReadAtMost(path, YamlLimits.MaxBytes), workflows);

    public static RuleResult<StandingDeclaration> Parse(string path, byte[] bytes, IReadOnlyDictionary<string, WorkflowDefinition> workflows)
    {
        var reader = new YamlReader(new SourceText(path, new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF')));
        if (reader.ParseDocument() is not { } root)
        {
            return RuleResult<StandingDeclaration>.Failure(reader.Diagnostics);
        }

        string[] kinds = [.. WorkflowLoader.Subjects];
        var top = reader.Entries(root, "", ["apiVersion", "kind", .. kinds], ["apiVersion", "kind"]);
        if (top.TryGetValue("apiVersion", out var api) && reader.String(api, "apiVersion") is { } version && version != RuleFileLoader.ApiVersion)
        {
            reader.Error(api, "RG1005", "apiVersion", $"'{version}' is not a supported apiVersion.", $"Write '{RuleFileLoader.ApiVersion}'.");
        }

        if (top.TryGetValue("kind", out var kindNode) && reader.String(kindNode, "kind") is { } kind && kind != Kind)
        {
            reader.Error(kindNode, "RG1005", "kind", $"'{kind}' is not the kind of a standing file.", $"Write '{Kind}'.");
        }

        var subjects = new Dictionary<string, SubjectLadders>(StringComparer.Ordinal);
        foreach (var subject in kinds.Where(top.ContainsKey))
        {
            if (Subject(reader, top[subject], subject, workflows) is { } ladders)
            {
                subjects[subject] = ladders;
            }
        }

        return reader.HasErrors ? RuleResult<StandingDeclaration>.Failure(reader.Diagnostics) : RuleResult<StandingDeclaration>.Success(new StandingDeclaration(path, subjects));
    }

    private static SubjectLadders? Subject(YamlReader reader, YamlNode node, string subject, IReadOnlyDictionary<string, WorkflowDefinition> workflows)
    {
        if (reader.Mapping(node, subject) is not { } mapping)
        {
            return null;
        }

        var entries = reader.Entries(mapping, subject, ["ladders", "level", "trades_in", "starts"], ["ladders"]);
        var ladders = new List<string>();
        if (entries.TryGetValue("ladders", out var laddersNode) && reader.Sequence(laddersNode, $"{subject}.ladders") is { } list)
        {
            foreach (var item in list.Children)
            {
                if (Ladder(reader, item, $"{subject}.ladders", subject, workflows) is { } id)
                {
                    if (ladders.Contains(id, StringComparer.Ordinal))
                    {
                        reader.Error(item, "RG1005", $"{subject}.ladders", $"'{id}' is listed twice.", "List each ladder once.");
                    }

                    ladders.Add(id);
                }
            }
        }

        // Every other key names ladders of this list: a ladder it does not list would stand nowhere.
        string? Listed(YamlNode item, string path)
        {
            var id = Ladder(reader, item, path, subject, workflows);
            if (id is not null && !ladders.Contains(id, StringComparer.Ordinal))
            {
                reader.Error(item, "RG1005", path, $"'{id}' is not one of {subject}.ladders.", $"Add it to {subject}.ladders, or name one of {Naming.OneOf(ladders)}.");
                return null;
            }

            return id;
        }

        string? State(YamlNode item, string ladder, string path)
        {
            var state = reader.String(item, path);
            if (state is not null && !workflows[ladder].States.Any(s => s.Name == state))
            {
                var names = workflows[ladder].States.Select(s => s.Name).ToList();
                var guess = Naming.Closest(state, names);
                reader.Error(item, "RG1005", path, $"'{state}' is not a state of {ladder}.", guess is null ? $"Name one of {Naming.OneOf(names)}." : $"Did you mean '{guess}'?");
                return null;
            }

            return state;
        }

        string? level = null;
        if (entries.TryGetValue("level", out var levelNode) && Listed(levelNode, $"{subject}.level") is { } levelId)
        {
            if (workflows[levelId].Ladder is null)
            {
                reader.Error(levelNode, "RG1005", $"{subject}.level", $"'{levelId}' judges no maturity: its gates are not a MaturityPolicy file.", "Name the ladder whose gates: is the maturity file, such as maturity-ladder.");
            }
            else
            {
                level = levelId;
            }
        }

        var tradesIn = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (entries.TryGetValue("trades_in", out var tradesNode) && reader.Mapping(tradesNode, $"{subject}.trades_in") is { } trades)
        {
            foreach (var (keyNode, statesNode) in trades.Children)
            {
                var path = $"{subject}.trades_in.{keyNode}";
                if (Listed(keyNode, path) is { } ladder && reader.Sequence(statesNode, path) is { } states)
                {
                    tradesIn[ladder] = [.. states.Children.Select(state => State(state, ladder, path)).OfType<string>()];
                }
            }
        }

        var starts = new List<LadderLink>();
        if (entries.TryGetValue("starts", out var startsNode) && reader.Sequence(startsNode, $"{subject}.starts") is { } links)
        {
            for (var i = 0; i < links.Children.Count; i++)
            {
                var path = $"{subject}.starts[{i}]";
                if (reader.Mapping(links.Children[i], path) is not { } link)
                {
                    continue;
                }

                var fields = reader.Entries(link, path, ["ladder", "enters", "start"], ["ladder", "enters", "start"]);
                var from = fields.TryGetValue("ladder", out var fromNode) ? Listed(fromNode, $"{path}.ladder") : null;
                var enters = from is not null && fields.TryGetValue("enters", out var entersNode) ? State(entersNode, from, $"{path}.enters") : null;
                var start = fields.TryGetValue("start", out var startNode) ? Listed(startNode, $"{path}.start") : null;
                if (from is not null && start == from)
                {
                    reader.Error(startNode!, "RG1005", $"{path}.start", $"'{from}' cannot start itself.", "Name another ladder of the list.");
                }
                else if (from is not null && enters is not null && start is not null)
                {
                    starts.Add(new LadderLink(from, enters, start));
                }
            }
        }

        return new SubjectLadders(ladders, level, tradesIn, starts);
    }

    /// <summary>A workflow id of the folder, about subjects of <paramref name="subject"/>; null (with an error) otherwise.</summary>
    private static string? Ladder(YamlReader reader, YamlNode node, string path, string subject, IReadOnlyDictionary<string, WorkflowDefinition> workflows)
    {
        var id = reader.String(node, path);
        if (id is null)
        {
            return null;
        }

        if (!workflows.TryGetValue(id, out var definition))
        {
            var guess = Naming.Closest(id, [.. workflows.Keys]);
            reader.Error(node, "RG1005", path, $"No workflow '{id}' in the folder.", guess is null ? $"Name one of {Naming.OneOf([.. workflows.Keys.Order(StringComparer.Ordinal)])}." : $"Did you mean '{guess}'?");
            return null;
        }

        if (definition.Subject != subject)
        {
            reader.Error(node, "RG1005", path, $"'{id}' is about a {definition.Subject}, not a {subject}.", $"List it under {definition.Subject}:.");
            return null;
        }

        return id;
    }
}
