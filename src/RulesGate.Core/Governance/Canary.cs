namespace RulesGate.Core.Governance;

/// <summary>What a canary alert does: trip the journaled kill switch, pause the strategies that depend on the component, or only alert.</summary>
public enum CanaryAction
{
    Alert,
    Pause,
    Kill,
}

/// <summary>The canary parameters a GovernancePolicy sets (<c>params.canary</c>).</summary>
/// <param name="FailureThreshold">Consecutive failed checks that raise an alert.</param>
/// <param name="ReportEvery">How often each component must report (<c>canary.report_every_seconds</c>): one silent for longer counts a failed check for each interval it misses (<see cref="CanaryMonitor.Overdue"/>); null watches none.</param>
public sealed record CanaryParams(int FailureThreshold = 3, CanaryAction Action = CanaryAction.Alert, TimeSpan? ReportEvery = null);

/// <summary>
/// One infrastructure component's checks, as the canary counts them: consecutive failures since the last success.
/// Reaching <see cref="CanaryParams.FailureThreshold"/> raises an alert, once per run of failures (the count keeps
/// growing, the alert is not repeated); a success resets the count.
/// </summary>
public readonly record struct CanaryState(string Component, int ConsecutiveFailures)
{
    /// <summary>The state after one check, and the alert it raises, if any.</summary>
    public (CanaryState State, CanaryAlert? Alert) After(bool ok, CanaryParams parameters)
    {
        if (ok)
        {
            return (this with { ConsecutiveFailures = 0 }, null);
        }

        var failures = ConsecutiveFailures + 1;
        var next = this with { ConsecutiveFailures = failures };
        return (next, failures == Math.Max(1, parameters.FailureThreshold) ? new CanaryAlert(Component, failures, parameters.Action) : null);
    }
}

/// <summary>An alert a component's failures raised; <see cref="Reason"/> is the kill switch's cause when the action is <see cref="CanaryAction.Kill"/>.</summary>
public sealed record CanaryAlert(string Component, int Failures, CanaryAction Action)
{
    public string Reason => $"Canary: {Component} failed {Failures} checks";
}
