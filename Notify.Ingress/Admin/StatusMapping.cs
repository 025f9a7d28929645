using Google.Protobuf.WellKnownTypes;
using Notify.Grpc.Admin.V1;
using Notify.Outbox.Status;
using OutboxControls = Notify.Outbox.Controls;

namespace Notify.Ingress.Admin;

/// <summary>The admin API's <c>GetStatus</c> answer, from what <see cref="SystemStatusReader"/> read.</summary>
public static class StatusMapping
{
    public static SystemStatus ToProto(SystemStatusSnapshot snapshot)
    {
        var status = new SystemStatus { ObservedAt = Utc(snapshot.ObservedAt) };
        status.Channels.AddRange(snapshot.Channels.Select(ToProto));
        return status;
    }

    private static ChannelStatus ToProto(ChannelStatusSnapshot channel)
    {
        var queue = channel.Queue;
        var status = new ChannelStatus
        {
            Channel = channel.Channel,
            Pending = queue.Pending,
            Retrying = queue.Retrying,
            Sending = queue.Sending,
            Dead = queue.Dead,
            OldestClaimableAge = Duration.FromTimeSpan(queue.OldestClaimableAge),
            Paused = channel.Paused,
        };
        status.Controls.AddRange(channel.Controls.Select(ToProto));
        status.Workers.AddRange(channel.Workers.Select(ToProto));
        return status;
    }

    /// <summary>A channel control (paused, or the last resume) as the admin API shows it everywhere.</summary>
    public static ChannelControl ToProto(OutboxControls.ChannelControl control)
    {
        var proto = new ChannelControl
        {
            Channel = control.Channel,
            Provider = control.Provider,
            Paused = control.Paused,
            Reason = control.Reason,
            Actor = control.Actor,
            UpdatedAt = Utc(control.UpdatedAt),
        };
        if (control.PausedAt is { } pausedAt)
        {
            proto.PausedAt = Utc(pausedAt);
        }
        return proto;
    }

    private static WorkerStatus ToProto(WorkerSnapshot worker)
    {
        var status = new WorkerStatus
        {
            WorkerId = worker.WorkerId,
            Host = worker.Host,
            Pid = worker.Pid,
            StartedAt = Utc(worker.StartedAt),
            LastSeenAt = Utc(worker.SeenAt),
            Paused = worker.ChannelPaused,
            Claiming = worker.Claiming,
        };
        status.Circuits.AddRange(worker.Circuits.Select(c => new CircuitStatus { Provider = c.Provider, State = c.State }));
        status.PausedProviders.AddRange(worker.PausedProviders);
        return status;
    }

    // Npgsql reads timestamptz as UTC; the protobuf conversion insists on the kind being said.
    private static Timestamp Utc(DateTime value) => Timestamp.FromDateTime(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
