using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RulesGate.Core.Governance;
using RulesGate.Core.Promotion;
using RulesGate.Core.Reports;
using RulesGate.Core.Rules;
using YamlDotNet.RepresentationModel;

namespace RulesGate.Core.Workflows;

/// <summary>
/// Loads workflow definitions (<c>kind: Workflow</c>) as strictly as rule files: unknown keys and states,
/// unreachable states, states with no way out that are not final, gates that do not exist, bad durations — all
/// reported together at file:line:col with what to write instead. Its C# conditions compile as one bundle.
/// </summary>
/// <param name="roles">Who holds which role; approvals and escalations may name only roles it declares. Null skips that check (tests of other things).</param>
/// <param name="templates">Where <c>render:</c> finds its templates (a template built into RulesGate counts too).</param>
public sealed partial class WorkflowLoader(RuleEngine engine, WorkflowRoles? roles = null, string templates = "templates")
{
    public const string Kind = "Workflow";

    internal static readonly string[] TopKeys = ["apiVersion", "kind", "metadata", "subject", "starts_on", "gates", "initial", "states", "demote"];
    internal static readonly string[] StateKeys = ["attributes", "on_entry", "on_evidence", "approval", "after", "final"];
    internal static readonly string[] ApprovalKeys = ["roles", "quorum", "timeout", "on_timeout", "escalate_to", "approve", "reject"];
    internal static readonly string[] Activities = ["set_stage", "render", "notify"];
    internal static readonly string[] Subjects = ["policy", "strategy", "proposal"];

    public RuleResult<WorkflowDefinition> Load(string path) => Parse(path, InputFile.ReadAtMost(path, YamlLimits.MaxBytes));

    public RuleResult<WorkflowDefinition> Parse(string path, byte[] bytes) => Parse(path, bytes, pinnedGates: null);

    /// <summary>A definition as an instance pinned it (<see cref="WorkflowDefinition.Pinned"/>): its gates come from the pin, never from disk.</summary>
    /// <exception cref="FormatException">The pin is not a whole one.</exception>
    public RuleResult<WorkflowDefinition> ParsePinned(string path, byte[] pinned)
    {
        var (workflow, gates) = WorkflowDefinition.Unpack(pinned);
        return Parse(path, workflow, gates ?? []);
    }

