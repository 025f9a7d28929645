using Microsoft.Extensions.Logging;
using Notify.Delivery.Telemetry;
using Notify.Outbox.Controls;
using Npgsql;

namespace Notify.Delivery.Controls;

/// <summary>
/// Keeps one worker's view of its channel's controls (<see cref="ChannelControlStore"/>): reads them
/// every <c>ControlsInterval</c> (≤ 2 s: the guarantee that a pause reaches every replica within
/// 5 s) and at once when the store's NOTIFY on <see cref="ChannelControlStore.WakeUpChannel"/>
/// names the channel. While the database cannot be read the last state read stands: an outage
/// never resumes a paused channel. Logs each pause and resume as it takes effect here (the
/// reason, not the actor), and reports <c>notify.channel.paused</c>.
/// </summary>
public sealed partial class ChannelControlWatcher(
    ChannelControlStore store, NpgsqlDataSource dataSource, string channel, IReadOnlyList<string> providers, TimeSpan interval, ILogger logger)
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private volatile PauseState _state = PauseState.Unknown;
    // Set while the controls cannot be read: an outage is logged once, not on every read.
    private volatile bool _unreadable;

    /// <summary>The state last read (<see cref="PauseState.Unknown"/> before the first read).</summary>
    public PauseState State => _state;

    /// <summary>Reads the controls until <paramref name="stoppingToken"/> fires; <paramref name="changed"/> runs after each change (a resume should wake the claim loop).</summary>
    public async Task RunAsync(Action changed, CancellationToken stoppingToken)
    {
        using var observed = DeliveryMetrics.ObservePauses(channel, () => Gauge(_state));
        var listening = ListenAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var read = PauseState.From(await store.GetAsync(channel, stoppingToken));
                _unreadable = false;
                if (Apply(read))
                {
                    changed();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                Unreadable(ex);
            }
            try
            {
                await _wake.WaitAsync(interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
        await listening;
    }

    private void Unreadable(Exception ex)
    {
        if (!_unreadable)
        {
            _unreadable = true;
            LogUnreadable(logger, channel, ex.GetType().Name);
        }
    }

    /// <summary>Takes <paramref name="next"/> as the state and logs what changed; false when nothing did.</summary>
    private bool Apply(PauseState next)
    {
        var previous = _state;
        _state = next;
        var changed = !previous.Known;
        if (previous.ChannelPaused != next.ChannelPaused)
        {
            changed = true;
            if (next.ChannelPaused)
            {
                LogChannelPaused(logger, channel, next.Channel!.Reason);
            }
            else
            {
                LogChannelResumed(logger, channel, next.Channel?.Reason ?? "");
            }
        }
        foreach (var provider in providers)
        {
            var paused = next.ProviderPaused(provider);
            if (previous.ProviderPaused(provider) == paused)
            {
                continue;
            }
            changed = true;
            var reason = next.Providers.TryGetValue(provider, out var control) ? control.Reason : "";
            if (paused)
            {
                LogProviderPaused(logger, channel, provider, reason);
            }
            else
            {
                LogProviderResumed(logger, channel, provider, reason);
            }
        }
        return changed;
    }

    /// <summary>One series for the whole channel (provider "") and one per provider of this process, each 1 while its own control is paused.</summary>
    private IEnumerable<(string Provider, bool Paused)> Gauge(PauseState state)
    {
        if (!state.Known)
        {
            yield break;
        }
        yield return ("", state.ChannelPaused);
        foreach (var provider in providers)
        {
            yield return (provider, state.ProviderPaused(provider));
        }
    }

    /// <summary>Holds a connection that LISTENs for changes; reconnects after failures (the poll covers the gap).</summary>
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (e.Payload == channel && _wake.CurrentCount == 0)
                    {
                        try { _wake.Release(); } catch (SemaphoreFullException) { }
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {ChannelControlStore.WakeUpChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                // Anything changed between the last read and the LISTEN is read now.
                try { _wake.Release(); } catch (SemaphoreFullException) { }
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
            {
                Unreadable(ex);
                try
                {
                    await Task.Delay(interval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "{Channel}: channel paused, not claiming ({Reason})")]
    private static partial void LogChannelPaused(ILogger logger, string channel, string reason);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "{Channel}: channel resumed ({Reason})")]
    private static partial void LogChannelResumed(ILogger logger, string channel, string reason);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "{Channel}: provider {Provider} paused, skipped like an open circuit ({Reason})")]
    private static partial void LogProviderPaused(ILogger logger, string channel, string provider, string reason);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "{Channel}: provider {Provider} resumed ({Reason})")]
    private static partial void LogProviderResumed(ILogger logger, string channel, string provider, string reason);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "{Channel}: channel controls could not be read ({Error}); the last state read stands until they can (logged once)")]
    private static partial void LogUnreadable(ILogger logger, string channel, string error);
}
