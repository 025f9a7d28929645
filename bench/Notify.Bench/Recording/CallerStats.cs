namespace Notify.Bench.Recording;

/// <summary>
/// What one caller saw inside the measured window. Each caller owns one, so the hot path
/// takes no locks; <see cref="Add"/> merges them after the run.
/// </summary>
internal sealed class CallerStats
{
    /// <summary>Per call: from the intended start (open loop) or the actual start (closed loop) to the answer.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Per call from the moment it was actually sent; differs from Latency only in an open loop.</summary>
    public LatencyHistogram ServiceTime { get; } = new();

    public ErrorTally Errors { get; } = new();

    public long Calls { get; private set; }

    public long FailedCalls { get; private set; }

    public long NotificationsAccepted { get; private set; }

    public long DeliveriesAccepted { get; private set; }

    public long ItemsRejected { get; private set; }

    public long Replayed { get; private set; }

    /// <summary>Open loop: the latest any call due in the window was sent after its due time, in microseconds.</summary>
    public long MaxStartLagMicros { get; private set; }

    public void RecordStartLag(long micros) => MaxStartLagMicros = Math.Max(MaxStartLagMicros, micros);

    public void CountSuccess(in CallOutcome outcome)
    {
        Calls++;
        NotificationsAccepted += outcome.NotificationsAccepted;
        DeliveriesAccepted += outcome.DeliveriesAccepted;
        Replayed += outcome.Replayed;
        if (outcome.Rejections is { } rejections)
        {
            ItemsRejected += rejections.Count;
            foreach (var rejection in rejections)
            {
                Errors.Count($"item:{(global::Grpc.Core.StatusCode)rejection.Code}", rejection.Message);
            }
        }
    }

    public void CountFailure(string code, string message)
    {
        Calls++;
        FailedCalls++;
        Errors.Count(code, message);
    }

    public void Add(CallerStats other)
    {
        Latency.Add(other.Latency);
        ServiceTime.Add(other.ServiceTime);
        Errors.Add(other.Errors);
        Calls += other.Calls;
        FailedCalls += other.FailedCalls;
        NotificationsAccepted += other.NotificationsAccepted;
        DeliveriesAccepted += other.DeliveriesAccepted;
        ItemsRejected += other.ItemsRejected;
        Replayed += other.Replayed;
        MaxStartLagMicros = Math.Max(MaxStartLagMicros, other.MaxStartLagMicros);
    }
}