    /// <param name="pinnedGates">The gates file's bytes as pinned; null reads the file the workflow names.</param>
    private RuleResult<WorkflowDefinition> Parse(string path, byte[] bytes, byte[]? pinnedGates)
    {
        var source = new SourceText(path, new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF'));
        var reader = new YamlReader(source);
        if (reader.ParseDocument() is not { } root)
        {
            return RuleResult<WorkflowDefinition>.Failure(reader.Diagnostics);
        }

        var top = reader.Entries(root, "", TopKeys, ["apiVersion", "kind", "metadata", "subject", "initial", "states"]);
        if (top.TryGetValue("apiVersion", out var api) && reader.String(api, "apiVersion") is { } version && version != RuleFileLoader.ApiVersion)
        {
            reader.Error(api, "RG1005", "apiVersion", $"'{version}' is not a supported apiVersion.", $"Write '{RuleFileLoader.ApiVersion}'.");
        }

        if (top.TryGetValue("kind", out var kindNode) && reader.String(kindNode, "kind") is { } kind && kind != Kind)
        {
            reader.Error(kindNode, "RG1005", "kind", $"'{kind}' is not a workflow kind.", $"Write '{Kind}'; rule files belong in rules/.");
        }

        var metadata = top.TryGetValue("metadata", out var metadataNode) ? Metadata(reader, metadataNode) : null;
        var subject = top.TryGetValue("subject", out var subjectNode) ? reader.Choice(subjectNode, "subject", Subjects) : null;
        var gates = top.TryGetValue("gates", out var gatesNode) ? Gates(reader, gatesNode, path, pinnedGates) : null;
        var startsOn = top.TryGetValue("starts_on", out var startsNode) ? Kinds(reader, startsNode) : [];
        var conditions = new List<RuleDefinition>();
        var states = top.TryGetValue("states", out var statesNode) ? States(reader, statesNode, subject, gates, conditions) : [];
        var demotions = top.TryGetValue("demote", out var demoteNode) ? Demotions(reader, demoteNode, conditions, gates) : [];
        if (gates?.Ladder is { } ladder)
        {
            states = LevelStates(reader, states, ladder, gates.Path);
        }

        var initial = top.TryGetValue("initial", out var initialNode) ? reader.String(initialNode, "initial") : null;
        if (initial is not null && statesNode is YamlMappingNode named)
        {
            // Every name a way out leads to is checked against every state the file names, whatever else is wrong.
            CheckGraph(reader, [.. states.Select(state => state.State.Name).Union(named.Children.Keys.Select(key => (key as YamlScalarNode)?.Value ?? ""))], states, demotions, initial, initialNode!, demoteNode);
        }

        if (reader.HasErrors || metadata is null || subject is null || initial is null)
        {
            return RuleResult<WorkflowDefinition>.Failure(reader.Diagnostics);
        }

        CheckEffects(reader, states);
        if (reader.HasErrors)
        {
            return RuleResult<WorkflowDefinition>.Failure(reader.Diagnostics);
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        RuleBundle? compiled = null;
        if (conditions.Count > 0)
        {
            var file = new RuleFile(path, hash, WorkflowConditionsKind.Instance.Name, metadata, RuleMode.Enforce, ParamTree.Empty, ParamOverrides.None, [], conditions) { Bytes = bytes };
            var result = engine.Compile(file);
            if (result.Value is null)
            {
                return RuleResult<WorkflowDefinition>.Failure(result.Diagnostics);
            }

            compiled = result.Value;
        }

        var pinned = WorkflowDefinition.Pack(bytes, gates?.Bundle.File.Bytes);
        return RuleResult<WorkflowDefinition>.Success(new WorkflowDefinition(
            path, Convert.ToHexStringLower(SHA256.HashData(pinned)), metadata.Id, metadata.Version, metadata.Description, subject, initial, [.. states.Select(s => s.State)], [.. demotions.Select(d => d.Demotion)], compiled, gates?.Bundle) { Bytes = bytes, Pinned = pinned, Ladder = gates?.Ladder, StartsOn = startsOn });
    }

    /// <summary><c>starts_on</c>: the kinds of evidence about a subject that start an instance for it, each once.</summary>
    private static List<string> Kinds(YamlReader reader, YamlNode node) =>
        Distinct(reader, node, "starts_on", text => Identities.Name(text, "evidence kind"), "Evidence kind", "Name a kind of evidence, such as trades or discovery.");

    private static RuleMetadata? Metadata(YamlReader reader, YamlNode node)
    {
        if (reader.Mapping(node, "metadata") is not { } mapping)
        {
            return null;
        }

        var entries = reader.Entries(mapping, "metadata", ["id", "version", "description"], ["id", "version"]);
        var id = entries.TryGetValue("id", out var idNode) ? reader.String(idNode, "metadata.id") : null;
        if (id is not null && !Naming.Id().IsMatch(id))
        {
            reader.Error(idNode!, "RG1005", "metadata.id", $"'{id}' is not a valid id.", "Use letters, digits, '-', '_', '.' or ':', such as alpha-trade-promotion.");
            id = null;
        }

        var version = entries.TryGetValue("version", out var versionNode) ? reader.Integer(versionNode, "metadata.version", 1) : null;
        var description = entries.TryGetValue("description", out var descriptionNode) ? reader.String(descriptionNode, "metadata.description", allowEmpty: true) ?? "" : "";
        return id is null || version is null ? null : new RuleMetadata(id, version.Value, description);
    }

    private sealed record LoadedGates(RuleBundle Bundle, IReadOnlyList<string> Names, string Path, MaturityLadder? Ladder);

    /// <summary>The PromotionGate file named by <c>gates:</c>, relative to the workflow file's folder; or its pinned bytes.</summary>
    private LoadedGates? Gates(YamlReader reader, YamlNode node, string workflowPath, byte[]? pinned)
    {
        if (reader.String(node, "gates") is not { } path)
        {
            return null;
        }

        var found = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(workflowPath) ?? ".", path);
        if (pinned is null && !File.Exists(found))
        {
            reader.Error(node, "RG1005", "gates", $"'{path}' does not exist (looked for {found}).", "Name a PromotionGate or MaturityPolicy rule file relative to the workflow file's folder, such as ../rules/promotion/alpha-trade.yaml.");
            return null;
        }

        var file = engine.Loader.Parse(found, pinned ?? InputFile.ReadAtMost(found, YamlLimits.MaxBytes));
        var loaded = engine.Compile(file);
        if (loaded.Value is not { Kind: PromotionGateKind or MaturityPolicyKind } bundle)
        {
            reader.Error(node, "RG1005", "gates", loaded.Value is null ? $"'{path}' does not compile: {loaded.Diagnostics[0]}" : $"'{path}' is a {loaded.Value.Kind.Name} file, not a PromotionGate or MaturityPolicy file.", "Run rulesgate rules check on it.");
            return null;
        }

        if (bundle.Kind is MaturityPolicyKind)
        {
            try
            {
                return new LoadedGates(bundle, [MaturityGate.Promote], path, new MaturityLadder(bundle));
            }
            catch (FormatException invalid)
            {
                reader.Error(node, "RG1005", "gates", invalid.Message, "Run rulesgate rules check on it.");
                return null;
            }
        }

        return new LoadedGates(bundle, [.. bundle.File.Rules.Select(rule => rule.Id.Split('.')[0]).Distinct(StringComparer.Ordinal)], path, null);
    }

    private sealed record LoadedState(WorkflowState State, YamlNode Key, List<(string Target, YamlNode Node, string Path)> Targets);

    private static List<LoadedState> States(YamlReader reader, YamlNode node, string? subject, LoadedGates? gates, List<RuleDefinition> conditions)
    {
        var states = new List<LoadedState>();
        if (reader.Mapping(node, "states") is not { } mapping)
        {
            return states;
        }

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value ?? "";
            var path = $"states.{name}";
            if (!Naming.Id().IsMatch(name))
            {
                reader.Error(keyNode, "RG1008", path, $"'{name}' cannot name a state.", "Use letters, digits, '-', '_' or '.', such as pilot_approval.");
                continue;
            }

            if (reader.Mapping(valueNode, path) is not { } body)
            {
                continue;
            }

            var entries = reader.Entries(body, path, StateKeys, []);
            var targets = new List<(string, YamlNode, string)>();
            var onEntry = entries.TryGetValue("on_entry", out var entryNode) ? OnEntry(reader, entryNode, $"{path}.on_entry", subject) : [];
            var onEvidence = entries.TryGetValue("on_evidence", out var evidenceNode) ? OnEvidence(reader, evidenceNode, $"{path}.on_evidence", gates, conditions, targets) : [];
            var approval = entries.TryGetValue("approval", out var approvalNode) ? Approval(reader, approvalNode, $"{path}.approval", targets) : null;
            var after = entries.TryGetValue("after", out var afterNode) ? After(reader, afterNode, $"{path}.after", targets) : null;
            var final = entries.TryGetValue("final", out var finalNode) && Flag(reader, finalNode, $"{path}.final");
            var attributes = entries.TryGetValue("attributes", out var attributesNode) ? Attributes(reader, attributesNode, $"{path}.attributes") : new Dictionary<string, double>();
            var state = new WorkflowState(name, onEntry, onEvidence, approval, after, final, attributes);
            if (final && targets.Count > 0)
            {
                reader.Error(finalNode!, "RG1005", $"{path}.final", $"State '{name}' is final but has ways out.", "Remove final: true, or remove its on_evidence, approval and after.");
            }
            else if (!final && targets.Count == 0 && !reader.HasErrors)
            {
                reader.Error(keyNode, "RG1005", path, $"State '{name}' has no way out and is not final.", "Give it on_evidence, approval or after, or mark it final: true.");
            }

            states.Add(new LoadedState(state, keyNode, targets));
        }

        if (states.Count == 0 && !reader.HasErrors)
        {
            reader.Error(node, "RG1005", "states", "The workflow has no states.", "Add at least an initial state and a final one.");
        }

        return states;
    }

