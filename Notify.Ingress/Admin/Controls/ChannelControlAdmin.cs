using Notify.Ingress.Validation;
using Notify.Outbox;
using Notify.Outbox.Controls;
using Proto = Notify.Grpc.Admin.V1;

namespace Notify.Ingress.Admin.Controls;

/// <summary>
/// Channel pause and resume through the admin API: the actor is the token's subject, never a
/// field of the request; <see cref="ChannelControlStore"/> records the change and its history.
/// </summary>
internal sealed class ChannelControlAdmin(ChannelControlStore store)
{
    public const int DefaultHistory = 10;
    public const int MaxHistory = 100;

    public Task<Proto.ChannelControl> PauseAsync(Proto.ChannelControlRequest request, AdminCall call, CancellationToken cancellationToken)
        => ChangeAsync(request, call, paused: true, cancellationToken);

    public Task<Proto.ChannelControl> ResumeAsync(Proto.ChannelControlRequest request, AdminCall call, CancellationToken cancellationToken)
        => ChangeAsync(request, call, paused: false, cancellationToken);

    public async Task<Proto.ListChannelControlsResponse> ListAsync(Proto.ListChannelControlsRequest request, AdminCall call,
        CancellationToken cancellationToken)
    {
        var violations = new FieldViolations();
        if (request.Channel.Length > 0 && !ChannelNames.All.Contains(request.Channel))
        {
            violations.Add("channel", $"must be empty (every channel) or one of {string.Join(", ", ChannelNames.All)}");
        }
        if (request.History is < 0 or > MaxHistory)
        {
            violations.Add("history", $"must be 0 (the default, {DefaultHistory}) to {MaxHistory}");
        }
        violations.ThrowIfAny();
        call.Describe("channel", request.Channel.Length > 0 ? request.Channel : null);

        var history = request.History == 0 ? DefaultHistory : request.History;
        var response = new Proto.ListChannelControlsResponse();
        foreach (var channel in request.Channel.Length > 0 ? [request.Channel] : ChannelNames.All)
        {
            response.Controls.AddRange((await store.GetAsync(channel, cancellationToken)).Select(StatusMapping.ToProto));
            response.History.AddRange((await store.HistoryAsync(channel, history, cancellationToken)).Select(e => new Proto.ChannelControlEvent
            {
                Channel = e.Channel,
                Provider = e.Provider,
                Action = e.Action,
                Reason = e.Reason,
                Actor = e.Actor,
                WasPaused = e.WasPaused,
                OccurredAt = AdminArguments.Proto(e.OccurredAt),
            }));
        }
        return response;
    }

    private async Task<Proto.ChannelControl> ChangeAsync(Proto.ChannelControlRequest request, AdminCall call, bool paused,
        CancellationToken cancellationToken)
    {
        var violations = new FieldViolations();
        var channel = request.Channel.Trim();
        string? provider = null;
        if (!ChannelNames.All.Contains(channel))
        {
            violations.Add("channel", $"must be one of {string.Join(", ", ChannelNames.All)}");
        }
        else if (request.Provider.Trim() is { Length: > 0 } named)
        {
            if (ProviderNames.For(channel).Contains(named))
            {
                provider = named;
            }
            else
            {
                violations.Add("provider",
                    $"must be empty (the whole channel) or a provider of {channel}: {string.Join(", ", ProviderNames.For(channel))}");
            }
        }
        var reason = AdminArguments.Text(request.Reason, "reason", ChannelControlStore.MaxReasonLength, required: true, violations,
            "why, recorded and shown by `notifyctl status`");
        violations.ThrowIfAny();
        call.Describe("channel", channel).Describe("provider", provider).Describe("reason", reason);

        var control = paused
            ? await store.PauseAsync(channel, provider, reason!, call.Actor, cancellationToken)
            : await store.ResumeAsync(channel, provider, reason!, call.Actor, cancellationToken);
        return StatusMapping.ToProto(control);
    }
}
