using System.Collections.Frozen;
using Notify.Outbox.Controls;

namespace Notify.Delivery.Controls;

/// <summary>
/// A channel's controls as this process last read them: the whole channel's and each provider's
/// (a control never set is not paused). Until the first read succeeds nothing is
/// <see cref="Known"/>, and the worker does not claim: a replica starting while its channel is
/// paused must not send before it has seen the pause.
/// </summary>
public sealed record PauseState(bool Known, ChannelControl? Channel, FrozenDictionary<string, ChannelControl> Providers)
{
    public static readonly PauseState Unknown = new(false, null, FrozenDictionary<string, ChannelControl>.Empty);

    public static PauseState From(IReadOnlyList<ChannelControl> controls)
        => new(true, controls.FirstOrDefault(c => c.IsWholeChannel),
            controls.Where(c => !c.IsWholeChannel).ToFrozenDictionary(c => c.Provider, StringComparer.Ordinal));

    /// <summary>True while the whole channel is paused.</summary>
    public bool ChannelPaused => Channel?.Paused == true;

    /// <summary>True while <paramref name="provider"/> itself is paused (whatever the channel's control says).</summary>
    public bool ProviderPaused(string provider) => Providers.TryGetValue(provider, out var control) && control.Paused;

    /// <summary>True when <paramref name="provider"/> must not be called: the channel or the provider is paused.</summary>
    public bool Stops(string provider) => ChannelPaused || ProviderPaused(provider);
}
