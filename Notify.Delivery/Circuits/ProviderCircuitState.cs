namespace Notify.Delivery.Circuits;

/// <summary>
/// One provider's circuits as they stand, for the detailed health view: the provider-wide
/// circuit (<c>closed</c>, <c>open</c>, <c>halfopen</c>, <c>isolated</c>), whether it stops
/// calls now, when an open one lets its next probe through, and how many per-destination
/// circuits (webhook endpoints) are open.
/// </summary>
public sealed record ProviderCircuitState(string Provider, string Circuit, bool Blocking, DateTime? ProbeAt, int OpenDestinations)
{
    public static ProviderCircuitState Of(string provider, ProviderCircuits circuits)
    {
        var wide = circuits.ProviderWide;
        var blocking = wide.IsOpen;
        return new(provider, wide.State, blocking, blocking ? wide.BreakEndsAt : null, circuits.OpenKeyed);
    }
}
