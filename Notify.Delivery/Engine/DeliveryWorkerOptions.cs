using System.ComponentModel.DataAnnotations;

namespace Notify.Delivery.Engine;

public sealed class DeliveryWorkerOptions : IValidatableObject
{
    /// <summary>The channel this worker claims from (<c>email</c>, <c>sms</c>…).</summary>
    [Required]
    public string Channel { get; set; } = "";

    /// <summary>Identifies this worker in <c>locked_by</c> and attempts; defaults to host and pid.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>
    /// What one claim takes when the queue is shallow, and how many outcomes the outcome writer
    /// waits (up to 20 ms) to gather while sends are running. With a
    /// <see cref="RatePerSecond"/>, a claim takes at most what the rate sends in 5 s.
    /// </summary>
    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// While claims come back full (a backlog), each next claim takes twice as many, up to this
    /// many batches of <see cref="BatchSize"/>; the first claim that comes back short starts
    /// again at one batch. A claim's fixed cost is then spread over more rows when there is
    /// work to spread it over; outcomes are written as sends end whatever the claim's size.
    /// 1 turns growth off. Not applied under a provider rate.
    /// </summary>
    [Range(1, 20)]
    public int MaxClaimBatches { get; set; } = 8;

    [Range(1, 1_000)]
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>
    /// Claims not yet completed at once. With more than one the next claim is in flight while
    /// earlier claims' last sends and their completion statements run, so the database and the
    /// senders work at the same time; 1 claims only after the previous claim is written. The
    /// default 4 kept both cores of the benchmark machine busier than 2 (1.6 instead of 1.45
    /// cores' worth of work while draining a backlog, about a fifth more deliveries a second).
    /// At most 2 under a <see cref="RatePerSecond"/>.
    /// </summary>
    [Range(1, 16)]
    public int BatchesInFlight { get; set; } = 4;

    /// <summary>
    /// True for channels whose provider's success answer is the last word on the message:
    /// a webhook endpoint's 2xx, FCM's and APNs' acceptance (neither sends receipts). Such
    /// deliveries complete as <c>DELIVERED</c>; the others as <c>SENT</c>, moved on by receipts.
    /// Set by the channel, not configuration.
    /// </summary>
    public bool SuccessIsDelivered { get; set; }

    /// <summary>How long a claim is held before the reaper may take it back.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The most one provider call may take; the lease must outlive it.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Claim this often even without a NOTIFY (missed wake-ups, scheduled sends coming due).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReapInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often this process reads its channel's queue (depth by status, oldest due age, dead
    /// letters) for the <c>notify.queue.*</c> gauges and <c>/health/detail</c>: one query over
    /// the partial indexes per interval, whatever the scrape rate. Counting a backlog of
    /// millions takes a while; when two readings in a row are slow, the next waits 50 times as
    /// long as the shorter took (at most 12 intervals), so reading takes about a fiftieth of one
    /// database connection's time.
    /// </summary>
    public TimeSpan QueueMetricsInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The provider's rate for this channel, shared by every replica through Redis (0 = no
    /// limit). Defaults per channel: Email 10/s, Webhook 100/s per endpoint, Push 1,000/s,
    /// SMS 1/s per sender, WhatsApp 80/s per number.
    /// </summary>
    [Range(0, 1_000_000)]
    public double RatePerSecond { get; set; }

    [Range(1, 1_000_000)]
    public int RateBurst { get; set; } = 1;

    /// <summary>Replicas of this channel process, for the per-process share when Redis is away.</summary>
    [Range(1, 1_000)]
    public int Replicas { get; set; } = 1;

    /// <summary>Failed provider calls in a row that open the circuit.</summary>
    [Range(1, 1_000)]
    public int CircuitFailures { get; set; } = 5;

    /// <summary>How long an open circuit stays open before a probe is let through.</summary>
    public TimeSpan CircuitBreak { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often the channel's controls (pause/resume) are reread. A change is also announced
    /// by NOTIFY and read at once; this poll is the guarantee when a NOTIFY is missed, so it is
    /// at most 2 s: a pause takes effect on every replica within 5 s.
    /// </summary>
    public TimeSpan ControlsInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often this process writes its heartbeat (<c>notify.workers</c>: circuits, pauses,
    /// whether it claims) for <c>notifyctl status</c>. The status lists workers seen in the last
    /// 15 s, three heartbeats, so at most 5 s.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// On SIGTERM, how long in-flight calls may finish, and their outcomes be written, before the
    /// process stops. At least <see cref="CallTimeout"/> + <see cref="CompletionAllowance"/>: a call
    /// started just before the signal may take its whole call timeout, and if the process stopped
    /// before writing its outcome the row would stay SENDING until its lease ran out and the call
    /// would be made again.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>What a drain needs beyond the call timeout: writing the batch's outcomes and releasing the rest.</summary>
    public static readonly TimeSpan CompletionAllowance = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (QueueMetricsInterval < TimeSpan.FromMilliseconds(100))
        {
            yield return new ValidationResult(
                $"QueueMetricsInterval ({QueueMetricsInterval}) must be at least 100 ms: each tick is a query.",
                [nameof(QueueMetricsInterval)]);
        }
        if (ControlsInterval < TimeSpan.FromMilliseconds(100) || ControlsInterval > TimeSpan.FromSeconds(2))
        {
            yield return new ValidationResult(
                $"ControlsInterval ({ControlsInterval}) must be between 100 ms (each tick is a query) and 2 s (a pause must reach every replica within 5 s).",
                [nameof(ControlsInterval)]);
        }
        if (HeartbeatInterval < TimeSpan.FromMilliseconds(100) || HeartbeatInterval > TimeSpan.FromSeconds(5))
        {
            yield return new ValidationResult(
                $"HeartbeatInterval ({HeartbeatInterval}) must be between 100 ms (each beat is a statement) and 5 s (the status drops a worker silent for 15 s).",
                [nameof(HeartbeatInterval)]);
        }
        if (ShutdownTimeout < CallTimeout + CompletionAllowance)
        {
            yield return new ValidationResult(
                $"ShutdownTimeout ({ShutdownTimeout}) must be at least CallTimeout ({CallTimeout}) + {CompletionAllowance.TotalSeconds:0} s so a call in flight at SIGTERM ends and is recorded before the process stops.",
                [nameof(ShutdownTimeout), nameof(CallTimeout)]);
        }
        // A call still running when its lease expires could be reaped and sent again by
        // another worker: a duplicate by design. Leave room for completion too.
        if (Lease < CallTimeout * 2)
        {
            yield return new ValidationResult(
                $"Lease ({Lease}) must be at least twice CallTimeout ({CallTimeout}) so a call always ends before its lease.",
                [nameof(Lease), nameof(CallTimeout)]);
        }
    }
}
