using RulesGate.Core.Gate;
using RulesGate.Core.Rules;
using RulesGate.Core.Tests.Support;

namespace RulesGate.Core.Tests.Rules;

public sealed class ShippedRuleFilesTests
{
    public static TheoryData<string> RuleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(Repo.PathOf("rules"), "*.yaml", SearchOption.AllDirectories)
                     .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}tests{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Repo.Root, path));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RuleFiles))]
    public void ShippedRuleFile_Compiles(string relativePath)
    {
        var result = Compiled.Engine.Load(Repo.PathOf(relativePath));

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
    }

    /// <summary>The evidence plan a bundle reads from its compiled code (so a cached load needs no Roslyn) is the one Roslyn plans.</summary>
    [Theory]
    [MemberData(nameof(RuleFiles))]
    public void ShippedRuleFile_FactPlanInItsCode_IsThePlannersOwn(string relativePath)
    {
        var bundle = Compiled.Engine.Load(Repo.PathOf(relativePath)).Value!;
        var planned = RuleFactPlanner.Plan(bundle.File, bundle.Kind);

        Assert.NotEmpty(planned.Facts);
        Assert.Equal(planned.Facts, bundle.Facts.Facts);
        Assert.Equal(planned.Measures, bundle.Facts.Measures);
        Assert.Equal(planned.Facts, RuleFactPlan.Read(planned.Write(), bundle.File)!.Facts);
    }

    [Fact]
    public void FactPlan_TextThatDoesNotFitTheFile_IsRefused()
    {
        var file = Compiled.Engine.Load(Repo.PathOf("rules", "capital", "default.yaml")).Value!.File;

        Assert.Null(RuleFactPlan.Read("0,0,0,99999,qty|", file));
        Assert.Null(RuleFactPlan.Read("999,0,0,1,qty|", file));
        Assert.Null(RuleFactPlan.Read("0,0,0,1,qty|qty,0,7", file));
        Assert.Null(RuleFactPlan.Read("no plan", file));
    }

    [Theory]
    [MemberData(nameof(RuleFiles))]
    public void ShippedRuleFile_ReferencesThePublishedSchema(string relativePath)
    {
        var first = File.ReadLines(Repo.PathOf(relativePath)).First();

        Assert.Matches(@"^# yaml-language-server: \$schema=(\.\./)+schema/rulesgate-v1\.schema\.json$", first);
    }

    [Fact]
    public void CapitalDefault_QuietOrder_FiresNothing()
    {
        var evaluator = Compiled.Engine.Load(Repo.PathOf("rules", "capital", "default.yaml")).Value!.Evaluator<CapitalContext>();

        Assert.Empty(evaluator.Fired(Some.Context()));
    }

    [Fact]
    public void CapitalDefault_OversizedBuy_FiresExp001WithReducedQuantity()
    {
        var evaluator = Compiled.Engine.Load(Repo.PathOf("rules", "capital", "default.yaml")).Value!.Evaluator<CapitalContext>();
        var context = Some.Context(Some.Intent(qty: 50));       // 50 × 400 = 20 % of 100k

        var fired = evaluator.Fired(context);
        var index = evaluator.Rules.ToList().FindIndex(rule => rule.Id == "EXP-001");

        Assert.Equal(["EXP-001"], fired);
        Assert.Equal(25.0, (double)evaluator.Effect(index, "modify_qty", context)!, 6);   // 10 % of 100k at 400
        Assert.Equal("Position 0.2000 breaches limit 0.1000.", evaluator.Message(index, context));
    }
}