    private static List<WorkflowActivity> OnEntry(YamlReader reader, YamlNode node, string path, string? subject)
    {
        var activities = new List<WorkflowActivity>();
        if (reader.Sequence(node, path) is not { } sequence)
        {
            return activities;
        }

        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (reader.Mapping(sequence.Children[i], itemPath) is not { } item)
            {
                continue;
            }

            var entries = reader.Entries(item, itemPath, Activities, []);
            if (entries.Count != 1)
            {
                reader.Error(item, "RG1005", itemPath, "An activity is exactly one of set_stage, render or notify.", "Write one key per list item, such as - set_stage: paper.");
                continue;
            }

            var (kind, valueNode) = entries.First();
            if (reader.String(valueNode, $"{itemPath}.{kind}") is not { } argument)
            {
                continue;
            }

            switch (kind)
            {
                case "set_stage" when !PromotionStages.TryParse(argument.Trim(), out _):
                    reader.Error(valueNode, "RG1005", $"{itemPath}.set_stage", $"'{argument}' is not a ledger stage.", "Write one of experiment, paper, pilot, limited_live.");
                    break;
                case "set_stage" when subject == "strategy":
                    reader.Error(valueNode, "RG1005", $"{itemPath}.set_stage", "set_stage changes a policy's ledger; this workflow's subject is a strategy.", "Use notify, or make the subject policy.");
                    break;
                case "set_stage":
                    activities.Add(new WorkflowActivity.SetStage(PromotionStages.Parse(argument.Trim())));
                    break;
                case "render":
                    activities.Add(new WorkflowActivity.Render(argument.Trim()));
                    break;
                default:
                    activities.Add(new WorkflowActivity.Notify(argument.Trim()));
                    break;
            }
        }

