namespace RulesGate.Tests.Shared;

/// <summary>
/// The evidence that walks a strategy through the shipped <c>live-pipeline</c> from L0_discovery to L6_review, one
/// piece per stage, each with what its gate asks (the pipeline seed's placement); tests that need a strategy at
/// review share it, so a change of the gates changes it once.
/// </summary>
internal static class LivePipelineEvidence
{
    /// <summary>Each stage's evidence kind and fields, in order; the stage it leaves is the index's L-number.</summary>
    public static readonly (string Kind, string Json)[] Stages =
    [
        ("discovery", """{"candidates":5,"manifest":"manifests/scan-1.json"}"""),
        ("data_prep", """{"metadata_coverage":0.97}"""),
        ("selection", """{"metadata_coverage":0.99,"stale":0}"""),
        ("portfolio", """{"cluster_caps":true,"turnover_penalty":true,"tail_risk_controls":true,"constraints_record":"portfolio_optimized_v2.json"}"""),
        ("validation", """{"strict":true,"non_baseline_candidates":1,"strict_health":true,"baseline_anchors":true,"simulator_sanity":true}"""),
        ("paper", """{"deterministic_orders":true,"slippage_bps":3.1,"turnover":0.12,"constraint_violations":0,"archive":"runs/paper-1","burn_in_days":20,"incidents":0}"""),
    ];

    /// <summary>The kinds alone, in order.</summary>
    public static string[] Kinds => [.. Stages.Select(stage => stage.Kind)];

    /// <summary>The fields alone, in order.</summary>
    public static string[] Fields => [.. Stages.Select(stage => stage.Json)];
}