        return activities;
    }

    private static List<EvidenceExit> OnEvidence(YamlReader reader, YamlNode node, string path, LoadedGates? gates, List<RuleDefinition> conditions, List<(string, YamlNode, string)> targets)
    {
        var exits = new List<EvidenceExit>();
        if (reader.Sequence(node, path) is not { } sequence)
        {
            return exits;
        }

        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (reader.Mapping(sequence.Children[i], itemPath) is not { } item)
            {
                continue;
            }

            var entries = reader.Entries(item, itemPath, ["gate", "when", "to"], ["to"]);
            var to = entries.TryGetValue("to", out var toNode) ? reader.String(toNode, $"{itemPath}.to") : null;
            if (entries.ContainsKey("gate") == entries.ContainsKey("when"))
            {
                reader.Error(item, "RG1005", itemPath, "A way out on evidence has either gate: or when:, not both and not neither.", "Write gate: paper (a gate of the gates file) or when: a C# condition.");
                continue;
            }

            string? gate = null;
            int? condition = null;
            if (entries.TryGetValue("gate", out var gateNode) && reader.String(gateNode, $"{itemPath}.gate") is { } gateName)
            {
                if (gates is null)
                {
                    reader.Error(gateNode, "RG1005", $"{itemPath}.gate", $"Gate '{gateName}' needs a gates file.", "Add gates: ../rules/promotion/alpha-trade.yaml (relative to the workflow file) at the top of the workflow.");
                }
                else if (!gates.Names.Contains(gateName, StringComparer.Ordinal))
                {
                    var guess = Naming.Closest(gateName, gates.Names);
                    reader.Error(gateNode, "RG1005", $"{itemPath}.gate", $"Gate '{gateName}' does not exist in {gates.Path}.", guess is null ? $"Gates there: {Naming.OneOf(gates.Names)}." : $"Did you mean '{guess}'?");
                }

                gate = gateName;
            }
            else if (entries.TryGetValue("when", out var whenNode))
            {
                condition = Condition(reader, whenNode, $"{itemPath}.when", conditions);
            }

            if (to is not null)
            {
                targets.Add((to, toNode!, $"{itemPath}.to"));
                exits.Add(new EvidenceExit(gate, condition, to));
            }
        }

        return exits;
    }

    private static int? Condition(YamlReader reader, YamlNode node, string path, List<RuleDefinition> conditions)
    {
        if (reader.String(node, path) is not { } text)
        {
            return null;
        }

        var expression = new RuleExpression(text, path, new YamlScalarSource(reader.Source, (YamlScalarNode)node));
        conditions.Add(new RuleDefinition(path, RuleSeverity.High, expression, new RuleMessage("", []), new Dictionary<string, RuleExpression>()));
        return conditions.Count - 1;
    }

    private static ApprovalStep? Approval(YamlReader reader, YamlNode node, string path, List<(string, YamlNode, string)> targets)
    {
        if (reader.Mapping(node, path) is not { } mapping)
        {
            return null;
        }

        var entries = reader.Entries(mapping, path, ApprovalKeys, ["roles", "approve", "reject"]);
        var roles = entries.TryGetValue("roles", out var rolesNode) ? Names(reader, rolesNode, $"{path}.roles") : [];
        if (rolesNode is not null && roles.Count == 0 && !reader.HasErrors)
        {
            reader.Error(rolesNode, "RG1005", $"{path}.roles", "An approval needs at least one role.", "Write roles: [risk] or roles: [risk, compliance].");
        }

        var quorum = entries.TryGetValue("quorum", out var quorumNode) ? reader.Integer(quorumNode, $"{path}.quorum", 1) ?? 1 : 1;
        var timeout = entries.TryGetValue("timeout", out var timeoutNode) ? Duration(reader, timeoutNode, $"{path}.timeout") : null;
        var escalate = entries.TryGetValue("escalate_to", out var escalateNode) ? Names(reader, escalateNode, $"{path}.escalate_to") : [];
        string? Target(string key)
        {
            if (!entries.TryGetValue(key, out var targetNode) || reader.String(targetNode, $"{path}.{key}") is not { } target)
            {
                return null;
            }

            targets.Add((target, targetNode, $"{path}.{key}"));
            return target;
        }

        var approve = Target("approve");
        var reject = Target("reject");
        var onTimeout = Target("on_timeout");
        if ((onTimeout is not null || escalate.Count > 0) && timeout is null && !reader.HasErrors)
        {
            reader.Error(mapping, "RG1003", $"{path}.timeout", "on_timeout and escalate_to need a timeout.", "Add timeout: P3D (an ISO 8601 duration).");
        }

        return approve is null || reject is null ? null : new ApprovalStep(roles, quorum, timeout, onTimeout, escalate, approve, reject);
    }

    private static TimerExit? After(YamlReader reader, YamlNode node, string path, List<(string, YamlNode, string)> targets)
    {
        if (reader.Mapping(node, path) is not { } mapping)
        {
            return null;
        }

        var entries = reader.Entries(mapping, path, ["duration", "to"], ["duration", "to"]);
        var duration = entries.TryGetValue("duration", out var durationNode) ? Duration(reader, durationNode, $"{path}.duration") : null;
        var to = entries.TryGetValue("to", out var toNode) ? reader.String(toNode, $"{path}.to") : null;
        if (to is not null)
        {
            targets.Add((to, toNode!, $"{path}.to"));
        }

        return duration is { } span && to is not null ? new TimerExit(span, to) : null;
    }

    private sealed record LoadedDemotion(WorkflowDemotion Demotion, string To, YamlNode Node, string Path);

    private static List<LoadedDemotion> Demotions(YamlReader reader, YamlNode node, List<RuleDefinition> conditions, LoadedGates? gates)
    {
        var demotions = new List<LoadedDemotion>();
        if (reader.Sequence(node, "demote") is not { } sequence)
        {
            return demotions;
        }

        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var path = $"demote[{i}]";
            if (reader.Mapping(sequence.Children[i], path) is not { } item)
            {
                continue;
            }

            if (item.Children.ContainsKey(new YamlScalarNode("gate")))
            {
                var gateEntries = reader.Entries(item, path, ["gate"], ["gate"]);
                if (reader.String(gateEntries["gate"], $"{path}.gate") is { } gate && (gate != MaturityGate.Demote || gates?.Ladder is null))
                {
                    reader.Error(gateEntries["gate"], "RG1005", $"{path}.gate", gates?.Ladder is null ? "A demotion by gate needs a MaturityPolicy gates file." : $"'{gate}' is not a demotion gate.", gates?.Ladder is null ? "Write when: and to:, or name a MaturityPolicy file in gates:." : "Write gate: demote.");
                }
                else
                {
                    demotions.Add(new LoadedDemotion(new WorkflowDemotion(null, WorkflowDefinition.GatesTarget), WorkflowDefinition.GatesTarget, gateEntries["gate"], $"{path}.gate"));
                }

                continue;
            }

            var entries = reader.Entries(item, path, ["when", "to"], ["when", "to"]);
            var condition = entries.TryGetValue("when", out var whenNode) ? Condition(reader, whenNode, $"{path}.when", conditions) : null;
            var to = entries.TryGetValue("to", out var toNode) ? reader.String(toNode, $"{path}.to") : null;
            if (condition is { } index && to is not null)
            {
                demotions.Add(new LoadedDemotion(new WorkflowDemotion(index, to), to, toNode!, $"{path}.to"));
            }
        }

        return demotions;
    }

    /// <summary>
    /// With a MaturityPolicy gates file, every state is one of its levels, takes its sizing cap from it (a state may
    /// not set its own), and a <c>gate: promote</c> way out leads to the next level.
    /// </summary>
    private static List<LoadedState> LevelStates(YamlReader reader, List<LoadedState> states, MaturityLadder ladder, string gatesPath)
    {
        var levels = MaturityPolicyKind.Levels;
        var checkedStates = new List<LoadedState>(states.Count);
        foreach (var loaded in states)
        {
            var state = loaded.State;
            var path = $"states.{state.Name}";
            var index = MaturityPolicyKind.IndexOf(state.Name);
            if (index < 0)
            {
                var guess = Naming.Closest(state.Name, levels);
                reader.Error(loaded.Key, "RG1005", path, $"'{state.Name}' is not a level of {gatesPath}.", guess is null ? $"Name the states after its levels: {Naming.OneOf(levels)}." : $"Did you mean '{guess}'?");
                checkedStates.Add(loaded);
                continue;
            }

            if (state.Attributes.ContainsKey("sizing_cap"))
            {
                reader.Error(loaded.Key, "RG1005", $"{path}.attributes.sizing_cap", $"State '{state.Name}' sets its own sizing_cap, but it comes from {gatesPath}.", "Remove it from the workflow; change it in the gates file.");
            }

            foreach (var (target, node, targetPath) in loaded.Targets.Where(target => target.Path.Contains(".on_evidence", StringComparison.Ordinal)))
            {
                if (index + 1 < levels.Count && target != levels[index + 1] && state.OnEvidence.Any(exit => exit.Gate == MaturityGate.Promote && exit.To == target))
                {
                    reader.Error(node, "RG1005", targetPath, $"gate promote raises {state.Name} one level, to {levels[index + 1]}, not to '{target}'.", $"Write to: {levels[index + 1]}.");
                }
            }

            var attributes = new Dictionary<string, double>(state.Attributes, StringComparer.Ordinal) { ["sizing_cap"] = ladder.SizingCaps[state.Name] };
            checkedStates.Add(loaded with { State = state with { Attributes = attributes } });
        }

        return checkedStates;
    }

    /// <summary>Every target names a state; the initial state exists; every state is reachable from it.</summary>
    /// <param name="names">Every state named, those with problems of their own too.</param>
    private static void CheckGraph(YamlReader reader, List<string> names, List<LoadedState> states, List<LoadedDemotion> demotions, string initial, YamlNode initialNode, YamlNode? demoteNode)
    {
        void Known(string target, YamlNode node, string path, bool allowDown)
        {
            if (!names.Contains(target, StringComparer.Ordinal) && !(allowDown && target == WorkflowDefinition.DownTarget))
            {
                var guess = Naming.Closest(target, names);
                reader.Error(node, "RG1005", path, $"'{target}' is not a state of this workflow.", guess is null ? $"States: {Naming.OneOf(names)}{(allowDown ? ", or down" : "")}." : $"Did you mean '{guess}'?");
            }
        }

        Known(initial, initialNode, "initial", allowDown: false);
        foreach (var (target, node, path) in states.SelectMany(state => state.Targets))
        {
            Known(target, node, path, allowDown: false);
        }

        foreach (var demotion in demotions.Where(demotion => demotion.To != WorkflowDefinition.GatesTarget))
        {
            Known(demotion.To, demotion.Node, demotion.Path, allowDown: true);
        }

        if (reader.HasErrors)
        {
            return;
        }

        // Demotions can fire in any reachable state; "down" reaches the state listed before it.
        var order = states.Select(state => state.State.Name).ToList();
        var reached = new HashSet<string>(StringComparer.Ordinal) { initial };
        var pending = new Queue<string>([initial]);
        while (pending.TryDequeue(out var current))
        {
            var index = order.IndexOf(current);
            var next = states[index].State.Targets
                .Concat(demotions.Where(d => d.To is not (WorkflowDefinition.DownTarget or WorkflowDefinition.GatesTarget)).Select(d => d.To))
                .Concat(demotions.Any(d => d.To == WorkflowDefinition.DownTarget) && index > 0 ? [order[index - 1]] : [])
                .Concat(demotions.Any(d => d.To == WorkflowDefinition.GatesTarget) ? order.Take(index) : []);
            foreach (var target in next.Where(reached.Add))
            {
                pending.Enqueue(target);
            }
        }

        foreach (var state in states.Where(state => !reached.Contains(state.State.Name)))
        {
            reader.Error(state.Key, "RG1005", $"states.{state.State.Name}", $"State '{state.State.Name}' cannot be reached from '{initial}'.", "Lead a way out of another state to it, or remove it.");
        }
    }

    private static bool Flag(YamlReader reader, YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: "true" or "false" } scalar)
        {
            return scalar.Value == "true";
        }

        reader.Error(node, "RG1004", path, $"Expected true or false, found {YamlReader.Describe(node)}.", "Write final: true.");
        return false;
    }

    private static TimeSpan? Duration(YamlReader reader, YamlNode node, string path)
    {
        if (reader.String(node, path) is not { } text)
        {
            return null;
        }

        try
        {
            var span = System.Xml.XmlConvert.ToTimeSpan(text.Trim());
            if (span > TimeSpan.Zero)
            {
                return span;
            }
        }
        catch (FormatException)
        {
        }

        reader.Error(node, "RG1005", path, $"'{text}' is not a positive ISO 8601 duration.", "Write one such as P3D (three days), PT12H or PT30M.");
        return null;
    }

    /// <summary>A list of roles, each normalized and listed once.</summary>
    private static List<string> Names(YamlReader reader, YamlNode node, string path) =>
        Distinct(reader, node, path, text => Identities.Name(text, "role"), "Role", "Write the role's name as in workflows/roles.yaml.");

    /// <summary>A list of texts, each normalized by <paramref name="normalize"/> (a refusal is an error at its item) and listed once.</summary>
    private static List<string> Distinct(YamlReader reader, YamlNode node, string path, Func<string, string> normalize, string what, string hint)
    {
        if (reader.Sequence(node, path) is not { } sequence)
        {
            return [];
        }

        var items = new List<string>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (reader.String(sequence.Children[i], $"{path}[{i}]") is not { } text)
            {
                continue;
            }

            try
            {
                var item = normalize(text);
                if (items.Contains(item, StringComparer.Ordinal))
                {
                    reader.Error(sequence.Children[i], "RG1006", $"{path}[{i}]", $"{what} '{item}' is listed twice.", $"List each {what.ToLowerInvariant()} once.");
                }

                items.Add(item);
            }
            catch (FormatException error)
            {
                reader.Error(sequence.Children[i], "RG1005", $"{path}[{i}]", error.Message, hint);
            }
        }

        return items;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.sbn\z")]
    private static partial System.Text.RegularExpressions.Regex TemplateName();

    /// <summary>
    /// What a workflow will do must be possible before it runs: every template it renders exists, every role it
    /// asks for or escalates to is declared, and every quorum can be met by the people who hold those roles.
    /// </summary>
    private void CheckEffects(YamlReader reader, List<LoadedState> states)
    {
        foreach (var (state, key, _) in states)
        {
            var path = $"states.{state.Name}";
            foreach (var (render, i) in state.OnEntry.Select((activity, i) => (activity as WorkflowActivity.Render, i)))
            {
                if (render is null)
                {
                    continue;
                }

                if (!TemplateName().IsMatch(render.Template))
                {
                    reader.Error(key, "RG1005", $"{path}.on_entry[{i}].render", $"'{render.Template}' is not a template name.", "Name a file of templates/ such as promotion_summary.md.sbn: letters, digits, '-', '_', '.', ending in .sbn.");
                }
                else if (!Reports.GovernanceDocuments.Exists(render.Template, templates))
                {
                    reader.Error(key, "RG1005", $"{path}.on_entry[{i}].render", $"Template '{render.Template}' does not exist in {templates}/ and none is built in.", $"Add {templates}/{render.Template}, or render one that exists.");
                }
            }

            if (state.Approval is not { } approval || roles is null)
            {
                continue;
            }

            foreach (var (role, what) in approval.Roles.Select(role => (role, "roles")).Concat(approval.EscalateTo.Select(role => (role, "escalate_to"))))
            {
                if (!roles.Declares(role))
                {
                    var guess = Naming.Closest(role, roles.Roles);
                    reader.Error(key, "RG1005", $"{path}.approval.{what}", $"Role '{role}' is not declared in {WorkflowRoles.DefaultPath}.", guess is null ? $"Declared roles: {Naming.OneOf(roles.Roles)}." : $"Did you mean '{guess}'?");
                }
            }

            var holders = roles.HoldersOf(approval.Roles);
            if (approval.Roles.Count > 1 && approval.Quorum > approval.Roles.Count)
            {
                reader.Error(key, "RG1005", $"{path}.approval.quorum", $"A quorum of {approval.Quorum} is more than the {approval.Roles.Count} distinct roles it asks for.", $"Write quorum: {approval.Roles.Count} (one approval per role), or list one role for a quorum of its holders.");
            }
            else if (approval.Quorum > holders && approval.Roles.All(roles.Declares))
            {
                reader.Error(key, "RG1005", $"{path}.approval.quorum", $"A quorum of {approval.Quorum} can never be met: {holders} {(holders == 1 ? "person holds" : "people hold")} {string.Join(" or ", approval.Roles)}.", $"Lower the quorum, or add people to the roles in {WorkflowRoles.DefaultPath}.");
            }
        }
    }

    private static Dictionary<string, double> Attributes(YamlReader reader, YamlNode node, string path)
    {
        var attributes = new Dictionary<string, double>(StringComparer.Ordinal);
        if (reader.Mapping(node, path) is not { } mapping)
        {
            return attributes;
        }

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (valueNode is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } scalar && double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            {
                attributes[key] = value;
            }
            else
            {
                reader.Error(valueNode, "RG1004", $"{path}.{key}", $"Expected a number, found {YamlReader.Describe(valueNode)}.", "State attributes are numbers, such as sizing_cap: 0.25.");
            }
        }

        return attributes;
    }
}
